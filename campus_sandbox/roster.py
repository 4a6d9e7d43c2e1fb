"""The district's rostering collections as RecordSets: records built from indexes on demand.

`roster_record_sets(d, version="1.2")` serves the same district as OneRoster 1.2 does: one user
record per person with `roles[]`, `primaryOrg`, `userProfiles` and `metadata.ic.legacysourceId`,
sourcedIds without the 1.1 role prefix, and every reference to a user (enrollments, demographics)
by that id. Enrollment ids stay as on 1.1 (assumed: how Campus numbers 1.2 enrollments is
unverified).
"""

import dataclasses

import orjson

from campus_sandbox import calendar
from campus_sandbox.district import (
    DISTRICT_ORG_ID, FIRST_COURSE, FIRST_HISTORY, FIRST_ROSTER, FIRST_STUDENT, FIRST_TEACHER, District,
)
from campus_sandbox.names import FAMILY_NAMES, GIVEN_NAMES, SCHOOL_NAMES, SUBJECTS
from campus_sandbox.records import RecordSet, index_locator, per_record, table_locator

BASE_FIELDS = frozenset({"sourcedId", "status", "dateLastModified", "metadata"})
_RACE_FLAGS = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
               "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces")
_STATES = ("CA", "TX", "MN", "NY", "WA", "FL", "IL", "OH")
_CITIES = ("Springfield", "San José", "Saint Paul", "Québec City", "Hanoi", "Lagos", "Kraków", "Dublin")

# Salts keep each collection's timestamps independent of the others'.
_SALT = {"orgs": 1, "academicSessions": 2, "courses": 3, "classes": 4, "users": 5, "enrollments": 6,
         "demographics": 7, "lineItems": 8}


def ref(kind: str, sourced_id: str) -> dict:
    """A OneRoster GUIDRef; `href` is relative to the OneRoster base URL."""
    return {"href": f"/{kind}/{sourced_id}", "sourcedId": sourced_id, "type": _REF_TYPE.get(kind, kind)}


_REF_TYPE = {"orgs": "org", "schools": "org", "courses": "course", "classes": "class", "users": "user",
             "academicSessions": "academicSession", "terms": "term", "lineItems": "lineItem",
             "categories": "category", "scoreScales": "scoreScale", "assessmentLineItems": "assessmentLineItem"}


def _base(sourced_id: str, status: str, stamp: str) -> dict:
    return {"sourcedId": sourced_id, "status": status, "dateLastModified": stamp, "metadata": {}}


def orgs(d: District) -> RecordSet:
    """District org, its schools, and one retired (tobedeleted) school."""
    n = d.school_count + 2
    ids = [DISTRICT_ORG_ID] + [d.school_org_id(j) for j in range(d.school_count + 1)]
    district_ref = ref("orgs", DISTRICT_ORG_ID)

    def build(i: int) -> dict:
        stamp = d.stamp(_SALT["orgs"], i)
        if i == 0:
            rec = _base(DISTRICT_ORG_ID, "active", stamp)
            rec.update(name="Sandbox Unified School District", type="district", identifier="SUSD",
                       parent=None, children=[ref("orgs", ids[k]) for k in range(1, n)])
            return rec
        j = i - 1
        retired = j == d.school_count
        rec = _base(ids[i], "tobedeleted" if retired else "active", stamp)
        name = "Old Mill School (closed)" if retired else (
            f"{SCHOOL_NAMES[j % len(SCHOOL_NAMES)]} {('High', 'Middle', 'Elementary')[j % 3]} School"
            + (f" {j // len(SCHOOL_NAMES) + 1}" if j >= len(SCHOOL_NAMES) else ""))
        rec.update(name=name, type="school", identifier=f"SCH{ids[i]}", parent=district_ref, children=[])
        return rec

    return RecordSet("orgs", "org", BASE_FIELDS | {"name", "type", "identifier", "parent", "children"},
                     lambda: n, per_record(build), table_locator(ids),
                     {"type": lambda i: "district" if i == 0 else "school"})


