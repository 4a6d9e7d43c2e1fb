"""OneRoster 1.1's data model as strict readers hold to it: what the sandbox's strict mode refuses.

Strict client libraries generated from 1EdTech's 1.1 definitions, and grade-sync conformance
suites, refuse bodies Campus lets through. In strict mode (`SandboxOptions(strict=True)`) every
PUT body is checked before Campus's receiving rules, and the first problem is answered with a
400 `invaliddata` naming the record and the field:
- a required field missing, or `null` (an optional one must be left out, never `null`);
- a value of the wrong type (a text `score`, a number as `title`, an empty string);
- a bare day where a date-time belongs (`assignDate`, `dueDate`, `dateLastModified`) or a
  date-time where a date belongs (`scoreDate`);
- a GUIDRef without `href`, `sourcedId` and `type`, or of the wrong `type`;
- a `status` outside active/tobedeleted, a `scoreStatus` outside 1.1's five values.

The one Campus habit it copies, and only while `SandboxOptions.letter_metadata_key` is None: on a
Campus grading task, a score-group value (a letter such as "B") in the result's `score`, or no
score next to a percent so Campus picks the value (`letter_in_score`). The evidence that this is
Campus's way: Campus's Grading Services page (content.infinitecampus.com/sis/Campus.1817/
documentation/grading-services-oneroster/, "Receiving Grades from an External System") takes a
grading-task grade as a score or a percent ("If only a Percent ..."), and a grading task is scored
with its score group's values ("The Score Group determines the points and/or letter grades that
will be used when scoring the grading task", kb.infinitecampus.com/help/grading-tasks-idaho);
OneRoster 1.1's result has one `score` field to carry it. How Campus carries the letter exactly is
not published (the destination page says so, and `letter_grade_metadata_key` is the setting for a
provider that wants it elsewhere). A strict client reading such a gradebook afterwards refuses the
letter in `score` too: that is Campus's data, not a body we could change. With
`letter_metadata_key` set the sandbox is a wholly strict provider: `score` must be a number.

OneRoster 1.2's model (`FIELDS_12`, `check_body(..., v1p2=True)`, the default in 1.2 mode), as
1EdTech's 1.2 OpenAPI files and strict 1.2 write codecs state it: lineItems need `school` and
`category` (gradingPeriod, scoreScale, learningObjectiveSet optional); results take `score` as a
number and letters in `textScore`, the flags inProgress/incomplete/late/missing as "true"/"false",
scoreStatus 1.1's five values or an `ext:` token; date-times must be UTC (`Z`); no `null`
anywhere in the body (nested ones are named by path, `metadata.percent`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from campus_sandbox.errors import SandboxError

STATUSES = ("active", "tobedeleted")
SCORE_STATUSES = ("exempt", "fully graded", "not submitted", "partially graded", "submitted")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_UTC_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Check = Callable[[Any], "str | None"]  # None when the value is valid, else what is wrong with it


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _number(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return None if ok else f"must be a number, got {value!r}"


def _date_time(value: Any) -> str | None:
    if isinstance(value, str) and _DATE_TIME.fullmatch(value):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return None
        except ValueError:
            pass
    return f"must be an RFC 3339 date-time such as 2026-10-22T23:59:00-05:00, got {value!r}"


def _utc_date_time(value: Any) -> str | None:
    if isinstance(value, str) and _UTC_DATE_TIME.fullmatch(value) and _date_time(value) is None:
        return None
    return f"must be a UTC date-time ending in Z such as 2026-10-23T04:59:00Z (OneRoster 1.2), got {value!r}"


def _date(value: Any) -> str | None:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return f"must be a date such as 2026-10-22, got {value!r}"


def _one_of(*words: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in words else f"must be one of {', '.join(words)}, got {value!r}"
    return check


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "must be an object"


def _guid_ref(*types: str, release: str = "1.1") -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be a GUIDRef {href, sourcedId, type}"
        for part in ("href", "sourcedId", "type"):
            if not isinstance(value.get(part), str) or not value[part]:
                return f"is a GUIDRef without '{part}' ({release} requires href, sourcedId and type)"
        return None if value["type"] in types else f"must be a GUIDRef of type {' or '.join(types)}, got {value['type']!r}"
    return check


_BASE: dict[str, tuple[bool, Check]] = {
    "sourcedId": (True, _text), "status": (True, _one_of(*STATUSES)), "dateLastModified": (True, _date_time),
    "metadata": (False, _object),
}
FIELDS: dict[str, dict[str, tuple[bool, Check]]] = {
    "category": {**_BASE, "title": (True, _text)},
    "lineItem": {
        **_BASE, "title": (True, _text), "description": (False, _text), "assignDate": (True, _date_time),
        "dueDate": (True, _date_time), "class": (True, _guid_ref("class")), "category": (True, _guid_ref("category")),
        "gradingPeriod": (True, _guid_ref("academicSession", "gradingPeriod", "term")),
        "resultValueMin": (True, _number), "resultValueMax": (True, _number),
    },
    "result": {
        **_BASE, "lineItem": (True, _guid_ref("lineItem")), "student": (True, _guid_ref("user", "student")),
        "scoreStatus": (True, _one_of(*SCORE_STATUSES)), "score": (True, _number), "scoreDate": (True, _date),
        "comment": (False, _text),
    },
}


def _flag(value: Any) -> str | None:
    return None if value in ("true", "false") else f"must be \"true\" or \"false\" (OneRoster 1.2), got {value!r}"


def _score_status_12(value: Any) -> str | None:
    if value in SCORE_STATUSES or isinstance(value, str) and re.fullmatch(r"ext:\S+", value):
        return None
    return f"must be one of {', '.join(SCORE_STATUSES)} or an ext: token, got {value!r}"


def _list_of(item: Check, *, at_least_one: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or at_least_one and not value:
            return "must be a list" + (" of at least one item" if at_least_one else "")
        for n, element in enumerate(value):
            problem = item(element)
            if problem:
                return f"item {n} {problem}"
        return None
    return check


def _fields(**checks: tuple[bool, Check]) -> Check:
    """An object whose fields each pass a check (True: required)."""
    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "must be an object"
        for name, (required, inner) in checks.items():
            if name not in value:
                if required:
                    return f"has no '{name}'"
                continue
            problem = inner(value[name])
            if problem:
                return f"field '{name}' {problem}"
        return None
    return check


_LEARNING_OBJECTIVE_SET = _list_of(_fields(source=(True, _text),
                                           learningObjectiveIds=(True, _list_of(_text, at_least_one=True))))
_LEARNING_OBJECTIVE_RESULTS = _list_of(_fields(
    source=(True, _text),
    learningObjectiveResults=(True, _list_of(_fields(learningObjectiveId=(True, _text), score=(False, _number),
                                                     textScore=(False, _text)), at_least_one=True))))


def _ref_12(*types: str) -> Check:
    return _guid_ref(*types, release="1.2")


_BASE_12: dict[str, tuple[bool, Check]] = {**_BASE, "dateLastModified": (True, _utc_date_time)}
FIELDS_12: dict[str, dict[str, tuple[bool, Check]]] = {
    "category": {**_BASE_12, "title": (True, _text), "weight": (False, _number)},
    "lineItem": {
        **_BASE_12, "title": (True, _text), "description": (False, _text), "assignDate": (True, _utc_date_time),
        "dueDate": (True, _utc_date_time), "class": (True, _ref_12("class")), "school": (True, _ref_12("org")),
        "category": (True, _ref_12("category")), "gradingPeriod": (False, _ref_12("academicSession")),
        "academicSession": (False, _ref_12("academicSession")), "scoreScale": (False, _ref_12("scoreScale")),
        "resultValueMin": (False, _number), "resultValueMax": (False, _number),
        "learningObjectiveSet": (False, _LEARNING_OBJECTIVE_SET),
    },
    "result": {
        **_BASE_12, "lineItem": (True, _ref_12("lineItem")), "student": (True, _ref_12("user")),
        "class": (False, _ref_12("class")), "scoreScale": (False, _ref_12("scoreScale")),
        "scoreStatus": (True, _score_status_12), "score": (False, _number), "textScore": (False, _text),
        "scoreDate": (True, _date), "comment": (False, _text), "inProgress": (False, _flag),
        "incomplete": (False, _flag), "late": (False, _flag), "missing": (False, _flag),
        "learningObjectiveSet": (False, _LEARNING_OBJECTIVE_RESULTS),
    },
}


def _null_at(value: Any, path: str) -> str | None:
    """The path of the first `null` inside a value (`metadata.percent`), or None."""
    if value is None:
        return path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        found = _null_at(inner, f"{path}.{key}" if isinstance(key, str) else f"{path}[{key}]")
        if found:
            return found
    return None


def check_body(kind: str, sourced_id: str, body: dict, *, letter_in_score: bool = False, v1p2: bool = False) -> None:
    """Refuse (400, naming the field) the first way `body` breaks the 1.1 (or, `v1p2`, the 1.2)
    data model of `kind`.

    `letter_in_score`: the result is on a Campus grading task and letters travel in `score`, so a
    text score, or none next to a percent, is Campus's documented habit rather than an error (1.1
    only: 1.2 carries letters in `textScore`).
    """
    release = "1.2" if v1p2 else "1.1"
    if v1p2:
        for field, value in body.items():
            found = _null_at(value, field)
            if found:
                raise _refusal(kind, sourced_id, found, "is null: OneRoster 1.2 takes no null values; leave out "
                                                        "a field you have no value for")
    for field, (required, check) in (FIELDS_12 if v1p2 else FIELDS)[kind].items():
        if field == "score" and letter_in_score:
            value = body.get("score")
            if value is None or isinstance(value, str) and value.strip():
                continue
        if field not in body:
            if required:
                raise _refusal(kind, sourced_id, field, f"is required by OneRoster {release}")
            continue
        value = body[field]
        if value is None:
            raise _refusal(kind, sourced_id, field, "is null: leave out an optional field you have no value for"
                           if not required else f"is required by OneRoster {release} and cannot be null")
        problem = check(value)
        if problem:
            raise _refusal(kind, sourced_id, field, problem)


def _refusal(kind: str, sourced_id: str, field: str, problem: str) -> SandboxError:
    return SandboxError(400, "invaliddata", f"{kind} {sourced_id}: field '{field}' {problem} (strict mode)")
