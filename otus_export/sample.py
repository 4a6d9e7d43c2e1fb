"""A sample Otus export that exercises every passback rule and every Campus refusal on real ids.

Built from a `campus_sandbox` District (any size; `tiny` is enough), so every section, teacher
and student id is one Campus knows. The same district always gives the same export. Each case
is named, and `SampleExport.cases` says what the destination must do with the case's record: the
reason code, or None when it is written. The demo prints the export; the
destination's integration tests run one test per case against the sandbox.

Dates follow the sandbox's 2026-2027 calendar: Q1 (Aug 17 - Oct 16) has its grading window
closed, so assessments meant to pass back are due in Q2 (year-long and semester-1 sections) or
Q3 (semester-2 sections). The passback start date is 2026-09-01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from campus_sandbox import calendar
from campus_sandbox.district import ADMIN_ID, District, Section

PASSBACK_START_DATE = date(2026, 9, 1)
DISTRICT_TIME_ZONE = "America/Chicago"
NOT_A_CAMPUS_USER = "t99999"
NOT_A_CAMPUS_SECTION = "999999"
Record = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class SampleCase:
    """One named situation: the record whose fate is checked, and the reason code it must get
    (None: written to Campus; `title_truncated` is written too, with that note)."""

    name: str
    expected: str | None
    subject: Record


@dataclass
class SampleExport:
    """Ordered (stream, record) pairs, the named cases in them, and the settings they assume."""

    records: list[Record]
    passback_start_date: date
    teacher_group: list[str]
    cases: dict[str, SampleCase] = field(default_factory=dict)
    sections: dict[str, Section] = field(default_factory=dict)  # year, spring, outsider

    def config_values(self) -> dict[str, Any]:
        """The destination config keys this export assumes (merge into a connection config)."""
        return {"passback_start_date": self.passback_start_date.isoformat(), "district_time_zone": DISTRICT_TIME_ZONE,
                "passback_teacher_group": self.teacher_group}

    def stream(self, name: str) -> list[dict[str, Any]]:
        return [record for stream, record in self.records if stream == name]

    def group_records(self) -> list[Record]:
        """The teacher group as Otus exports it (the fourth file): one `teacher_group` record per member.
        With these in the connection, `passback_teacher_group` is not needed (and is ignored)."""
        return [group_member(user_id, n) for n, user_id in enumerate(self.teacher_group, start=1)]


def instant(day: date, hour: int = 15) -> str:
    """An Otus timestamp (UTC) on a given day."""
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def open_day(section: Section, offset_days: int = 1) -> date:
    """A day inside an open grading window of the section: Q2 for year/S1 sections, Q3 for S2."""
    quarters = [q for q in section.grading_period_ids if q not in calendar.CLOSED_AT_START]
    return calendar.SESSION_BY_ID[quarters[0]].start + timedelta(days=offset_days)


def assessment(case: str, section: Section | str, *, assigned_by: str | None, start: date, due: date | None = None,
               points_possible: float | None = 20, grading_type: str = "points", state: str = "assigned",
               include_in_final_grade: bool = True, title: str | None = None, go_live: date | None = None,
               category: str | None = "Quizzes", grading_period_id: str | None = None) -> Record:
    """One assessments record; `case` is its assessment_id."""
    return ("assessments", {
        "assessment_id": case, "section_id": section.sourced_id if isinstance(section, Section) else section,
        "title": title or f"Sample: {case}", "description": f"Otus sample assessment for the {case} case",
        "assigned_by": assigned_by, "assigned_at": instant(start, 13), "go_live_at": instant(go_live) if go_live else None,
        "due_at": instant(due) if due else None, "points_possible": points_possible,
        "include_in_final_grade": include_in_final_grade, "grading_type": grading_type, "category": category,
        "grading_period_id": grading_period_id, "state": state, "updated_at": instant(start, 16),
    })


def score(case: str, section_id: str, student_id: str, *, points: Any = None, percent: Any = None,
          graded: date | None, status: str | None = None, comment: str | None = None) -> Record:
    """One scores record of assessment `case`."""
    return ("scores", {
        "assessment_id": case, "section_id": section_id, "student_id": student_id, "points": points,
        "percent": percent, "graded_at": instant(graded) if graded else None, "status": status,
        "comment": comment, "updated_at": instant(graded or PASSBACK_START_DATE, 17),
    })


def grade(section: Section, student_id: str, task_id: str, *, graded: date, score_value: Any = None,
          percent: float | None = None, posted_by: str | None = None) -> Record:
    """One grades record on a Campus grading task of the section."""
    return ("grades", {
        "section_id": section.sourced_id, "student_id": student_id, "grading_task_id": task_id,
        "percent": percent, "score": score_value, "graded_at": instant(graded),
        "posted_by": posted_by or section.teacher_ids[0], "updated_at": instant(graded, 18),
    })


def group_member(user_id: str, n: int = 1) -> Record:
    """One member of Otus's Gradebook Passback Teacher Group: Campus user id, Otus user id, name."""
    return ("teacher_group", {"user_id": user_id, "otus_user_id": f"otus-user-{n}", "name": f"Sample Teacher {n}"})


