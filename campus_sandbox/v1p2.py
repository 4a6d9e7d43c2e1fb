"""What OneRoster 1.2 adds to the sandbox's gradebook, and how the gradebook held is served on 1.2.

Derived from the district (never stored, any size):
- grading categories per section (`District.class_categories`: `<sectionID>-cat<k>`, titles
  Homework / Quizzes / Tests / Projects, one title missing on most sections), served at
  `/categories` and `/classes/{id}/categories`;
- one score scale per section (`District.class_score_scale`: `<sectionID>-scale`, its grading
  tasks' score-group values with their lowest percent), at `/scoreScales`,
  `/classes/{id}/scoreScales` and `/schools/{id}/scoreScales`;
- the assessment-results profile, small: two district benchmarks (`/assessmentLineItems`) and
  a result of each for the first `BENCHMARK_STUDENTS` students (`/assessmentResults`).

The gradebook holds what vendors wrote in version-independent form (users by their 1.1 ids, the
district's own numbering), so one `Gradebook` can be served on 1.1 and then on 1.2: `present_*`
turn a held record into its 1.2 form (a result's `student` by 1.2 id; a lineItem's `school`, and
on a grading task its `scoreScale`). Assumed, since Campus's 1.2 behaviour is unverified: a
grading task keeps `metadata.ic` (gradingTaskId, taskName, scoreGroup) as on 1.1 and refers to the
"Campus grading tasks" category; a lineItem written on 1.1 keeps the category it was stored with
(even the 1.1 placeholder, which 1.2 no longer lists), and is served in 1.2's formats (strict: UTC
date-times, no nulls) as Campus would serve what it holds.
"""

from datetime import date, datetime

from campus_sandbox.district import District, iso_instant
from campus_sandbox.records import RecordSet, per_record
from campus_sandbox.roster import BASE_FIELDS, ref

BENCHMARK_STUDENTS = 20
_BENCHMARKS = (("benchmark-fall", "Fall Reading Benchmark", "2026-09-15"),
               ("benchmark-winter", "Winter Reading Benchmark", "2027-01-26"))
_SALT = {"categories": 9, "scoreScales": 10, "assessmentLineItems": 11, "assessmentResults": 12}

CATEGORY_FIELDS_12 = BASE_FIELDS | {"title", "weight"}
SCORE_SCALE_FIELDS = BASE_FIELDS | {"title", "type", "class", "course", "scoreScaleValue"}
ASSESSMENT_LINE_ITEM_FIELDS = BASE_FIELDS | {"title", "description", "scoreScale", "resultValueMin",
                                             "resultValueMax", "learningObjectiveSet"}
ASSESSMENT_RESULT_FIELDS = BASE_FIELDS | {"assessmentLineItem", "student", "score", "textScore", "scoreDate",
                                          "scoreStatus", "scorePercentile", "comment", "inProgress", "incomplete",
                                          "late", "missing"}


