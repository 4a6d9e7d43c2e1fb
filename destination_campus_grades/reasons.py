"""The one list of reason codes the destination reports, each with what a district admin does about it.

Rules, the writer, the passback report and the troubleshooting docs all name a record's fate
through this enum, so a code printed in a sync log can always be looked up in one place.
"""

from __future__ import annotations

from enum import Enum


class Outcome(str, Enum):
    """What happened to one input record (one lineItem or one result)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    SKIPPED_BY_RULE = "skipped_by_rule"
    REFUSED_BY_CAMPUS = "refused_by_campus"
    INVALID_INPUT = "invalid_input"
    USED = "used"  # a record that decides others and is not itself written: a teacher group member


class Reason(str, Enum):
    """Why a record was not written as sent. `outcome` says which report column it counts in;
    codes without an outcome are notes on a record that was still written."""

    def __new__(cls, code: str, outcome: Outcome | None, what_to_do: str) -> "Reason":
        member = str.__new__(cls, code)
        member._value_ = code
        member.outcome = outcome
        member.what_to_do = what_to_do
        return member

    # Passback rules (rules 1-7 of the destination page, docs/integrations/destinations/campus-grades.md): the record is correct, the district chose not to send it.
    ASSIGNED_BEFORE_START_DATE = (
        "assigned_before_start_date", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: assessments that start before the passback start date never pass back. "
        "Move passback_start_date earlier only if these should count.")
    NOT_GRADED = (
        "not_graded", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: the score has no graded date yet; it passes back at the first sync after grading.")
    GRADED_BEFORE_START_DATE = (
        "graded_before_start_date", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: scores graded before the passback start date never pass back.")
    NOT_IN_FINAL_GRADE = (
        "not_in_final_grade", Outcome.SKIPPED_BY_RULE,
        "Tick 'Include Score in Final Grade' on the assessment in Otus if it should pass back.")
    ASSESSMENT_DELETED = (
        "assessment_deleted", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: removed assessments are not passed back (removal_policy decides whether "
        "what Campus already holds is kept or deleted).")
    ASSESSMENT_DRAFT = (
        "assessment_draft", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: drafts pass back once the teacher assigns them.")
    STANDARDS_NOT_PASSED_BACK = (
        "standards_not_passed_back", Outcome.SKIPPED_BY_RULE,
        "Standards-graded assessments are not passed back; teachers enter standards in Campus.")
    TEACHER_NOT_IN_GROUP = (
        "teacher_not_in_group", Outcome.SKIPPED_BY_RULE,
        "Add the assigning teacher to the Gradebook Passback Teacher Group in Otus (the teacher_group "
        "stream) if their assessments should pass back; without that stream, to passback_teacher_group.")
    ASSIGNER_NOT_IN_CAMPUS = (
        "assigner_not_in_campus", Outcome.SKIPPED_BY_RULE,
        "The assessment should be assigned by the section's teacher: an Otus administrator who is "
        "not a Campus user cannot pass grades back. Re-assign it from the teacher's account.")
    STUDENT_EXCLUDED = (
        "student_excluded", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: excluded students' scores are never passed back.")
    STATUS_NOT_PASSED_BACK = (
        "status_not_passed_back", Outcome.SKIPPED_BY_RULE,
        "Missing, late and exempt flags have no OneRoster 1.1 equivalent and are not passed back; "
        "the teacher marks them in Campus. A score entered alongside the flag does pass back.")
    SUPERSEDED = (
        "superseded", Outcome.SKIPPED_BY_RULE,
        "Nothing to do: a later record for the same assessment, score or grade arrived in the same "
        "sync, and the last one is what passes back.")
    # Input lines that are not a usable Airbyte message: counted by line number, never by content.
    LINE_NOT_UTF8 = (
        "line_not_utf8", Outcome.INVALID_INPUT,
        "The input line is not UTF-8 text (an invalid byte or a lone surrogate): fix the encoding "
        "of the Otus export or of the view that feeds this connector.")
    LINE_NOT_JSON = (
        "line_not_json", Outcome.INVALID_INPUT,
        "The input line is not JSON (NaN or Infinity in a number, a broken escape): make the source "
        "write null for a missing number, or fix the export.")
    LINE_TRUNCATED = (
        "line_truncated", Outcome.INVALID_INPUT,
        "The last input line ended before its JSON did (the source stopped mid-record): re-run the "
        "sync; if it repeats, check the source's logs.")
    LINE_NOT_A_MESSAGE = (
        "line_not_a_message", Outcome.INVALID_INPUT,
        "The input line is JSON but not an Airbyte message (an array, a string, an object without a "
        "known type): check the source connector.")
    RECORD_MALFORMED = (
        "record_malformed", Outcome.INVALID_INPUT,
        "A RECORD message without a record object or a stream name: check the source connector.")
    RECORD_DATA_NOT_OBJECT = (
        "record_data_not_object", Outcome.INVALID_INPUT,
        "A RECORD whose data is not a JSON object (null, a list, a string): fix the export or the "
        "view so each row is one object.")
    STATE_MALFORMED = (
        "state_malformed", Outcome.INVALID_INPUT,
        "A STATE message without a state object cannot be echoed: check the source connector.")
    # Input that cannot be passed back as it stands: fix it in Otus (or the view that feeds Airbyte).
    MISSING_REQUIRED_FIELD = (
        "missing_required_field", Outcome.INVALID_INPUT,
        "Fill in the named field in the Otus export (or the view that feeds this connector).")
    WRONG_FIELD_TYPE = (
        "wrong_field_type", Outcome.INVALID_INPUT,
        "The named field holds the wrong kind of value (e.g. text where a number belongs): fix the "
        "export or the view that feeds this connector.")
    INVALID_FIELD_VALUE = (
        "invalid_field_value", Outcome.INVALID_INPUT,
        "The named field holds a value outside what it allows (a date that is not a date, an "
        "unknown state, a negative number): fix it in Otus or in the view.")
    INVALID_ID = (
        "invalid_id", Outcome.INVALID_INPUT,
        "The named id is empty, '.' or '..' (or those percent-encoded), which cannot be part of a Campus "
        "address, so nothing was sent: fix the id mapping in Otus or in the view.")
    NO_SCORE_VALUE = (
        "no_score_value", Outcome.INVALID_INPUT,
        "The score is marked graded but has neither points nor percent: enter a score in Otus.")
    SCORE_ABOVE_POINTS_POSSIBLE = (
        "score_above_points_possible", Outcome.INVALID_INPUT,
        "The points are above the assessment's points possible (or the percent above 100): "
        "correct the score or the points possible in Otus.")
    UNKNOWN_SECTION = (
        "unknown_section", Outcome.INVALID_INPUT,
        "section_id is not a Campus class sourcedId this key can see: check the section mapping "
        "in Otus and that the section belongs to the active school year.")
    STUDENT_NOT_ENROLLED = (
        "student_not_enrolled", Outcome.INVALID_INPUT,
        "The student is not enrolled in the Campus section: fix the roster (a roster sync may "
        "be pending) or the student mapping in Otus.")
    UNKNOWN_GRADING_TASK = (
        "unknown_grading_task", Outcome.INVALID_INPUT,
        "grading_task_id is not a grading-task lineItem of the section in Campus: check that the "
        "task exists for the section's term.")
    LEGACY_ID_NOT_MATCHED = (
        "legacy_id_not_matched", Outcome.INVALID_INPUT,
        "On OneRoster 1.2 the Otus id is still a 1.1 id (s... or t...) and no Campus user with that role "
        "carries it as metadata.ic.legacysourceId: re-sync Otus's roster from the 1.2 connection, or check "
        "that the person is still in Campus. Nothing was guessed or sent.")
    USER_ID_AMBIGUOUS = (
        "user_id_ambiguous", Outcome.INVALID_INPUT,
        "The Otus id names more than one Campus user (a 1.2 sourcedId and another user's 1.1 legacy id, "
        "or two users with the same legacysourceId): ask the Campus administrator to fix the duplicate "
        "and re-sync Otus's roster. Nothing was guessed or sent.")
    ASSESSMENT_NOT_FOUND = (
        "assessment_not_found", Outcome.INVALID_INPUT,
        "The score's assessment never arrived in this sync: make sure the assessments stream is "
        "selected and carries the same assessment_id and section_id.")
    STREAM_NOT_MAPPED = (
        "stream_not_mapped", Outcome.INVALID_INPUT,
        "Records arrived on a stream that is not mapped to assessments, scores or grades: map it "
        "onto one of them in the connection (or in stream_roles), or deselect it.")
    GROUP_MEMBER_NOT_IN_CAMPUS = (
        "group_member_not_in_campus", Outcome.INVALID_INPUT,
        "A member of the teacher group (teacher_group stream) has a user_id that is not a Campus user "
        "this key can see, so it matches no assigning teacher: correct the member's Campus user sourcedId "
        "in Otus, or remove the member from the Gradebook Passback Teacher Group.")
    GROUP_MEMBER_IS_STUDENT = (
        "group_member_is_student", Outcome.INVALID_INPUT,
        "A member of the teacher group (teacher_group stream) is a student in Campus: students never "
        "assign assessments, so the id is a mistake. Remove the student from the Gradebook Passback "
        "Teacher Group in Otus, or correct the member's Campus user sourcedId.")
    # Notes: the record was written, with a change the admin should know about.
    READ_LENIENTLY = (
        "read_leniently", None,
        "A value arrived as another JSON type and was read as the field's type (numeric text as a "
        "number, 100000.0 as the id 100000, \"true\" as a boolean, empty text as null): nothing to "
        "do, but a typed source (CSV, pandas) can be told the column types to avoid it.")
    TITLE_TRUNCATED = (
        "title_truncated", None,
        "The title was longer than title_max_length and was cut (ending in '...') so Campus "
        "accepts it: shorten the title in Otus to control the wording.")
    CAMPUS_EDIT_KEPT = (
        "campus_edit_kept", None,
        "A teacher changed this in Campus since the last passback and Otus did not: the teacher's value "
        "is kept (campus_edits: keep). Change it in Otus to send a new value, or set campus_edits to "
        "overwrite to let Otus's value win.")
    CAMPUS_EDIT_OVERWRITTEN = (
        "campus_edit_overwritten", None,
        "A value a teacher changed in Campus was replaced by Otus's: either Otus changed it too (a "
        "regrade: Otus's new value wins), or campus_edits is overwrite. Tell the teacher, or re-enter "
        "the change in Otus.")
    RESENT_AFTER_CAMPUS_DELETE = (
        "resent_after_campus_delete", None,
        "The score was deleted in Campus and was passed back again, as Otus does. To stop it, untick "
        "'Include Score in Final Grade' on the assessment in Otus (or exclude the student there).")
    COMPARED_TWO_WAY = (
        "compared_two_way", None,
        "Campus holds no passback fingerprint for this object (written before fingerprints, or the "
        "provider drops metadata), so a change made in Campus cannot be told from one made in Otus: "
        "Otus's value was written. Once Campus keeps the fingerprint, teacher edits are recognised.")
    FINGERPRINT_NOT_KEPT = (
        "fingerprint_not_kept", None,
        "Campus answered the write without the passback fingerprint in metadata: this provider does "
        "not keep it, so every sync compares two-way and overwrites teacher edits in Campus with "
        "Otus's values. Ask the provider to keep lineItem and result metadata.")
    REFUSAL_NOT_PREDICTABLE = (
        "refusal_not_predictable", None,
        "Dry run: counted as a write, but Campus may still refuse it for a reason OneRoster 1.1 cannot "
        "show in advance (a closed grading window). The real run reports any such refusal.")
    ASSESSMENT_DISAPPEARED = (
        "assessment_disappeared", None,
        "This connector passed the assessment back earlier, but it is no longer in the Otus export (a "
        "full refresh that proved complete). removal_policy delete removes it and its scores from Campus "
        "(within the removal caps); keep lists it here for the teacher or admin to delete in Campus, or "
        "to restore in Otus.")
    # Removals held back: the evidence a deletion needs was missing (the destination page's "When a deletion happens").
    REMOVAL_NOT_FULL_REFRESH = (
        "removal_not_full_refresh", None,
        "Disappeared assessments were not looked for: an assessments stream is not configured full refresh "
        "(an incremental sync sends only what changed). Nothing was removed for disappearing.")
    REMOVAL_STREAM_NOT_COMPLETE = (
        "removal_stream_not_complete", None,
        "Disappeared assessments were not looked for: the platform did not say that the assessments stream "
        "completed (no COMPLETE stream status, or a later INCOMPLETE one), so the export may be cut short. "
        "Nothing was removed for disappearing; check the source's logs.")
    REMOVAL_INPUT_UNUSABLE = (
        "removal_input_unusable", None,
        "Disappeared assessments were not looked for: lines that could be assessments were unusable (see the "
        "invalid lines and stream_not_mapped in this report), and one of them may be an assessment that only "
        "looks gone. Nothing was removed for disappearing; fix those lines.")
    REMOVAL_NO_VALID_ASSESSMENT = (
        "removal_no_valid_assessment", None,
        "Disappeared assessments were not looked for: no valid assessment arrived, which is a broken or "
        "mis-mapped export rather than every assessment deleted. Nothing was removed for disappearing.")
    REMOVAL_CAP_EXCEEDED = (
        "removal_cap_exceeded", None,
        "This sync would have removed more assignments than max_removals_per_sync or max_removals_percent "
        "allow, so it removed none (the examples are some of them). If they really are gone from Otus, raise "
        "the cap for one sync, or delete them in Campus; otherwise fix the export.")
    REMOVAL_NOT_OURS = (
        "removal_not_ours", None,
        "A lineItem carries this connector's namespace tag, but its sourcedId is not the one derived from the "
        "Otus ids it records (copied in Campus with its metadata, or written by someone else): it is never "
        "removed or changed by this connector.")
    # Campus refused the write (the destination page's rule 8): Campus's own description is kept in the report.
    GRADING_WINDOW_CLOSED = (
        "grading_window_closed", Outcome.REFUSED_BY_CAMPUS,
        "Ask the Campus administrator to open the grading window; the next full-refresh sync "
        "re-sends the score by itself.")
    SCORE_NOT_IN_SCORE_GROUP = (
        "score_not_in_score_group", Outcome.REFUSED_BY_CAMPUS,
        "The score is not a value of the grading task's score group: use a value from the group, "
        "or send a percent so Campus picks the score.")
    SECTION_FORBIDDEN = (
        "section_forbidden", Outcome.REFUSED_BY_CAMPUS,
        "Campus refused this key the section's roster or gradebook (403/404): ask the Campus "
        "administrator to include the section's school in the OneRoster connection, or fix the "
        "section mapping in Otus. The other sections passed back.")
    DUE_DATE_OUTSIDE_TERM = (
        "due_date_outside_term", Outcome.REFUSED_BY_CAMPUS,
        "The due date lies outside every term of the section: correct the due date in Otus.")
    DUPLICATE_TITLE = (
        "duplicate_title", Outcome.REFUSED_BY_CAMPUS,
        "Another assessment of the section already has this title in Campus: rename one of them in "
        "Otus (or in Campus) so each assessment of a section has its own title.")
    CAMPUS_EDIT_REFUSED = (
        "campus_edit_refused", Outcome.REFUSED_BY_CAMPUS,
        "Campus refused to update the assignment because of a value a teacher changed in Campus and "
        "campus_edits: keep kept (named in the detail, e.g. a due date outside the term): correct it in "
        "Campus, or set campus_edits to overwrite. The assignment's scores were still passed back.")
    CATEGORY_NOT_RESOLVED = (
        "category_not_resolved", Outcome.REFUSED_BY_CAMPUS,
        "OneRoster requires a category on every assignment and none was found for this one: the class has "
        "no Campus category titled as the Otus category (OneRoster 1.2 reads the class's categories), the "
        "Otus category is not in category_map, default_category_id is empty, and (1.1 only) the provider's "
        "categories hold no default ('Uncategorized'). Create the category in the class's Campus gradebook, "
        "map the Otus category, or set default_category_id; a dry run lists every class and category. "
        "Nothing was sent.")
    LETTER_NEEDS_PERCENT = (
        "letter_needs_percent", Outcome.REFUSED_BY_CAMPUS,
        "With letter_grade_metadata_key set, OneRoster 1.1's numeric score carries the grade's percent and "
        "the letter travels in metadata; a letter without a percent has no number to send, and the provider "
        "would refuse it. Send the percent with the letter from Otus, or leave letter_grade_metadata_key "
        "empty if the provider takes letters in score as Campus does. Nothing was sent.")
    LETTER_NOT_IN_SCORE_SCALE = (
        "letter_not_in_score_scale", Outcome.REFUSED_BY_CAMPUS,
        "The letter is not a value of the class's Campus score scale: use one of the scale's values in "
        "Otus (the report lists them), or ask the Campus administrator to add it to the scale.")
    REFUSED_INVALID_DATA = (
        "refused_invalid_data", Outcome.REFUSED_BY_CAMPUS,
        "Campus refused the record for the reason quoted in the report: fix the record or ask "
        "the Campus administrator.")


CAMPUS_REFUSAL_PREFIXES: tuple[tuple[str, Reason], ...] = (
    ("Grading window is closed", Reason.GRADING_WINDOW_CLOSED),
    ("Score is not in the score group", Reason.SCORE_NOT_IN_SCORE_GROUP),
    ("Due date is outside the term", Reason.DUE_DATE_OUTSIDE_TERM),
    ("Title is already used", Reason.DUPLICATE_TITLE),
)


def reason_for_refusal(description: str | None) -> Reason:
    """Classify Campus's refusal by the start of its description; anything unknown keeps its words."""
    text = (description or "").strip()
    for prefix, reason in CAMPUS_REFUSAL_PREFIXES:
        if text.startswith(prefix):
            return reason
    return Reason.REFUSED_INVALID_DATA