def _pick_sections(district: District) -> dict[str, Section]:
    """A year-long and a semester-2 section, and a semester-1 section taught by someone else."""
    active = list(district.sections(active_only=True))
    year = next(s for s in active if len(s.term_ids) == 2)
    spring_sections = [s for s in active if s.term_ids == (calendar.S2_ID,)]
    spring = next((s for s in spring_sections if s.teacher_ids[0] != year.teacher_ids[0]), spring_sections[0])
    outsider = next(s for s in active if s.term_ids == (calendar.S1_ID,)
                    and s.teacher_ids[0] not in (year.teacher_ids[0], spring.teacher_ids[0]))
    return {"year": year, "spring": spring, "outsider": outsider}


def sample_export(district: District) -> SampleExport:
    """Every passback rule and refusal, on ids of `district`; see `expected` for what must happen."""
    sections = _pick_sections(district)
    year, spring, outsider = sections["year"], sections["spring"], sections["outsider"]
    teacher, spring_teacher = year.teacher_ids[0], spring.teacher_ids[0]
    students = year.student_ids
    day = open_day(year)  # a Q2 day: window open, inside S1
    graded = day + timedelta(days=3)
    closed_q1 = date(2026, 9, 8)  # after the start date, inside Q1 whose window is closed
    cases: dict[str, SampleCase] = {}
    records: list[Record] = []

    def case(name: str, reason: str | None, *recs: Record) -> None:
        """A case whose subject is its assessment (or its only record), followed by its other records."""
        subject = next((r for r in recs if r[0] == "assessments"), recs[0])
        cases[name] = SampleCase(name, reason, subject)
        records.extend(recs)

    def score_case(name: str, reason: str | None, rec: Record) -> None:
        cases[name] = SampleCase(name, reason, rec)
        records.append(rec)

    # Written: points, percent, both, statuses on a graded score (rule 7, rule 6).
    case("points", None, assessment("points", year, assigned_by=teacher, start=day, due=day + timedelta(days=5)))
    score_case("score:points_only", None,
               score("points", year.sourced_id, students[0], points=18, graded=graded, comment="Nice work"))
    score_case("score:percent_only", None, score("points", year.sourced_id, students[1], percent=85, graded=graded))
    score_case("score:points_and_percent", None,
               score("points", year.sourced_id, students[2], points=15, percent=75, graded=graded))
    score_case("score:late_with_points", None,
               score("points", year.sourced_id, students[3], points=12, graded=graded, status="late"))
    points = year.sourced_id
    score_case("score:missing_without_score", "status_not_passed_back",
               score("points", points, students[4], graded=graded, status="missing"))
    score_case("score:exempt_without_score", "status_not_passed_back",
               score("points", points, students[5], graded=graded, status="exempt"))
    score_case("score:excluded", "student_excluded",
               score("points", points, students[6], points=19, graded=graded, status="excluded"))
    score_case("score:not_graded", "not_graded", score("points", points, students[7], graded=None))
    score_case("score:graded_before_start_date", "graded_before_start_date",
               score("points", points, students[8], points=10, graded=date(2026, 8, 25)))
    score_case("score:above_points_possible", "score_above_points_possible",
               score("points", points, students[9], points=25, graded=graded))
    score_case("score:not_enrolled", "student_not_enrolled",
               score("points", points, _not_enrolled(district, year), points=10, graded=graded))
    score_case("score:points_as_text", "wrong_field_type",
               score("points", points, students[10], points="ten", graded=graded))
    score_case("score:missing_student_id", "missing_required_field",
               ("scores", {"assessment_id": "points", "section_id": points, "points": 5, "graded_at": instant(graded)}))
    score_case("score:assessment_not_found", "assessment_not_found",
               score("never-sent", points, students[0], points=5, graded=graded))
    # Rule 2: go-live date as start, no due date -> start + 7 days; percent grading; archived; long title.
    case("go_live_no_due", None,
         assessment("go_live_no_due", year, assigned_by=teacher, start=day, go_live=day + timedelta(days=2)),
         score("go_live_no_due", year.sourced_id, students[0], points=17, graded=graded + timedelta(days=3)))
    case("percent_graded", None,
         assessment("percent_graded", year, assigned_by=teacher, start=day, due=day + timedelta(days=4),
                    grading_type="percent", points_possible=None),
         score("percent_graded", year.sourced_id, students[0], percent=92.5, graded=graded))
    case("archived", None,
         assessment("archived", year, assigned_by=teacher, start=day, due=day + timedelta(days=4), state="archived"),
         score("archived", year.sourced_id, students[1], points=16, graded=graded))
    case("long_title", "title_truncated",
         assessment("long_title", year, assigned_by=teacher, start=day, due=day + timedelta(days=4),
                    title="Unit 3 cumulative review: fractions, decimals, percents and ratios"),
         score("long_title", year.sourced_id, students[2], points=14, graded=graded))
    # A score that arrives before its assessment (semester-2 section, Q3).
    spring_day = open_day(spring)
    case("spring_score_first", None,
         score("spring_score_first", spring.sourced_id, spring.student_ids[0], points=9, graded=spring_day + timedelta(days=2)),
         assessment("spring_score_first", spring, assigned_by=spring_teacher, start=spring_day,
                    due=spring_day + timedelta(days=6), points_possible=10))
    # Skipped by rule (rules 1, 3, 4, 5, standards).
    case("before_start_date", "assigned_before_start_date",
         assessment("before_start_date", year, assigned_by=teacher, start=date(2026, 8, 20), due=day),
         score("before_start_date", year.sourced_id, students[0], points=10, graded=graded))
    for name, reason, options in (
        ("not_in_final_grade", "not_in_final_grade", {"include_in_final_grade": False}),
        ("deleted", "assessment_deleted", {"state": "deleted"}),
        ("draft", "assessment_draft", {"state": "draft"}),
        ("standards", "standards_not_passed_back", {"grading_type": "standards", "points_possible": None}),
    ):
        case(name, reason,
             assessment(name, year, assigned_by=teacher, start=day, due=day + timedelta(days=4), **options),
             score(name, year.sourced_id, students[0], points=10, graded=graded))
    case("teacher_not_in_group", "teacher_not_in_group",
         assessment("teacher_not_in_group", outsider, assigned_by=outsider.teacher_ids[0], start=open_day(outsider),
                    due=open_day(outsider, 5)),
         score("teacher_not_in_group", outsider.sourced_id, outsider.student_ids[0], points=10, graded=graded))
    case("admin_assigner", "teacher_not_in_group",
         assessment("admin_assigner", year, assigned_by=ADMIN_ID, start=day, due=day + timedelta(days=4)),
         score("admin_assigner", year.sourced_id, students[0], points=10, graded=graded))
    case("assigner_not_in_campus", "assigner_not_in_campus",
         assessment("assigner_not_in_campus", year, assigned_by=NOT_A_CAMPUS_USER, start=day, due=day + timedelta(days=4)),
         score("assigner_not_in_campus", year.sourced_id, students[0], points=10, graded=graded))
    case("otus_admin_assigner", "assigner_not_in_campus",
         assessment("otus_admin_assigner", year, assigned_by=None, start=day, due=day + timedelta(days=4)),
         score("otus_admin_assigner", year.sourced_id, students[0], points=10, graded=graded))
    # Refused by Campus (rule 8): closed Q1 window, due date outside the class's term.
    case("closed_window", "grading_window_closed",
         assessment("closed_window", year, assigned_by=teacher, start=closed_q1, due=closed_q1 + timedelta(days=5)),
         score("closed_window", year.sourced_id, students[0], points=11, graded=closed_q1 + timedelta(days=6)))
    case("due_outside_term", "due_date_outside_term",
         assessment("due_outside_term", spring, assigned_by=spring_teacher, start=date(2026, 11, 2),
                    due=date(2026, 11, 9)),
         score("due_outside_term", spring.sourced_id, spring.student_ids[1], points=12, graded=date(2026, 11, 10)))
    # Predicted without a write: a title another assessment of the section already has.
    case("duplicate_title", "duplicate_title",
         assessment("duplicate_title", year, assigned_by=teacher, start=day, due=day + timedelta(days=4),
                    title="Sample: points"))
    # Bad input.
    case("unknown_section", "unknown_section",
         assessment("unknown_section", NOT_A_CAMPUS_SECTION, assigned_by=teacher, start=day, due=day + timedelta(days=4)),
         score("unknown_section", NOT_A_CAMPUS_SECTION, students[0], points=10, graded=graded))
    case("section_id_walks_the_path", "invalid_id",
         assessment("section_id_walks_the_path", "..", assigned_by=teacher, start=day, due=day + timedelta(days=4)),
         score("section_id_walks_the_path", "..", students[0], points=10, graded=graded))
    bad = assessment("points_possible_as_text", year, assigned_by=teacher, start=day, due=day + timedelta(days=4))
    bad[1]["points_possible"] = "twenty"
    case("points_possible_as_text", "wrong_field_type", bad)
    missing_id = assessment("missing_assessment_id", year, assigned_by=teacher, start=day)
    del missing_id[1]["assessment_id"]
    case("missing_assessment_id", "missing_required_field", missing_id)
    # Grades on Campus grading tasks: Q2 open, Q1 closed; the year section's group is A-F or 4-1.
    q1_task, q2_task = year.grading_task_ids[:2]
    group = district.score_group(q2_task)
    case("grade:percent_only", None, grade(year, students[0], q2_task, graded=graded, percent=88.0))
    case("grade:score_in_group", None, grade(year, students[1], q2_task, graded=graded, score_value=group[1]["score"]))
    case("grade:score_not_in_group", "score_not_in_score_group",
         grade(year, students[2], q2_task, graded=graded, score_value="Z"))
    case("grade:closed_window", "grading_window_closed", grade(year, students[3], q1_task, graded=graded, percent=75.0))
    case("grade:unknown_task", "unknown_grading_task",
         grade(year, students[4], f"{year.sourced_id}-1-7099", graded=graded, percent=75.0))
    return SampleExport(records=records, passback_start_date=PASSBACK_START_DATE,
                        teacher_group=sorted({teacher, spring_teacher}), cases=cases, sections=sections)


def _not_enrolled(district: District, section: Section) -> str:
    """A Campus student who is not in `section` (the first one found)."""
    seated = set(section.student_ids)
    return next(s for s in district.user_ids("student") if s not in seated)

