"""The sample Otus export covers the passback rules on real sandbox ids, and is deterministic."""

from __future__ import annotations

from itertools import islice

from campus_sandbox.district import generate
from destination_campus_grades.reasons import Outcome, Reason
from otus_export import bulk_export, sample_export

NOT_IN_SAMPLE = {Reason.STREAM_NOT_MAPPED, Reason.REFUSED_INVALID_DATA, Reason.NO_SCORE_VALUE,
                 Reason.INVALID_FIELD_VALUE,
                 # a second sync, a teacher in Campus or a dry run: integration_tests/test_destination_campus_edits.py,
                 # test_destination_disappeared.py, test_destination_reruns.py
                 Reason.CAMPUS_EDIT_KEPT, Reason.CAMPUS_EDIT_OVERWRITTEN, Reason.RESENT_AFTER_CAMPUS_DELETE,
                 Reason.COMPARED_TWO_WAY, Reason.FINGERPRINT_NOT_KEPT, Reason.REFUSAL_NOT_PREDICTABLE,
                 Reason.CAMPUS_EDIT_REFUSED,
                 Reason.ASSESSMENT_DISAPPEARED, *(r for r in Reason if r.value.startswith("removal_")),
                 # input lines and the stream as a whole (unusable lines, duplicates, typed values, a
                 # forbidden section): integration_tests/test_destination_input.py
                 Reason.SUPERSEDED, Reason.READ_LENIENTLY, Reason.SECTION_FORBIDDEN,
                 # OneRoster 1.2 only (the sample is a 1.1 district's): integration_tests/test_destination_v1p2.py
                 Reason.LEGACY_ID_NOT_MATCHED, Reason.USER_ID_AMBIGUOUS, Reason.LETTER_NOT_IN_SCORE_SCALE,
                 # the teacher group stream, a provider without a default category, letters in metadata:
                 # test_destination_teacher_group.py, test_destination_categories.py, test_destination_letters.py
                 Reason.GROUP_MEMBER_NOT_IN_CAMPUS, Reason.GROUP_MEMBER_IS_STUDENT, Reason.CATEGORY_NOT_RESOLVED,
                 Reason.LETTER_NEEDS_PERCENT,
                 *(r for r in Reason if r.value.startswith(("line_", "record_", "state_")))}


def test_sample_is_deterministic_and_uses_the_districts_ids() -> None:
    district = generate("tiny")
    first, second = sample_export(district), sample_export(generate("tiny"))
    assert first.records == second.records
    sections = {s.sourced_id for s in district.sections()}
    assert {r["section_id"] for _, r in first.records if "section_id" in r} - sections == {"999999", ".."}


def test_sample_names_a_case_for_every_rule_and_refusal() -> None:
    export = sample_export(generate("tiny"))
    covered = {case.expected for case in export.cases.values()}
    wanted = {r.value for r in Reason if r not in NOT_IN_SAMPLE}
    assert wanted <= covered, f"no sample case for {sorted(wanted - covered)}"
    assert any(case.expected is None for case in export.cases.values())
    refusals = {r.value for r in Reason if r.outcome is Outcome.REFUSED_BY_CAMPUS and r not in NOT_IN_SAMPLE} - {
        "refused_invalid_data"}
    assert refusals <= covered


def test_sample_sends_a_score_before_its_assessment() -> None:
    records = sample_export(generate("tiny")).records
    first_seen = {}
    for position, (stream, record) in enumerate(records):
        first_seen.setdefault((stream, record.get("assessment_id")), position)
    assert first_seen[("scores", "spring_score_first")] < first_seen[("assessments", "spring_score_first")]


def test_bulk_export_is_a_deterministic_stream_of_the_asked_size() -> None:
    district = generate("small")
    stream = bulk_export(district, sections=3, students_per_section=4, assessments_per_section=2)
    records = list(stream)
    assert len(records) == 3 * (2 + 4 * 2)
    assert records == list(bulk_export(generate("small"), sections=3, students_per_section=4, assessments_per_section=2))
    big = bulk_export(district, sections=90, students_per_section=24, assessments_per_section=500)
    assert next(big)[0] == "assessments" and len(list(islice(big, 10))) == 10
