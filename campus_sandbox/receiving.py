"""Campus's receiving rules for gradebook writes: what it derives, what it refuses.

Each refusal is a 422 `invaliddata` whose imsx_description begins with a stable phrase the
destination classifies on:
- "Grading window is closed" (the lineItem's grading period or grading task is closed)
- "Score is not in the score group" (a grading-task result whose score is not a group value)
- "Due date is outside the term" (a lineItem due outside every term of its class)
- "Title is already used" (another lineItem of the class has the same title, compared without
  case or surrounding spaces: peers report Campus refusing or merging duplicate names; assumed)
Other invalid bodies name the record and the field ("lineItem X: field 'dueDate' is required").

Assumptions (not verified against Campus, kept configurable or documented):
- a percent travels in `result.metadata[percent_metadata_key]`;
- a score-group value (a letter) travels in a grading-task result's `score`, as Campus serves
  its own; or, with `letter_metadata_key`, in `metadata[letter_metadata_key]` with `score` a
  number (the percent), for providers that hold to 1.1's numeric score;
- on a points lineItem a percent-only result gets score = percent × resultValueMax / 100;
- scores above resultValueMax are extra credit and accepted; below resultValueMin refused.

On OneRoster 1.2 (`v1p2=True`; the reference's Campus-on-1.2 facts): a lineItem without `school`
or `category`, or with the 1.1 placeholder category, is refused 400 naming the field (Campus
requires a real category on 1.2); its school must be its class's, its category one of its class's
(`/classes/{id}/categories`) or one written through OneRoster, its scoreScale (optional) its
class's. Users are named by their 1.2 ids. On a grading task the score-group value (a letter)
travels in `textScore` (derived from a percent when absent) and `score` is an optional number;
a percent still travels in `metadata[percent_metadata_key]` (assumed: how Campus takes one on 1.2
is unverified; strict 1.2 refuses it as `null`, so leave it out when there is none).
Which 1.2 field carries the grading task, and how the flags map onto Campus's score flags, are
unverified: the sandbox stores and serves the flags as sent.
"""

from collections.abc import Callable
from datetime import date, datetime

from campus_sandbox import calendar
from campus_sandbox.district import District
from campus_sandbox.errors import bad_request, invalid_data
from campus_sandbox.roster import ref

PLACEHOLDER_CATEGORY_ID = "11111111-1111-1111-1111-111111111111"
GRADING_TASK_CATEGORY_ID = "00000000-0000-0000-0000-000000000000"
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
WINDOW_CLOSED = "Grading window is closed"
NOT_IN_SCORE_GROUP = "Score is not in the score group"
DUE_DATE_OUTSIDE_TERM = "Due date is outside the term"
DUPLICATE_TITLE = "Title is already used"


def _ref_id(record: dict, field: str) -> str | None:
    value = record.get(field)
    if isinstance(value, dict):
        value = value.get("sourcedId")
    return value if isinstance(value, str) and value else None


def _required(kind: str, sourced_id: str, record: dict, fields: tuple[str, ...]) -> None:
    for field in fields:
        if record.get(field) in (None, "") or (isinstance(record.get(field), dict) and not _ref_id(record, field)):
            raise invalid_data(f"{kind} {sourced_id}: field '{field}' is required")


def parse_day(kind: str, sourced_id: str, field: str, value) -> date:
    """A OneRoster date or datetime (parsed leniently) as a calendar day."""
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise invalid_data(f"{kind} {sourced_id}: field '{field}' must be an ISO 8601 date such as 2026-09-30, "
                       f"got {value!r}")