def _categories_before(i: int) -> int:
    """Campus categories of sections before section i (3 per section, 4 on every fifth)."""
    return (i // 5) * 16 + 3 * (i % 5)


def class_categories(d: District) -> RecordSet:
    """Every section's grading categories, in section order."""

    def place(n: int) -> tuple[int, int]:
        group, r = divmod(n, 16)
        return (group * 5 + r // 3, r % 3) if r < 12 else (group * 5 + 4, r - 12)

    def build(n: int) -> dict:
        i, k = place(n)
        c = d.class_categories(d.section_id(i))[k]
        return {"sourcedId": c.sourced_id, "status": "active", "dateLastModified": d.stamp(_SALT["categories"], n),
                "metadata": {}, "title": c.title, "weight": c.weight}

    def locate(sourced_id: str) -> int | None:
        class_id = d.category_class(sourced_id)
        if class_id is None:
            return None
        i = d.section_index(class_id)
        ids = [c.sourced_id for c in d.class_categories(class_id)]
        return _categories_before(i) + ids.index(sourced_id)

    return RecordSet("categories", "category", CATEGORY_FIELDS_12, lambda: _categories_before(d.section_count),
                     per_record(build), locate)


def categories_of_section(i: int) -> range:
    """Indexes (in `class_categories`) of section i's categories."""
    return range(_categories_before(i), _categories_before(i + 1))


def score_scales(d: District) -> RecordSet:
    """One score scale per section, index = section ordinal."""

    def build(i: int) -> dict:
        s = d.class_score_scale(d.section_id(i))
        return {"sourcedId": s.sourced_id, "status": "active", "dateLastModified": d.stamp(_SALT["scoreScales"], i),
                "metadata": {}, "title": s.title, "type": s.type, "class": ref("classes", s.class_id),
                "course": ref("courses", s.course_id),
                "scoreScaleValue": [{"itemValueLHS": lhs, "itemValueRHS": rhs} for lhs, rhs in s.values]}

    def locate(sourced_id: str) -> int | None:
        class_id = d.score_scale_class(sourced_id)
        return None if class_id is None else d.section_index(class_id)

    return RecordSet("scoreScales", "scoreScale", SCORE_SCALE_FIELDS, lambda: d.section_count, per_record(build),
                     locate, {"class": d.section_id})


def assessment_line_items(d: District) -> RecordSet:
    def build(n: int) -> dict:
        sid, title, _ = _BENCHMARKS[n]
        return {"sourcedId": sid, "status": "active", "dateLastModified": d.stamp(_SALT["assessmentLineItems"], n),
                "metadata": {}, "title": title, "description": "District benchmark (assessment-results profile)",
                "resultValueMin": 0.0, "resultValueMax": 800.0}

    return RecordSet("assessmentLineItems", "assessmentLineItem", ASSESSMENT_LINE_ITEM_FIELDS,
                     lambda: len(_BENCHMARKS), per_record(build),
                     {sid: n for n, (sid, _, _) in enumerate(_BENCHMARKS)}.get)


def assessment_results(d: District) -> RecordSet:
    students = min(BENCHMARK_STUDENTS, d.student_count)

    def build(n: int) -> dict:
        b, k = divmod(n, students)
        item_id, _, day = _BENCHMARKS[b]
        student = d.user_id_12(d.student_id(k))
        h = (k * 2654435761 + d.seed + b) & 0xFFFF
        return {"sourcedId": f"{item_id}-{student}", "status": "active",
                "dateLastModified": d.stamp(_SALT["assessmentResults"], n), "metadata": {},
                "assessmentLineItem": ref("assessmentLineItems", item_id), "student": ref("users", student),
                "score": float(400 + h % 400), "scoreDate": day, "scoreStatus": "fully graded",
                "scorePercentile": float(1 + h % 99), "inProgress": "false", "incomplete": "false",
                "late": "false", "missing": "false"}

    def locate(sourced_id: str) -> int | None:
        for b, (item_id, _, _) in enumerate(_BENCHMARKS):
            if sourced_id.startswith(item_id + "-"):
                u = d.user_index_12(sourced_id[len(item_id) + 1:])
                k = None if u is None else u - 1 - d.teacher_count
                if k is not None and 0 <= k < students:
                    return b * students + k
        return None

    return RecordSet("assessmentResults", "assessmentResult", ASSESSMENT_RESULT_FIELDS,
                     lambda: len(_BENCHMARKS) * students, per_record(build), locate)


# -- presenting the gradebook held ------------------------------------------------------------

def utc_date_time(value: object) -> object:
    """A held date or date-time as 1.2 types a date-time: UTC, `Z` (a bare day is its midnight UTC);
    anything unparseable is served as held."""
    if not isinstance(value, str):
        return value
    try:
        if len(value) == 10:
            return date.fromisoformat(value).isoformat() + "T00:00:00Z"
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return iso_instant(moment)


def _day(value: object) -> object:
    """A held scoreDate as 1.2's date (the day of a date-time)."""
    if isinstance(value, str) and len(value) > 10:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            return value
    return value


def _without_nulls(record: dict) -> dict:
    """What a strict 1.2 reader accepts of a record held since a lenient 1.1 write: no nulls."""
    served = {k: v for k, v in record.items() if v is not None}
    if isinstance(served.get("metadata"), dict):
        served["metadata"] = {k: v for k, v in served["metadata"].items() if v is not None}
    return served


def present_line_item(d: District, record: dict, *, strict: bool = True) -> dict:
    """A held lineItem as 1.2 serves it: with its class's `school`, on a grading task the class's
    `scoreScale`, and (strict) UTC date-times and no nulls, whatever version wrote it."""
    class_id = record["class"]["sourcedId"]
    i = d.section_index(class_id)
    if i is None:
        return record
    record.setdefault("school", ref("orgs", d.school_org_id(d.school_of_section(i))))
    if d.grading_task_index(record["sourcedId"]) is not None:
        record.setdefault("scoreScale", ref("scoreScales", d.class_score_scale(class_id).sourced_id))
    if not strict:
        return record
    for field in ("assignDate", "dueDate"):
        if field in record:
            record[field] = utc_date_time(record[field])
    return _without_nulls(record)


def present_result(d: District, record: dict, *, strict: bool = True) -> dict:
    """A held result as 1.2 serves it: the student by 1.2 sourcedId, and (strict) scoreDate a date
    and no nulls, whatever version wrote it."""
    student = record.get("student")
    if isinstance(student, dict) and isinstance(student.get("sourcedId"), str):
        record["student"] = ref("users", d.user_id_12(student["sourcedId"]))
    if not strict:
        return record
    if "scoreDate" in record:
        record["scoreDate"] = _day(record["scoreDate"])
    return _without_nulls(record)
