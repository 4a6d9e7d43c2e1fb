"""The destination's settings, as a district administrator enters them in Airbyte.

`DestinationConfig` extends the shared connection settings with the district's passback policy
(the destination page's "Configuration", docs/integrations/destinations/campus-grades.md). Every
field's description is written for the admin who fills the form: what it does, what the empty
value means, where the value comes from.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from campus_oneroster.config import ConnectionConfig
from destination_campus_grades.diff import CampusEdits
from destination_campus_grades.disappeared import RemovalCap
from destination_campus_grades.district_days import DistrictCalendar, LineItemDateFormat, time_zone

DOCUMENTATION_URL = "https://docs.airbyte.com/integrations/destinations/campus-grades"
DEFAULT_VENDOR_NAMESPACE = "otus.campus-passback"
DEFAULT_MAX_REMOVALS = 20
DEFAULT_MAX_REMOVALS_PERCENT = 25
NAMESPACE_FOR_DELETE = (
    "removal_policy delete needs vendor_namespace set explicitly for this connection: a connection deletes "
    "only lineItems its own namespace wrote, and the default is shared by every connection left on it (a "
    "second connection to the district would delete the first one's assignments). Enter a namespace of this "
    "connection's own; if it already passed back under the default and no other connection to the district "
    "uses that, enter otus.campus-passback")
StreamRole = Literal["assessments", "scores", "grades", "teacher_group"]
STREAM_ROLES: tuple[str, ...] = ("assessments", "scores", "grades", "teacher_group")
GROUP_ROLE = "teacher_group"  # optional: Otus's Gradebook Passback Teacher Group, one record per member


class StreamRoleEntry(BaseModel):
    """One incoming stream and the role its records play."""

    model_config = ConfigDict(title="Stream role", extra="ignore", frozen=True)

    stream: str = Field(
        min_length=1,
        title="Incoming stream",
        description="The stream's name as the Otus-side source emits it (a table, view or file stream).",
        examples=["passback_scores_v"],
        json_schema_extra={"order": 0},
    )
    role: StreamRole = Field(
        title="Role",
        description=("What its records are: assessments, scores, grades or teacher_group (the members of "
                     "Otus's Gradebook Passback Teacher Group); the input fields of that role."),
        examples=["scores"],
        json_schema_extra={"order": 1},
    )


class CategoryMapping(BaseModel):
    """One Otus assessment category and the Campus category it is filed under."""

    model_config = ConfigDict(title="Category", extra="ignore", frozen=True)

    otus_category: str = Field(
        min_length=1,
        title="Otus category",
        description="The category as Otus names it (the assessments' category field), e.g. Quizzes.",
        examples=["Quizzes"],
        json_schema_extra={"order": 0},
    )
    campus_category_id: str = Field(
        min_length=1,
        title="Campus category sourcedId",
        description="The sourcedId of the Campus category (the categories stream of the Campus source lists them).",
        examples=["c7001"],
        json_schema_extra={"order": 1},
    )


class DestinationConfig(ConnectionConfig):
    """Connection settings plus the passback policy the rules apply.

    The vendor pair, optional for the source's roster-only use, is required here: every call the
    destination makes to the gradebook carries it, and Campus refuses each one without it, so
    `check` fails without it. Required, the form shows it among the connection fields rather than
    under "Optional fields".
    """

    vendor_key: str = Field(
        min_length=1,
        title="Vendor key (gradebook)",
        description=(
            "The Digital Learning Partner vendor key for Campus's gradebook endpoints (categories, "
            "lineItems, results), sent as the x-vendor-authorization header. Required: Campus refuses "
            "every gradebook call without it. Campus shows it with the Grade Book Sync connection."
        ),
        json_schema_extra={"order": 2},
    )
    vendor_secret: SecretStr = Field(
        min_length=1,
        title="Vendor secret (gradebook)",
        description="The vendor secret that goes with the vendor key. Required, like the key.",
        json_schema_extra={"order": 3, "airbyte_secret": True},
    )

    # OneRoster 1.2 token scopes: read the roster and the gradebook, upsert and delete in it.
    token_scopes: ClassVar[tuple[str, ...]] = ("roster.readonly", "gradebook.readonly", "gradebook.createput",
                                               "gradebook.delete")

    passback_start_date: date = Field(
        title="Passback start date",
        description=(
            "Only assessments assigned on or after this date, and scores graded on or after it, are "
            "passed back (days in the district's time zone). Anything assigned earlier never is, even "
            "if it goes live later. Usually the first day of the school year or of the grading period "
            "where passback begins."
        ),
        examples=["2026-08-17"],
        json_schema_extra={"order": 10},
    )
    district_time_zone: str = Field(
        title="District time zone",
        description=(
            "The district's IANA time zone. Every calendar day the passback rules or Campus see is taken "
            "in it: the start date comparisons, assignment start and due days, 'start + 7 days', the "
            "score date and the days in the report. A due date of Thursday 11:59 PM in Chicago stays "
            "Thursday (in UTC it is already Friday)."
        ),
        examples=["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles"],
        min_length=1,
        json_schema_extra={"order": 11},
    )
    passback_teacher_group: list[str] = Field(
        default_factory=list,
        title="Gradebook passback teacher group",
        description=(
            "Campus user sourcedIds (e.g. t2001) of the teachers whose assessments pass back, for an "
            "Otus side that cannot export the group. When the connection carries a teacher_group stream "
            "(the group as Otus holds it), that stream is the group and this list is ignored (the report "
            "says so). Leave empty to let every Campus user who assigns an assessment pass back (the "
            "assigner must still be a Campus user)."
        ),
        json_schema_extra={"order": 12},
    )
    category_map: list[CategoryMapping] = Field(
        default=[],  # pydantic copies it per config; the spec shows an empty list
        title="Category map",
        description=(
            "Which Campus category each Otus assessment category is filed under: one entry per Otus "
            "category. An unmapped category is sent with the default category (below), so Campus "
            "files it under its placeholder (Uncategorized) and the teacher aligns it in Campus."
        ),
        examples=[[{"otus_category": "Quizzes", "campus_category_id": "c7001"}]],
        json_schema_extra={"order": 13},
    )
    default_category_id: Optional[str] = Field(
        default=None,
        title="Default category sourcedId",
        description=(
            "The Campus category an assessment is filed under when category_map does not map its Otus "
            "category (OneRoster 1.1 requires a category on every assignment). Empty (default): the "
            "provider's own default category, read from its categories (Campus's placeholder, "
            "Uncategorized). Enter a sourcedId from the provider's categories (the Campus source's "
            "categories stream lists them) to file unmapped assessments there instead. On OneRoster 1.2 "
            "a category of the class titled as the Otus category comes first, and the placeholder is never "
            "used: without a default, such an assessment is not sent (category_not_resolved; a dry run "
            "lists every class and category to fix first)."
        ),
        examples=["c7001"],
        json_schema_extra={"order": 23},
    )
    vendor_namespace: str = Field(
        default=DEFAULT_VENDOR_NAMESPACE,
        min_length=1,
        title="Vendor namespace",
        description=(
            "Seed of the lineItem and result sourcedIds this connector writes: the same Otus ids always "
            "give the same Campus ids, so re-running never duplicates. Never change it after the first "
            "sync, or every assessment is written again under new ids. Required with removal_policy "
            "delete: give each connection to a district its own (e.g. otus.<district>.<connection>), "
            "since a connection deletes only what its own namespace wrote."
        ),
        json_schema_extra={"order": 14},
    )
    dry_run: bool = Field(
        default=False,
        title="Dry run",
        description=(
            "Read Campus and produce the full passback report, but write nothing. Use it to preview "
            "a first sync or a settings change."
        ),
        json_schema_extra={"order": 15},
    )
    stream_roles: list[StreamRoleEntry] = Field(
        default=[],  # pydantic copies it per config; the spec shows an empty list
        title="Stream roles",
        description=(
            "Which role each incoming stream plays, when the Otus source names its streams differently "
            "(e.g. a database view passback_scores_v carries scores). Streams named assessments, scores, "
            "grades and teacher_group need no entry, and a stream mapped onto an object in the connection's mapping "
            "(destination object name) follows that mapping. Records of any other stream are counted "
            "in the report as stream_not_mapped, never written."
        ),
        examples=[[{"stream": "passback_scores_v", "role": "scores"}]],
        json_schema_extra={"order": 16},
    )
    removal_policy: Literal["keep", "delete"] = Field(
        default="keep",
        title="Removal policy",
        description=(
            "When an assessment already passed back arrives removed in Otus or with 'Include in final "
            "grade' unticked, or (in a full refresh that completes) no longer arrives at all: keep "
            "(default) leaves what Campus holds, as Otus does, and lists it in the report; delete "
            "removes the Campus assignment and its scores, only on the evidence the destination page lists "
            "(a complete full refresh, lineItems provably written by this connection, within the removal caps). "
            "delete requires this connection's own vendor_namespace."
        ),
        json_schema_extra={"order": 17},
    )
    max_removals_per_sync: int = Field(
        default=DEFAULT_MAX_REMOVALS,
        ge=0,
        le=100_000,
        title="Most lineItems one sync may remove",
        description=(
            "Under removal_policy delete: when one sync would remove more assignments than this, it removes "
            "none and the report says how many it would have. To confirm, raise it for one sync (or delete "
            "them in Campus yourself), then set it back."
        ),
        json_schema_extra={"order": 25},
    )
    max_removals_percent: int = Field(
        default=DEFAULT_MAX_REMOVALS_PERCENT,
        ge=0,
        le=100,
        title="Largest share one sync may remove (percent)",
        description=(
            "Under removal_policy delete: when one sync would remove more than this percent of the "
            "assignments this connection has passed back, it removes none and the report says how many it "
            "would have. To confirm, raise it for one sync, then set it back."
        ),
        json_schema_extra={"order": 26},
    )
    percent_metadata_key: str = Field(
        default="percent",
        min_length=1,
        title="Percent metadata key",
        description=(
            "Key of the result's metadata that carries a percent score to Campus. Change it only if "
            "the district's Campus documents another key."
        ),
        json_schema_extra={"order": 18, "airbyte_hidden": True},
    )
    title_max_length: int = Field(
        default=50,
        ge=10,
        le=255,
        title="Maximum title length",
        description=(
            "Longer assessment titles are cut to this length (ending in '...') and reported as "
            "title_truncated, rather than refused, so the scores still pass back. Otus documents 50."
        ),
        json_schema_extra={"order": 19},
    )
    line_item_date_format: LineItemDateFormat = Field(
        default="date-time",
        title="Assignment date format",
        description=(
            "How an assignment's start and due dates are sent. date-time (default): OneRoster 1.1's type, "
            "e.g. 2026-10-22T23:59:00-05:00 (the district's day and offset). date: the district's day "
            "only, e.g. 2026-10-22, for providers that want days. The score date is always a day."
        ),
        json_schema_extra={"order": 20},
    )
    campus_edits: CampusEdits = Field(
        default="keep",
        title="Changes made in Campus",
        description=(
            "When a teacher changed a passed-back score or assignment in Campus and Otus did not change "
            "it since: keep (default) leaves the teacher's value and lists it in the report; overwrite "
            "writes Otus's value again. When both changed, Otus's new value is written either way and "
            "the report says which Campus edit it replaced."
        ),
        json_schema_extra={"order": 21},
    )

    letter_grade_metadata_key: Optional[str] = Field(
        default=None,
        title="Letter grade metadata key",
        description=(
            "Where a grading-task grade's score-group value (a letter such as B) travels. Empty (default): "
            "in the result's score, as Campus serves its own grading-task results. A key such as letterGrade: "
            "in the result's metadata under that key, with score the percent (a number), for a provider that "
            "holds to OneRoster 1.1's numeric score; such a provider then needs the percent from Otus too. "
            "How Campus takes a letter on a 1.1 write is not publicly documented: confirm it in the district's "
            "REST Documentation Client."
        ),
        examples=["letterGrade"],
        json_schema_extra={"order": 22},
    )

    send_status_flags: bool = Field(
        default=False,
        title="Send missing, late and exempt (OneRoster 1.2)",
        description=(
            "OneRoster 1.2 only, off by default. On: Otus's missing and late travel as the result's 1.2 "
            "flags (missing, late), exempt as score status exempt, also without a score; excluded students "
            "are never sent. Off: as on 1.1, these statuses are not passed back (a score entered with one "
            "still is). How Campus shows the 1.2 flags is not publicly documented: check one class first."
        ),
        json_schema_extra={"order": 24},
    )
    send_standards: bool = Field(
        default=False,
        title="Send standards (OneRoster 1.2)",
        description=(
            "OneRoster 1.2 only, off by default. On: an assessment's standards (the optional standards "
            "input field, CASE ids) and each student's standard scores (standard_scores) travel as "
            "learningObjectiveSet. Whether Campus accepts standards this way is unverified: try it on "
            "one class, in a dry run first."
        ),
        json_schema_extra={"order": 27},
    )

    report_file: Optional[str] = Field(
        default=None,
        title="Report file",
        description=(
            "Also write each sync's passback report to this file (a path; relative to the working "
            "directory), replacing the previous one. For PyAirbyte and the console script, which keep "
            "a connector's log lines in a log file; on an Airbyte platform leave it empty and read the "
            "report in the sync's logs."
        ),
        examples=["passback-report.txt"],
        json_schema_extra={"order": 30, "airbyte_hidden": True},
    )

    @model_validator(mode="before")
    @classmethod
    def _namespace_explicit_for_delete(cls, data: object) -> object:
        """Deleting rests on ownership, and a namespace left on the shared default proves none."""
        if isinstance(data, dict) and data.get("removal_policy") == "delete" and not data.get("vendor_namespace"):
            raise ValueError(NAMESPACE_FOR_DELETE)
        return data

    @property
    def removal_cap(self) -> RemovalCap:
        return RemovalCap(self.max_removals_per_sync, self.max_removals_percent)

    def unused_v1p2_settings(self) -> list[str]:
        """1.2-only settings set on a 1.1 connection: not used, and the report says so (never silently)."""
        if self.oneroster_version == "1.2":
            return []
        return [name for name in ("send_status_flags", "send_standards") if getattr(self, name)]

    @field_validator("district_time_zone")
    @classmethod
    def _is_a_time_zone(cls, value: str) -> str:
        time_zone(value)
        return value.strip()

    @field_validator("letter_grade_metadata_key", "default_category_id", "report_file")
    @classmethod
    def _blank_is_none(cls, value: Optional[str]) -> Optional[str]:
        """An emptied form field means the default (the letter in score; the provider's category)."""
        return value.strip() or None if value is not None else None

    @property
    def calendar(self) -> DistrictCalendar:
        """The district's days, as the rules and the plan take them."""
        return DistrictCalendar(time_zone(self.district_time_zone), self.line_item_date_format)

    @field_validator("stream_roles")
    @classmethod
    def _one_role_per_stream(cls, entries: list[StreamRoleEntry]) -> list[StreamRoleEntry]:
        return _unique(entries, "stream", "stream_roles")

    @field_validator("category_map")
    @classmethod
    def _one_campus_category_per_otus_category(cls, entries: list[CategoryMapping]) -> list[CategoryMapping]:
        return _unique(entries, "otus_category", "category_map")

    @property
    def campus_categories(self) -> dict[str, str]:
        """Otus category → Campus category sourcedId."""
        return {entry.otus_category: entry.campus_category_id for entry in self.category_map}



def _unique(entries: list, key: str, setting: str) -> list:
    """Refuse two entries for the same name: which one wins would be a guess."""
    seen: set[str] = set()
    for entry in entries:
        name = getattr(entry, key)
        if name in seen:
            raise ValueError(f"{setting} has two entries for {key} {name!r}; keep one")
        seen.add(name)
    return entries