def _number(kind: str, sourced_id: str, field: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_data(f"{kind} {sourced_id}: field '{field}' must be a number, got {value!r}")
    return float(value)


def _without_ids(body: dict) -> dict:
    """The body's fields other than the ones the sandbox sets itself."""
    return {k: v for k, v in body.items() if k not in ("sourcedId", "status", "dateLastModified")}


def check_category(sourced_id: str, body: dict, *, campus_class: str | None = None) -> dict:
    """A category as Campus would store it; `campus_class`: the class whose own (1.2) category this
    id is, which a vendor may not overwrite."""
    if campus_class is not None:
        raise invalid_data(f"category {sourced_id} is a Campus category of class {campus_class}: it cannot be changed "
                           "through OneRoster; refer to it from a lineItem, or PUT a category of your own")
    _required("category", sourced_id, body, ("title",))
    return {"sourcedId": sourced_id, "status": body.get("status") or "active", **_without_ids(body)}


def same_title(a: str, b: str) -> bool:
    """How Campus is assumed to compare assessment names: without case or surrounding spaces."""
    return a.strip().casefold() == b.strip().casefold()


def _check_line_item_12(d: District, sourced_id: str, body: dict, class_id: str,
                        category_exists: Callable[[str], bool]) -> None:
    """What Campus requires of a lineItem on OneRoster 1.2 beyond 1.1's rules."""
    school_id = d.school_org_id(d.school_of_section(d.section_index(class_id)))
    if _ref_id(body, "school") is None:
        raise bad_request("invaliddata", f"lineItem {sourced_id}: field 'school' is required on OneRoster 1.2; send "
                                         f"the class's school {school_id} as a GUIDRef")
    if _ref_id(body, "school") != school_id:
        raise invalid_data(f"lineItem {sourced_id}: field 'school' names {_ref_id(body, 'school')}, not the school "
                           f"of class {class_id} ({school_id})")
    category_id = _ref_id(body, "category")
    if category_id is None:
        raise bad_request("invaliddata", f"lineItem {sourced_id}: field 'category' is required on OneRoster 1.2; use "
                                         f"one of the class's categories from /classes/{class_id}/categories")
    if category_id == PLACEHOLDER_CATEGORY_ID:
        raise bad_request("invaliddata", f"lineItem {sourced_id}: field 'category' is Campus's 1.1 placeholder "
                                         f"{PLACEHOLDER_CATEGORY_ID}, which OneRoster 1.2 refuses; use one of the "
                                         f"class's categories from /classes/{class_id}/categories")
    owner = d.category_class(category_id)
    if owner is not None and owner != class_id:
        raise invalid_data(f"lineItem {sourced_id}: field 'category' names {category_id}, a category of class "
                           f"{owner}, not of {class_id}; use one of /classes/{class_id}/categories")
    if owner is None and not category_exists(category_id):
        raise invalid_data(f"lineItem {sourced_id}: field 'category' names {category_id}, which does not exist; use "
                           f"one of /classes/{class_id}/categories")
    scale_id = _ref_id(body, "scoreScale")
    if scale_id is not None and d.score_scale_class(scale_id) != class_id:
        raise invalid_data(f"lineItem {sourced_id}: field 'scoreScale' names {scale_id}, not a score scale of class "
                           f"{class_id}; use /classes/{class_id}/scoreScales or leave it out")


def check_line_item(d: District, sourced_id: str, body: dict, *, category_exists: Callable[[str], bool],
                    window_closed: Callable[[str, str], bool],
                    title_holder: Callable[[str, str, str], str | None], v1p2: bool = False) -> dict:
    """A lineItem as Campus would store it, or the refusal (`v1p2`: under 1.2's rules too)."""
    if d.grading_task_index(sourced_id) is not None:
        raise invalid_data(f"lineItem {sourced_id} is a Campus grading task: it cannot be changed through "
                           "OneRoster; write results to it instead")
    _required("lineItem", sourced_id, body, ("title", "assignDate", "dueDate", "class", "resultValueMin",
                                             "resultValueMax"))
    class_id = _ref_id(body, "class")
    section = d.section_index(class_id)
    if section is None:
        raise invalid_data(f"lineItem {sourced_id}: class '{class_id}' does not exist; use a class sourcedId "
                           "read from /classes")
    if v1p2:
        _check_line_item_12(d, sourced_id, body, class_id, category_exists)
    low = _number("lineItem", sourced_id, "resultValueMin", body["resultValueMin"])
    high = _number("lineItem", sourced_id, "resultValueMax", body["resultValueMax"])
    if low > high:
        raise invalid_data(f"lineItem {sourced_id}: resultValueMin {low:g} is above resultValueMax {high:g}")
    parse_day("lineItem", sourced_id, "assignDate", body["assignDate"])
    due = parse_day("lineItem", sourced_id, "dueDate", body["dueDate"])
    terms = d.section_terms(section)
    term = calendar.session_holding(due, terms)
    if term is None:
        spans = ", ".join(f"{calendar.SESSION_BY_ID[t].title} {calendar.SESSION_BY_ID[t].start}.."
                          f"{calendar.SESSION_BY_ID[t].end}" for t in terms)
        raise invalid_data(f"{DUE_DATE_OUTSIDE_TERM}: lineItem {sourced_id} is due {due} but class {class_id} "
                           f"runs {spans}; use a due date inside the class's terms")
    holder = title_holder(class_id, str(body["title"]), sourced_id)
    if holder is not None:
        raise invalid_data(f"{DUPLICATE_TITLE}: lineItem {sourced_id} is titled {body['title']!r} like lineItem "
                           f"{holder} of class {class_id}; give each assessment of a class its own title")
    category_id = _ref_id(body, "category") or PLACEHOLDER_CATEGORY_ID
    if not v1p2 and not category_exists(category_id):  # 1.2's category was checked above
        raise invalid_data(f"lineItem {sourced_id}: category '{category_id}' does not exist; leave it out to "
                           f"use Campus's placeholder category {PLACEHOLDER_CATEGORY_ID}")
    period_id = _ref_id(body, "gradingPeriod")
    if period_id is None:
        period_id = calendar.session_holding(due, calendar.QUARTERS_OF[term]) or term
    elif period_id not in calendar.SESSION_BY_ID:
        raise invalid_data(f"lineItem {sourced_id}: gradingPeriod '{period_id}' does not exist; use an "
                           "academicSession sourcedId read from /gradingPeriods, or leave it out")
    if window_closed(period_id, sourced_id):
        raise invalid_data(f"{WINDOW_CLOSED}: lineItem {sourced_id} belongs to grading period "
                           f"{calendar.SESSION_BY_ID[period_id].title} ({period_id}), whose grading window is "
                           "closed in Campus; ask the district to reopen it")
    return {"sourcedId": sourced_id, "status": body.get("status") or "active", **_without_ids(body),
            "class": ref("classes", class_id), "category": ref("categories", category_id),
            "gradingPeriod": ref("academicSessions", period_id)}


def _score_key(score) -> str:
    if isinstance(score, float) and score.is_integer():
        return str(int(score))
    return str(score).strip()


def check_result(d: District, sourced_id: str, body: dict, *, line_item: Callable[[str], dict | None],
                 window_closed: Callable[[str, str], bool], percent_key: str, letter_key: str | None = None,
                 v1p2: bool = False) -> dict:
    """A result as Campus would store it (score derived from a percent where Campus derives it).

    The stored `student` is the 1.1 sourcedId whichever version wrote it (`v1p2`: the body names
    the student by 1.2 id, and letters travel in `textScore`).
    """
    _required("result", sourced_id, body, ("lineItem", "student", "scoreStatus", "scoreDate"))
    item_id = _ref_id(body, "lineItem")
    item = line_item(item_id)
    if item is None:
        raise invalid_data(f"result {sourced_id}: lineItem '{item_id}' does not exist; PUT the lineItem first")
    student_id = _ref_id(body, "student")
    k = _student_index_12(d, student_id) if v1p2 else d.student_index(student_id)
    if k is None:
        raise invalid_data(f"result {sourced_id}: student '{student_id}' does not exist; use a student "
                           "sourcedId read from /students")
    class_id = item["class"]["sourcedId"]
    if v1p2 and _ref_id(body, "class") not in (None, class_id):
        raise invalid_data(f"result {sourced_id}: field 'class' names {_ref_id(body, 'class')}, but lineItem "
                           f"{item_id} belongs to class {class_id}")
    scale_id = _ref_id(body, "scoreScale")
    if v1p2 and scale_id is not None and d.score_scale_class(scale_id) != class_id:
        raise invalid_data(f"result {sourced_id}: field 'scoreScale' names {scale_id}, not the "
                           f"score scale of class {class_id}; use /classes/{class_id}/scoreScales or leave it out")
    if not d.is_enrolled(k, d.section_index(class_id)):
        raise invalid_data(f"result {sourced_id}: student {student_id} is not enrolled in class {class_id}")
    if body["scoreStatus"] not in SCORE_STATUSES and not (v1p2 and str(body["scoreStatus"]).startswith("ext:")):
        raise invalid_data(f"result {sourced_id}: field 'scoreStatus' must be one of {', '.join(SCORE_STATUSES)}, "
                           f"got {body['scoreStatus']!r}")
    parse_day("result", sourced_id, "scoreDate", body["scoreDate"])
    period_id = item["gradingPeriod"]["sourcedId"]
    if window_closed(period_id, item_id):
        raise invalid_data(f"{WINDOW_CLOSED}: result {sourced_id} is for lineItem {item_id} in grading period "
                           f"{calendar.SESSION_BY_ID[period_id].title} ({period_id}), whose grading window is "
                           "closed in Campus; ask the district to reopen it")
    metadata = dict(body.get("metadata") or {})
    percent = metadata.get(percent_key)
    if percent is not None:
        if _number("result", sourced_id, f"metadata.{percent_key}", percent) < 0:
            raise invalid_data(f"result {sourced_id}: percent {percent:g} is below 0")
    score = body.get("score")
    group = d.score_group(item_id)
    text_score = body.get("textScore")
    if group is not None and v1p2:
        text_score = _group_score(sourced_id, item_id, group, text_score, percent)
        score = None if score is None else _number("result", sourced_id, "score", score)
    elif group is not None and letter_key is not None:
        metadata[letter_key] = _group_score(sourced_id, item_id, group, metadata.get(letter_key), percent)
        score = percent if score is None else _number("result", sourced_id, "score", score)
    elif group is not None:
        score = _group_score(sourced_id, item_id, group, score, percent)
    elif score is not None or percent is not None:
        score = _points_score(sourced_id, item, score, percent)
    elif body["scoreStatus"] in ("fully graded", "partially graded") and not (v1p2 and text_score):
        raise invalid_data(f"result {sourced_id}: a {body['scoreStatus']!r} result needs a score or "
                           f"metadata.{percent_key}" + (" or a textScore" if v1p2 else ""))
    metadata[percent_key] = percent
    stored = {"sourcedId": sourced_id, "status": body.get("status") or "active", **_without_ids(body),
              "lineItem": ref("lineItems", item_id), "student": ref("users", d.student_id(k)),
              "score": score, "metadata": metadata}
    if v1p2 and text_score is not None:
        stored["textScore"] = text_score
    return stored


def _student_index_12(d: District, sourced_id: str | None) -> int | None:
    u = None if sourced_id is None else d.user_index_12(sourced_id)
    return None if u is None or u <= d.teacher_count else u - 1 - d.teacher_count


def _group_score(sourced_id: str, item_id: str, group: tuple[dict, ...], score, percent: float | None):
    values = [g["score"] for g in group]
    if score is None:
        if percent is None:
            return None
        return max((g for g in group if g["minPercent"] <= percent), key=lambda g: g["minPercent"],
                   default=min(group, key=lambda g: g["minPercent"]))["score"]
    if _score_key(score) not in values:
        raise invalid_data(f"{NOT_IN_SCORE_GROUP}: result {sourced_id} has score {score!r} but grading task "
                           f"{item_id} takes {', '.join(values)}; send one of them or only a percent")
    return _score_key(score)


def _points_score(sourced_id: str, item: dict, score, percent: float | None) -> float:
    high = float(item["resultValueMax"])
    if score is None:
        return percent * high / 100
    value = _number("result", sourced_id, "score", score)
    low = float(item["resultValueMin"])
    if value < low:
        raise invalid_data(f"result {sourced_id}: score {value:g} is below the lineItem's resultValueMin {low:g}")
    return score
