"""OneRoster paths → what they serve: a collection view, one record, or a write target.

Aliases serve a subset of their base collection under the base type's wrapper key, as
providers do: `/students` and `/teachers` answer `{"users": [...]}`, `/terms` and
`/gradingPeriods` answer `{"academicSessions": [...]}`. `/terms` holds every academicSession
that is not a grading period (school year, semesters, retired terms).

Every path belongs to one service (rostering, gradebook, resources: `Resolved.service`), which
on 1.2 decides the root it is served under and the scopes it needs. A 1.2 router (`v1p2=True`)
serves the district as 1.2 does (`roster.py`, `v1p2.py`) and adds 1.2's paths: `/scoreScales`,
`/classes/{id}/categories|scoreScales`, `/schools/{id}/lineItems|scoreScales`,
`/assessmentLineItems`, `/assessmentResults`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from campus_sandbox import calendar, v1p2 as v12
from campus_sandbox.district import District
from campus_sandbox.errors import SandboxError, unknown_object
from campus_sandbox.gradebook import Gradebook, Present
from campus_sandbox.receiving import PLACEHOLDER_CATEGORY_ID
from campus_sandbox.records import RecordSet, per_record
from campus_sandbox.roster import BASE_FIELDS, roster_record_sets
from campus_sandbox.versions import GRADEBOOK, RESOURCES, ROSTERING

GRADEBOOK_COLLECTIONS = frozenset({"categories", "lineItems", "results"})
GRADEBOOK_COLLECTIONS_12 = GRADEBOOK_COLLECTIONS | {"scoreScales", "assessmentLineItems", "assessmentResults"}
WRITABLE = {"categories": "category", "lineItems": "lineItem", "results": "result"}
_NESTED_GRADEBOOK = {"classes": frozenset({"lineItems", "results", "categories", "scoreScales"}),
                     "schools": frozenset({"lineItems", "scoreScales"})}


@dataclass
class CollectionRoute:
    records: RecordSet
    base: Sequence[int]
    cache_key: tuple  # identifies (collection, parent) for the index cache


@dataclass
class RecordRoute:
    singular: str
    record: dict


@dataclass
class Resolved:
    """What a path addresses; `collection` is the first segment (for stats), `service` the
    OneRoster service it belongs to."""

    collection: str
    service: str
    target: CollectionRoute | RecordRoute | None
    write_kind: str | None = None
    write_id: str | None = None

    @property
    def gradebook(self) -> bool:
        """Whether the path needs Grade Book Sync rights and the vendor header."""
        return self.service == GRADEBOOK


def service_of(segments: list[str]) -> str:
    """The OneRoster service a path belongs to (1.2's table of which root serves what)."""
    head, n = segments[0], len(segments)
    if head in GRADEBOOK_COLLECTIONS_12:
        return GRADEBOOK
    if n >= 3 and segments[2] in _NESTED_GRADEBOOK.get(head, ()):
        return GRADEBOOK
    if head == "classes" and n == 5 and segments[4] == "results":
        return GRADEBOOK
    if head == "resources" or n == 3 and segments[2] == "resources":
        return RESOURCES
    return ROSTERING


_EMPTY_RESOURCES = RecordSet("resources", "resource", BASE_FIELDS | {"title", "vendorResourceId"},
                             lambda: 0, per_record(lambda i: {}), lambda sid: None)


class Router:
    """Resolves paths against one district and its gradebook."""

    def __init__(self, district: District, gradebook: Gradebook, *, strict: bool = False, v1p2: bool = False) -> None:
        self.d = district
        self.gradebook = gradebook
        self.v1p2 = v1p2
        self.sets = roster_record_sets(district, strict=strict, v1p2=v1p2)
        if v1p2:
            self.sets.update(categories=v12.class_categories(district), scoreScales=v12.score_scales(district),
                             assessmentLineItems=v12.assessment_line_items(district),
                             assessmentResults=v12.assessment_results(district))
        # How a held record is served (None: as held, 1.1)
        self.present_line_item: Present | None = None
        self.present_result: Present | None = None
        if v1p2:
            self.present_line_item = partial(v12.present_line_item, district, strict=strict)
            self.present_result = partial(v12.present_result, district, strict=strict)
        d = district
        sessions = calendar.SESSIONS
        students = range(1 + d.teacher_count, d.user_count)
        self._aliases: dict[str, tuple[str, Sequence[int]]] = {
            "academicSessions": ("academicSessions", range(len(sessions))),
            "terms": ("academicSessions", [i for i, s in enumerate(sessions) if s.type != "gradingPeriod"]),
            "gradingPeriods": ("academicSessions", [i for i, s in enumerate(sessions) if s.type == "gradingPeriod"]),
            "orgs": ("orgs", range(d.school_count + 2)),
            "schools": ("orgs", range(1, d.school_count + 2)),
            "users": ("users", range(d.user_count)),
            "students": ("users", students),
            "teachers": ("users", range(1, 1 + d.teacher_count)),
            "courses": ("courses", range(d.course_count)),
            "classes": ("classes", range(d.section_count)),
            "enrollments": ("enrollments", range(d.enrollment_count)),
            "demographics": ("demographics", range(d.student_count)),
        }

    def resolve(self, segments: list[str], method: str) -> Resolved:
        if not segments or not segments[0]:
            raise unknown_object("the OneRoster endpoint /")
        head = segments[0]
        if method != "GET":
            if method not in ("PUT", "DELETE") or head not in WRITABLE or len(segments) != 2:
                release = "1.2" if self.v1p2 else "1.1"
                raise SandboxError(405, "invaliddata", f"{method} is not allowed on /{'/'.join(segments)}: "
                                   f"OneRoster {release} writes only /categories/{{id}}, /lineItems/{{id}} and "
                                   "/results/{id}" + (" here (PUT; POST is not served)" if self.v1p2 else ""))
            return Resolved(head, GRADEBOOK, None, WRITABLE[head], segments[1])
        return Resolved(head, service_of(segments), self._read(segments))

    # -- GET --------------------------------------------------------------------------------

    def _read(self, seg: list[str]) -> CollectionRoute | RecordRoute:
        head, n = seg[0], len(seg)
        if self.v1p2 and head in GRADEBOOK_COLLECTIONS_12 - {"lineItems", "results"} and n <= 2:
            return self._gradebook_12(head, seg[1] if n == 2 else None)
        if head in GRADEBOOK_COLLECTIONS:
            if n == 1:
                return self._gradebook_collection(head)
            if n == 2:
                return self._gradebook_record(head, seg[1])
        elif head == "resources":
            if n == 1:
                return CollectionRoute(_EMPTY_RESOURCES, range(0), ("resources",))
            if n == 2:
                raise unknown_object(f"resource {seg[1]}")
        elif head in self._aliases:
            if n == 1:
                name, base = self._aliases[head]
                return CollectionRoute(self.sets[name], base, (head,))
            if n == 2:
                return self._roster_record(head, seg[1])
            nested = self._nested(seg)
            if nested is not None:
                return nested
        raise unknown_object(f"the OneRoster endpoint /{'/'.join(seg)}")

    def _roster_record(self, alias: str, sourced_id: str) -> RecordRoute:
        name, base = self._aliases[alias]
        records = self.sets[name]
        i = records.find(sourced_id)
        if i is None or i not in base:
            raise unknown_object(f"{records.singular} {sourced_id}")
        return RecordRoute(records.singular, records.record(i))

    def _member(self, alias: str, sourced_id: str) -> int:
        """Index of a parent object in its alias, or 404 (a nested route with an unknown parent)."""
        name, base = self._aliases[alias]
        i = self.sets[name].find(sourced_id)
        if i is None or i not in base:
            raise unknown_object(f"{self.sets[name].singular} {sourced_id}")
        return i

    def _users_of_section(self, i: int, role: str) -> list[int]:
        d = self.d
        if role == "students":
            return sorted(1 + d.teacher_count + d.seat_student(i, m) for m in range(d.class_size))
        return [1 + t for t in d.section_teachers(i)]

    def _enrollments_of_sections(self, sections: range) -> list[int]:
        d = self.d
        size = d.class_size
        found = list(range(sections.start * size, sections.stop * size))
        found += [d.student_enrollment_count + i for i in sections]
        every = d.size.co_teacher_every
        found += [d.student_enrollment_count + d.section_count + i // every
                  for i in sections if d.has_co_teacher(i)]
        return found

    def _nested(self, seg: list[str]) -> CollectionRoute | None:
        d, sets = self.d, self.sets
        head, parent, sub = seg[0], seg[1], seg[2]
        key = tuple(seg)
        users = sets["users"]
        if head == "classes" and len(seg) == 3:
            i = self._member("classes", parent)
            if sub in ("students", "teachers"):
                return CollectionRoute(users, self._users_of_section(i, sub), key)
            if sub == "lineItems":
                records, base = self.gradebook.line_items_view(parent, present=self.present_line_item)
                return CollectionRoute(records, base, key + (self.gradebook.version,))
            if sub == "results":
                return self._results(key, class_id=parent)
            if sub == "resources":
                return CollectionRoute(_EMPTY_RESOURCES, range(0), key)
            if self.v1p2 and sub == "categories":
                return CollectionRoute(self.gradebook_categories(), v12.categories_of_section(i),
                                       key + (self.gradebook.version,))
            if self.v1p2 and sub == "scoreScales":
                return CollectionRoute(sets["scoreScales"], range(i, i + 1), key)
        if head == "classes" and len(seg) == 5 and seg[4] == "results":
            self._member("classes", parent)
            if sub == "lineItems":
                if self.gradebook.line_item(seg[3]) is None:
                    raise unknown_object(f"lineItem {seg[3]}")
                return self._results(key, class_id=parent, line_item_id=seg[3])
            if sub == "students":
                u = self._member("students", seg[3])
                return self._results(key, class_id=parent, student_id=d.user_id(u))
        if head == "courses" and len(seg) == 3:
            c = self._member("courses", parent)
            if sub == "classes":
                j = d.school_of_course(c)
                local = c - d.course_range(j).start
                start = d.section_range(j).start + local * 4
                return CollectionRoute(sets["classes"], range(start, min(start + 4, d.section_range(j).stop)), key)
            if sub == "resources":
                return CollectionRoute(_EMPTY_RESOURCES, range(0), key)
        if head == "schools":
            j = self._member("schools", parent) - 1
            sections = d.section_range(j) if j < d.school_count else range(0)  # the retired school holds nothing
            if self.v1p2 and len(seg) == 3 and sub == "lineItems":
                records, base = self.gradebook.line_items_view(sections=sections, present=self.present_line_item)
                return CollectionRoute(records, base, key + (self.gradebook.version,))
            if self.v1p2 and len(seg) == 3 and sub == "scoreScales":
                return CollectionRoute(sets["scoreScales"], sections, key)
            if j >= d.school_count:
                name = {"courses": "courses", "classes": "classes", "enrollments": "enrollments",
                        "terms": "academicSessions"}.get(sub if len(seg) == 3 else seg[4], "users")
                return CollectionRoute(sets[name], range(0), key)
            if len(seg) == 3:
                by_sub = {
                    "courses": ("courses", lambda: d.course_range(j)),
                    "classes": ("classes", lambda: sections),
                    "enrollments": ("enrollments", lambda: self._enrollments_of_sections(sections)),
                    "students": ("users", lambda: range(1 + d.teacher_count + d.student_range(j).start,
                                                        1 + d.teacher_count + d.student_range(j).stop)),
                    "teachers": ("users", lambda: range(1 + d.teacher_range(j).start, 1 + d.teacher_range(j).stop)),
                    "terms": ("academicSessions", lambda: self._aliases["terms"][1]),
                }
                if sub in by_sub:
                    name, indexes = by_sub[sub]
                    return CollectionRoute(sets[name], indexes(), key)
            if len(seg) == 5 and sub == "classes":
                i = self._member("classes", seg[3])
                if i not in sections:
                    raise unknown_object(f"class {seg[3]} in school {parent}")
                if seg[4] == "enrollments":
                    return CollectionRoute(sets["enrollments"], self._enrollments_of_sections(range(i, i + 1)), key)
                if seg[4] in ("students", "teachers"):
                    return CollectionRoute(users, self._users_of_section(i, seg[4]), key)
        if head in ("students", "teachers", "users") and len(seg) == 3 and sub == "classes":
            u = self._member(head, parent)
            if u == 0:
                return CollectionRoute(sets["classes"], range(0), key)
            if u <= d.teacher_count:
                return CollectionRoute(sets["classes"], d.sections_of_teacher(u - 1), key)
            return CollectionRoute(sets["classes"], d.sections_of_student(u - 1 - d.teacher_count), key)
        if head == "terms" and len(seg) == 3:
            self._member("terms", parent)
            if sub == "classes":
                return CollectionRoute(sets["classes"], _SectionsInTerm(d, parent), key)
            if sub == "gradingPeriods":
                quarters = [s.sourced_id for s in calendar.SESSIONS if s.type == "gradingPeriod"
                            and (s.parent_id == parent or parent == calendar.SCHOOL_YEAR_ID)]
                sessions = sets["academicSessions"]
                return CollectionRoute(sessions, [sessions.find(q) for q in quarters], key)
        return None

    # -- gradebook reads ---------------------------------------------------------------------

    def _gradebook_collection(self, head: str) -> CollectionRoute:
        version = self.gradebook.version
        if head == "lineItems":
            records, base = self.gradebook.line_items_view(present=self.present_line_item)
            return CollectionRoute(records, base, (head, version))
        if head == "categories":
            records = self.gradebook.categories_view()
        else:
            records = self.gradebook.results_view(present=self.present_result)
        return CollectionRoute(records, range(len(records)), (head, version))

    def _results(self, key: tuple, **scope) -> CollectionRoute:
        records = self.gradebook.results_view(**scope, present=self.present_result)
        return CollectionRoute(records, range(len(records)), key + (self.gradebook.version,))

    def _gradebook_record(self, head: str, sourced_id: str) -> RecordRoute:
        g = self.gradebook
        if head == "lineItems":
            record = g.line_item(sourced_id, self.present_line_item)
        elif head == "results":
            record = g.result(sourced_id, self.present_result)
        else:
            with g.lock:
                held = g.categories.get(sourced_id)
                record = dict(held) if held is not None else None
        if record is None:
            raise unknown_object(f"{WRITABLE[head]} {sourced_id}")
        return RecordRoute(WRITABLE[head], record)

    # -- 1.2's gradebook: Campus's categories, score scales, the assessment profile ---------------

    def gradebook_categories(self) -> RecordSet:
        """1.2's categories: every class's Campus categories, then those written through OneRoster
        (never the 1.1 placeholder)."""
        native = self.sets["categories"]
        written = self.gradebook.categories_view(hidden=frozenset({PLACEHOLDER_CATEGORY_ID}))
        count = len(native)

        def build_page(indexes: Sequence[int]) -> list[dict]:
            return [native.record(n) if n < count else written.record(n - count) for n in indexes]

        def locate(sourced_id: str) -> int | None:
            n = native.find(sourced_id)
            if n is not None:
                return n
            w = written.find(sourced_id)
            return None if w is None else count + w

        return RecordSet("categories", "category", native.fields, lambda: count + len(written), build_page, locate)

    def _gradebook_12(self, head: str, sourced_id: str | None) -> CollectionRoute | RecordRoute:
        records = self.gradebook_categories() if head == "categories" else self.sets[head]
        if sourced_id is None:
            return CollectionRoute(records, range(len(records)), (head, self.gradebook.version))
        i = records.find(sourced_id)
        if i is None:
            raise unknown_object(f"{records.singular} {sourced_id}")
        return RecordRoute(records.singular, records.record(i))


class _SectionsInTerm(Sequence):
    """Section ordinals running in a term, without listing 40,000 of them."""

    def __init__(self, d: District, term_id: str) -> None:
        if term_id == calendar.SCHOOL_YEAR_ID:
            self._residues = (0, 1, 2)
        else:
            self._residues = tuple(r for r in range(3) if term_id in d.section_terms(r))
        self._sections = d.section_count
        self._count = sum((d.section_count - r + 2) // 3 for r in self._residues)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(self._count))]
        if not 0 <= k < self._count:
            raise IndexError(k)
        per = len(self._residues)
        group, r = divmod(k, per)
        return group * 3 + self._residues[r]

    def __contains__(self, i) -> bool:
        return isinstance(i, int) and i % 3 in self._residues and 0 <= i < self._sections