def academic_sessions(d: District) -> RecordSet:
    sessions = calendar.SESSIONS

    def build(i: int) -> dict:
        s = sessions[i]
        rec = _base(s.sourced_id, s.status, d.stamp(_SALT["academicSessions"], i))
        rec.update(title=s.title, type=s.type, startDate=s.start.isoformat(), endDate=s.end.isoformat(),
                   parent=ref("academicSessions", s.parent_id) if s.parent_id else None,
                   children=[ref("academicSessions", c) for c in calendar.children_of(s.sourced_id)],
                   schoolYear=calendar.SCHOOL_YEAR)
        return rec

    return RecordSet("academicSessions", "academicSession",
                     BASE_FIELDS | {"title", "type", "startDate", "endDate", "parent", "children", "schoolYear"},
                     lambda: len(sessions), per_record(build), table_locator([s.sourced_id for s in sessions]),
                     {"type": lambda i: sessions[i].type})


def courses(d: District) -> RecordSet:
    count = d.course_count

    def build(c: int) -> dict:
        j = d.school_of_course(c)
        title, subject = SUBJECTS[(c - d.course_range(j).start) % len(SUBJECTS)]
        rec = _base(str(FIRST_COURSE + c), "tobedeleted" if d.retired(c, count) else "active",
                    d.stamp(_SALT["courses"], c))
        rec.update(title=title, schoolYear=ref("academicSessions", calendar.SCHOOL_YEAR_ID),
                   courseCode=f"{subject[:3].upper()}{FIRST_COURSE + c}", grades=[f"{9 + c % 4:02d}"],
                   subjects=[subject], org=ref("orgs", d.school_org_id(j)), subjectCodes=[], resources=[])
        return rec

    return RecordSet("courses", "course",
                     BASE_FIELDS | {"title", "schoolYear", "courseCode", "grades", "subjects", "org",
                                    "subjectCodes", "resources"},
                     lambda: count, per_record(build), index_locator("", FIRST_COURSE, lambda: count))


def classes(d: District) -> RecordSet:
    count = d.section_count

    def build(i: int) -> dict:
        j = d.school_of_section(i)
        c = d.course_of_section(i)
        title, subject = SUBJECTS[(c - d.course_range(j).start) % len(SUBJECTS)]
        period = (i - d.section_range(j).start) % 4 + 1
        rec = _base(d.section_id(i), "tobedeleted" if d.retired(i, count) else "active",
                    d.stamp(_SALT["classes"], i))
        rec.update(title=f"{title} - Period {period}", classCode=f"{subject[:3].upper()}{FIRST_COURSE + c}-{period}",
                   classType="scheduled", location=f"Room {100 + i % 300}", grades=[f"{9 + c % 4:02d}"],
                   subjects=[subject], course=ref("courses", str(FIRST_COURSE + c)),
                   school=ref("orgs", d.school_org_id(j)),
                   terms=[ref("academicSessions", t) for t in d.section_terms(i)],
                   subjectCodes=[], periods=[str(period)], resources=[])
        return rec

    return RecordSet("classes", "class",
                     BASE_FIELDS | {"title", "classCode", "classType", "location", "grades", "subjects", "course",
                                    "school", "terms", "subjectCodes", "periods", "resources"},
                     lambda: count, per_record(build), d.section_index,
                     {"sourcedId": d.section_id})


def _role(d: District, u: int) -> str:
    return "administrator" if u == 0 else "teacher" if u <= d.teacher_count else "student"


def _person(d: District, u: int) -> tuple[str, str, dict, dict, list[str]]:
    """What both versions say of user u: (role, 1.1 sourcedId, the fields they share in 1.1's
    order up to middleName, the org, grades)."""
    role = _role(d, u)
    sid = d.user_id(u)
    given = GIVEN_NAMES[(u * 5 + d.seed) % len(GIVEN_NAMES)]
    family = FAMILY_NAMES[(u * 13 + d.seed * 3) % len(FAMILY_NAMES)]
    if role == "administrator":
        org, grades = ref("orgs", DISTRICT_ORG_ID), []
    elif role == "teacher":
        org, grades = ref("orgs", d.school_org_id(d.school_of_teacher(u - 1))), []
    else:
        k = u - 1 - d.teacher_count
        org, grades = ref("orgs", d.school_org_id(d.school_of_student(k))), [f"{9 + k % 4:02d}"]
    number = sid[1:] if role != "administrator" else "9"
    username = f"{given[0]}{family}{number}".lower().replace(" ", "").replace("'", "")
    shared = {"username": username,
              "userIds": [{"type": "studentNumber" if role == "student" else "staffNumber", "identifier": number}],
              "enabledUser": "true", "givenName": given, "familyName": family, "middleName": ""}
    return role, sid, shared, org, grades


def _user(d: District, u: int) -> dict:
    """User u as OneRoster 1.1 serves it."""
    role, sid, shared, org, grades = _person(d, u)
    rec = _base(sid, "tobedeleted" if d.retired(u, d.user_count) else "active", d.stamp(_SALT["users"], u))
    rec.update(shared)
    rec.update(role=role, identifier=shared["userIds"][0]["identifier"], email=f"{sid}@sandbox-district.example.org",
               sms="", phone="", agents=[], orgs=[org], grades=grades)
    return rec


_USER_FIELDS = BASE_FIELDS | {"username", "userIds", "enabledUser", "givenName", "familyName", "middleName",
                              "identifier", "email", "sms", "phone", "agents", "grades"}


def users(d: District) -> RecordSet:
    return RecordSet("users", "user", _USER_FIELDS | {"role", "orgs"},
                     lambda: d.user_count, per_record(lambda u: _user(d, u)), d.user_index,
                     {"role": lambda u: _role(d, u), "sourcedId": d.user_id,
                      "dateLastModified": lambda u: d.stamp(_SALT["users"], u)})


def second_role(d: District, u: int) -> bool:
    """Whether user u (a teacher) is also a siteAdministrator: the first teacher of each school."""
    return 1 <= u <= d.teacher_count and d.teacher_range(d.school_of_teacher(u - 1)).start == u - 1


def _user_12(d: District, u: int, strict: bool = False) -> dict:
    """User u as OneRoster 1.2 serves it: 1.1's fields without `role`/`orgs`, an unprefixed
    sourcedId (also `metadata.ic.legacysourceId`), `roles[]` (administrator as districtAdministrator;
    the first teacher of each school also a siteAdministrator), `primaryOrg`, `userProfiles`, a
    preferred first name on every fifth user, `enabledUser` "false" for a retired user; `strict`:
    without Campus's empty middleName, sms and phone (built so, not filtered afterwards)."""
    role, sid_11, shared, org, grades = _person(d, u)
    sid = d.user_id_12(sid_11)
    status = "tobedeleted" if d.retired(u, d.user_count) else "active"
    rec = {"sourcedId": sid, "status": status, "dateLastModified": d.stamp(_SALT["users"], u),
           "metadata": {"ic": {"legacysourceId": sid}}, **shared}
    number = shared["userIds"][0]["identifier"]
    roles = [{"roleType": "primary", "role": "districtAdministrator" if role == "administrator" else role, "org": org}]
    if second_role(d, u):
        roles.append({"roleType": "secondary", "role": "siteAdministrator", "org": org})
    rec.update(enabledUser="false" if status == "tobedeleted" else "true", identifier=number,
               email=f"{sid_11}@sandbox-district.example.org", sms="", phone="", agents=[], grades=grades,
               userMasterIdentifier=number, primaryOrg=org, roles=roles,
               userProfiles=[{"profileId": f"campus-{sid}", "profileType": "Infinite Campus",
                              "vendorId": "infinitecampus",
                              "credentials": [{"type": "Campus", "username": shared["username"]}]}])
    if u % 5 == 2:
        rec["preferredFirstName"] = shared["givenName"][:3]
    if strict:
        del rec["middleName"], rec["sms"], rec["phone"]
    return rec


def users_12(d: District, *, strict: bool = False) -> RecordSet:
    return RecordSet("users", "user",
                     _USER_FIELDS | {"roles", "primaryOrg", "userProfiles", "userMasterIdentifier",
                                     "preferredFirstName", "preferredMiddleName", "preferredLastName", "pronouns"},
                     lambda: d.user_count, per_record(lambda u: _user_12(d, u, strict)), d.user_index_12,
                     {"sourcedId": lambda u: d.user_id_12(d.user_id(u)),
                      "dateLastModified": lambda u: d.stamp(_SALT["users"], u)})


def enrollments(d: District, *, user_prefixes: tuple[str, str] = ("s", "t")) -> RecordSet:
    """Student enrollments (class_size per section, in section order), then teacher enrollments.

    `user_prefixes`: what precedes a student's and a teacher's number in user ids ("s", "t" on
    1.1; none on 1.2).

    Rendered as JSON text a page at a time (every value is an id, a date or a fixed word, so no
    escaping is needed): neighbouring enrollments share their section, whose class, school and
    dates are rendered once. Dicts, when a caller needs them, are parsed from that text.
    """
    count = d.enrollment_count
    students = d.student_enrollment_count
    size = d.class_size
    stamps, stamp_salt = d.stamps, _SALT["enrollments"] * 40503 + d.seed * 97
    period = min(61, max(count, 2))
    retired_at = period // 2
    student_prefix, teacher_prefix = user_prefixes

    def teacher(t: int) -> str:
        return f"{teacher_prefix}{FIRST_TEACHER + t}"

    def section_parts(i: int) -> tuple:
        """What every enrollment of section i shares: the JSON after `user`, per role/primary."""
        terms = d.section_terms(i)
        j = d.school_of_section(i)
        first, n = d.student_range(j).start, len(d.student_range(j))
        shared = (f'"class":{{"href":"/classes/{d.section_id(i)}","sourcedId":"{d.section_id(i)}","type":"class"}},'
                  f'"school":{{"href":"/orgs/{d.school_org_id(j)}","sourcedId":"{d.school_org_id(j)}","type":"org"}}')
        dates = (f'"beginDate":"{calendar.SESSION_BY_ID[terms[0]].start.isoformat()}",'
                 f'"endDate":"{calendar.SESSION_BY_ID[terms[-1]].end.isoformat()}"}}')
        tails = {(role, primary): f'{shared},"role":"{role}","primary":"{primary}",{dates}'
                 for role, primary in (("student", "false"), ("teacher", "true"), ("teacher", "false"))}
        return tails, FIRST_STUDENT + first, n, max(1, n // size), (i - d.section_range(j).start) * 7

    def placement(e: int) -> tuple[int, str, str, str]:
        """(section, enrollment id, role, primary) of enrollment e."""
        if e < students:
            return e // size, f"s{FIRST_ROSTER + e}", "student", "false"
        n = e - students
        if n < d.section_count:
            return n, f"t{FIRST_HISTORY + n}", "teacher", "true"
        return d.co_teacher_section(n - d.section_count), f"t{FIRST_HISTORY + n}", "teacher", "false"

    def render_page(indexes) -> bytes:
        parts: dict[int, tuple] = {}
        rows = []
        append = rows.append
        for e in indexes:
            i, sid, role, primary = placement(e)
            p = parts.get(i)
            if p is None:
                p = parts[i] = section_parts(i)
            tails, first_id, n_students, stride, offset = p
            if role == "student":
                user_id = f"{student_prefix}{first_id + (offset + (e % size) * stride) % n_students}"
            else:
                teachers = d.section_teachers(i)
                user_id = teacher(teachers[0] if primary == "true" else teachers[-1])
            append(f'{{"sourcedId":"{sid}","status":"{"tobedeleted" if e % period == retired_at else "active"}",'
                   f'"dateLastModified":"{stamps[(((e // 3) * 2654435761 + stamp_salt) & 0xFFFFFFFF) >> 20]}",'
                   f'"metadata":{{}},"user":{{"href":"/users/{user_id}","sourcedId":"{user_id}","type":"user"}},'
                   f'{tails[role, primary]}')
        return ("[" + ",".join(rows) + "]").encode()

    def locate(sourced_id: str) -> int | None:
        if sourced_id.startswith("s"):
            return index_locator("s", FIRST_ROSTER, lambda: students)(sourced_id)
        n = index_locator("t", FIRST_HISTORY, lambda: d.teacher_enrollment_count)(sourced_id)
        return None if n is None else students + n

    def section_of(e: int) -> str:
        return d.section_id(placement(e)[0])

    def user_of(e: int) -> str:
        i, _, role, primary = placement(e)
        if role == "student":
            return f"{student_prefix}{FIRST_STUDENT + d.seat_student(i, e % size)}"
        teachers = d.section_teachers(i)
        return teacher(teachers[0] if primary == "true" else teachers[-1])

    return RecordSet("enrollments", "enrollment",
                     BASE_FIELDS | {"user", "class", "school", "role", "primary", "beginDate", "endDate"},
                     lambda: count, lambda indexes: orjson.loads(render_page(indexes)), locate,
                     {"role": lambda e: "student" if e < students else "teacher",
                      "dateLastModified": lambda e: d.stamp(_SALT["enrollments"], e),
                      "status": lambda e: "tobedeleted" if e % period == retired_at else "active",
                      "sourcedId": lambda e: placement(e)[1], "class": section_of, "user": user_of,
                      "school": lambda e: d.school_org_id(d.school_of_section(placement(e)[0]))},
                     render_page)


def demographics(d: District, *, v1p2: bool = False) -> RecordSet:
    """One demographics record per student, sourcedId = the student's user sourcedId (1.1's or 1.2's)."""
    count = d.student_count

    def student_id(k: int) -> str:
        return d.user_id_12(d.student_id(k)) if v1p2 else d.student_id(k)

    def locate(sourced_id: str) -> int | None:
        if not v1p2:
            return d.student_index(sourced_id)
        u = d.user_index_12(sourced_id)
        return None if u is None or u <= d.teacher_count else u - 1 - d.teacher_count

    def build(k: int) -> dict:
        h = (k * 2654435761 + d.seed) & 0xFFFF
        rec = _base(student_id(k), "tobedeleted" if d.retired(k, count) else "active",
                    d.stamp(_SALT["demographics"], k))
        rec.update(birthDate=f"{2008 + k % 5}-{1 + h % 12:02d}-{1 + h % 28:02d}", sex=("female", "male")[k % 2],
                   **{flag: "true" if (h >> 4) % len(_RACE_FLAGS) == n else "false"
                      for n, flag in enumerate(_RACE_FLAGS)},
                   hispanicOrLatinoEthnicity="true" if h % 5 == 0 else "false", countryOfBirthCode="US",
                   stateOfBirthAbbreviation=_STATES[h % len(_STATES)], cityOfBirth=_CITIES[h % len(_CITIES)],
                   publicSchoolResidenceStatus="01652")
        return rec

    return RecordSet("demographics", "demographics",
                     BASE_FIELDS | {"birthDate", "sex", *_RACE_FLAGS, "hispanicOrLatinoEthnicity",
                                    "countryOfBirthCode", "stateOfBirthAbbreviation", "cityOfBirth",
                                    "publicSchoolResidenceStatus"},
                     lambda: count, per_record(build), locate)


def roster_record_sets(d: District, *, strict: bool = False, v1p2: bool = False) -> dict[str, RecordSet]:
    """Every rostering collection of the district, by OneRoster collection name; `strict` serves
    them without Campus's empty values (see `SandboxOptions.strict`), `v1p2` as OneRoster 1.2."""
    sets = {"orgs": orgs(d), "academicSessions": academic_sessions(d), "courses": courses(d),
            "classes": classes(d), "users": users_12(d, strict=strict) if v1p2 else users(d),
            "enrollments": enrollments(d, user_prefixes=("", "") if v1p2 else ("s", "t")),
            "demographics": demographics(d, v1p2=v1p2)}
    if not strict:
        return sets
    holding = _WITH_EMPTY_VALUES - {"users"} if v1p2 else _WITH_EMPTY_VALUES  # 1.2 users are built without
    return {name: without_empty_values(records) if name in holding else records for name, records in sets.items()}


# The collections whose records hold Campus's empty values (`parent: null`; `""` middleName, sms,
# phone): the only ones strict mode filters (the strict-GET tests walk every record of the others).
_WITH_EMPTY_VALUES = frozenset({"orgs", "academicSessions", "users"})


def without_empty_values(records: RecordSet) -> RecordSet:
    """The same records with the top-level `null` and `""` values left out, as a strict 1.1 reader
    expects. Collections rendered as JSON text (enrollments) have none to leave out."""
    if records.render_page is not None:
        return records
    build = records.build_page

    def build_page(indexes):
        return [{k: v for k, v in record.items() if v is not None and v != ""} for record in build(indexes)]

    return dataclasses.replace(records, build_page=build_page)

