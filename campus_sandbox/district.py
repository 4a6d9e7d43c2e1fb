"""A deterministic sandbox district, from one school to a large district.

Nothing per-record is stored: a district is a handful of per-school offsets, and every id,
enrollment and name is arithmetic on indexes (see `layout` below). That is why a large district
(40,000 sections, ~1,000,000 enrollments, ~120,000 users) is "generated" in milliseconds and
served in constant memory. The same (size, seed) always yields the same district.

Id scheme (Infinite Campus 1.1 style):
- orgs: district `100`, schools `101`.., one retired school (tobedeleted) after them
- academicSessions: see `calendar.py` (schoolYear 7000, semesters 7001/7002, Q1..Q4 7011..7014)
- courses `20000`+, classes (sections) `100000`+
- users: administrator `a9`, teachers `t2001`+, students `s100001`+ (role-prefixed)
- enrollments: students `s` + rosterID (`s5000000`+), teachers `t` + historyID (`t900000`+)
- Campus grading-task lineItems: `<sectionID>-<taskID>-<quarterID>`, e.g. `100003-1-7011`

On OneRoster 1.2 (the same district, served by a 1.2 sandbox), users lose their role prefix
(`s100001` → `100001`, `t2001` → `2001`, `a9` → `9`: `user_id_12`, `user_id_11`), and every
section has grading categories (`class_categories`: `<sectionID>-cat<k>`) and one score scale
(`class_score_scale`: `<sectionID>-scale`, the values of its grading tasks' score group).
"""

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from campus_sandbox import calendar

ADMIN_ID = "a9"
DISTRICT_ORG_ID = "100"
FIRST_SCHOOL_ORG = 101
FIRST_COURSE = 20000
FIRST_SECTION = 100000
FIRST_TEACHER = 2001
FIRST_STUDENT = 100001
FIRST_ROSTER = 5000000
FIRST_HISTORY = 900000
QUARTER_GRADE_TASK = "1"
CATEGORY_TITLES = ("Homework", "Quizzes", "Tests", "Projects")
CATEGORY_WEIGHTS = (0.2, 0.2, 0.4, 0.2)
SCORE_SCALE_TITLES = ("Letter grades A-F", "Proficiency 4-1")

SCORE_GROUPS: tuple[tuple[dict, ...], ...] = (
    ({"score": "A", "minPercent": 90}, {"score": "B", "minPercent": 80}, {"score": "C", "minPercent": 70},
     {"score": "D", "minPercent": 60}, {"score": "F", "minPercent": 0}),
    ({"score": "4", "minPercent": 88}, {"score": "3", "minPercent": 75}, {"score": "2", "minPercent": 60},
     {"score": "1", "minPercent": 0}),
)


@dataclass(frozen=True)
class DistrictSize:
    """How big a generated district is."""

    name: str
    schools: int
    sections: int
    students: int
    teachers: int
    class_size: int
    co_teacher_every: int  # every n-th section has a second teacher


SIZES: dict[str, DistrictSize] = {
    s.name: s
    for s in (
        DistrictSize("tiny", 1, 8, 60, 3, 20, 4),
        DistrictSize("small", 2, 100, 600, 24, 24, 7),
        DistrictSize("medium", 6, 2400, 9000, 480, 25, 7),
        DistrictSize("large", 60, 40000, 111500, 8000, 24, 7),
    )
}

STAMP_SLOTS = 4096
_STAMP_START = datetime(2026, 5, 1, tzinfo=timezone.utc)
_STAMP_SPAN = timedelta(days=170)


def iso_instant(moment: datetime) -> str:
    """The one dateLastModified format the sandbox emits: UTC, milliseconds, `Z`.

    One fixed-width format lets filters compare instants as strings.
    """
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _split(total: int, parts: int, part: int) -> int:
    """First index of `part` when `total` items are split into `parts` contiguous blocks."""
    return (part * total + parts - 1) // parts


@dataclass(frozen=True)
class ClassCategory:
    """A grading category Campus sets up in a section (served on OneRoster 1.2 only)."""

    sourced_id: str
    title: str
    weight: float


@dataclass(frozen=True)
class ScoreScale:
    """A section's score scale (OneRoster 1.2): `values` are (itemValueLHS, itemValueRHS) pairs,
    the score-group value and its lowest percent."""

    sourced_id: str
    title: str
    type: str
    class_id: str
    course_id: str
    school_id: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Section:
    """What a test or a generator needs to know about one section (OneRoster class)."""

    sourced_id: str
    index: int
    school_id: str
    course_id: str
    term_ids: tuple[str, ...]
    grading_period_ids: tuple[str, ...]
    teacher_ids: tuple[str, ...]
    student_ids: tuple[str, ...]
    grading_task_ids: tuple[str, ...]  # Campus-native lineItem sourcedIds of this section
    status: str


class District:
    """A generated district. Build with `generate(size, seed)`.

    Picking real ids without HTTP: `sections()` / `section(i)` (teachers, students, terms,
    grading periods, grading-task lineItems of each section), `grading_periods()`, `terms()`,
    `user_ids(role)`, `ADMIN_ID`, `score_group(line_item_id)`.
    """

    def __init__(self, size: DistrictSize, seed: int) -> None:
        self.size = size
        self.seed = seed
        s = size
        self.school_count = s.schools
        self.section_count = s.sections
        self.student_count = s.students
        self.teacher_count = s.teachers
        self._section_first = [_split(s.sections, s.schools, j) for j in range(s.schools + 1)]
        self._student_first = [_split(s.students, s.schools, j) for j in range(s.schools + 1)]
        self._teacher_first = [_split(s.teachers, s.schools, j) for j in range(s.schools + 1)]
        course_first = [0]
        for j in range(s.schools):
            course_first.append(course_first[-1] + (self._section_first[j + 1] - self._section_first[j] + 3) // 4)
        self._course_first = course_first
        self.course_count = course_first[-1]
        min_students = min(self._student_first[j + 1] - self._student_first[j] for j in range(s.schools))
        self.class_size = min(s.class_size, min_students)
        self.co_teacher_sections = s.sections // s.co_teacher_every
        self.student_enrollment_count = s.sections * self.class_size
        self.teacher_enrollment_count = s.sections + self.co_teacher_sections
        self.enrollment_count = self.student_enrollment_count + self.teacher_enrollment_count
        self.user_count = 1 + s.teachers + s.students
        self.grading_task_count = self._grading_task_offset(s.sections)
        self.stamps = tuple(
            iso_instant(_STAMP_START + _STAMP_SPAN * k / STAMP_SLOTS) for k in range(STAMP_SLOTS)
        )

    # -- arithmetic helpers shared by the record builders -------------------------------------

    def stamp(self, salt: int, k: int) -> str:
        """dateLastModified of record k of a collection; groups of 3 share the exact instant."""
        h = (((k // 3) * 2654435761 + salt * 40503 + self.seed * 97) & 0xFFFFFFFF) >> 20
        return self.stamps[h]

    @staticmethod
    def retired(k: int, count: int) -> bool:
        """Whether record k of a collection of `count` is `tobedeleted` (a few in each)."""
        period = min(61, max(count, 2))
        return k % period == period // 2

    def school_of_section(self, i: int) -> int:
        return bisect_right(self._section_first, i) - 1

    def school_of_student(self, k: int) -> int:
        return bisect_right(self._student_first, k) - 1

    def school_of_teacher(self, t: int) -> int:
        return bisect_right(self._teacher_first, t) - 1

    def school_of_course(self, c: int) -> int:
        return bisect_right(self._course_first, c) - 1

    def school_org_id(self, j: int) -> str:
        return str(FIRST_SCHOOL_ORG + j)

    def section_range(self, j: int) -> range:
        return range(self._section_first[j], self._section_first[j + 1])

    def student_range(self, j: int) -> range:
        return range(self._student_first[j], self._student_first[j + 1])

    def teacher_range(self, j: int) -> range:
        return range(self._teacher_first[j], self._teacher_first[j + 1])

    def course_range(self, j: int) -> range:
        return range(self._course_first[j], self._course_first[j + 1])

    def course_of_section(self, i: int) -> int:
        j = self.school_of_section(i)
        return self._course_first[j] + (i - self._section_first[j]) // 4

    def section_terms(self, i: int) -> tuple[str, ...]:
        """Every third section is year-long; the others run one semester."""
        return ((calendar.S1_ID, calendar.S2_ID), (calendar.S1_ID,), (calendar.S2_ID,))[i % 3]

    def section_teachers(self, i: int) -> tuple[int, ...]:
        """Teacher ordinals of section i: the primary one, then a co-teacher on some sections."""
        j = self.school_of_section(i)
        first, n = self._teacher_first[j], self._teacher_first[j + 1] - self._teacher_first[j]
        local = i - self._section_first[j]
        primary = first + local % n
        if self.has_co_teacher(i) and n > 1:
            return primary, first + (local + 1) % n
        return (primary,)

    def has_co_teacher(self, i: int) -> bool:
        every = self.size.co_teacher_every
        return i % every == every - 1 and i // every < self.co_teacher_sections

    def seat_student(self, i: int, seat: int) -> int:
        """Student ordinal in seat `seat` of section i (distinct seats, spread over the school)."""
        j = self.school_of_section(i)
        first, n = self._student_first[j], self._student_first[j + 1] - self._student_first[j]
        stride = max(1, n // self.class_size)
        return first + ((i - self._section_first[j]) * 7 + seat * stride) % n

    def sections_of_student(self, k: int) -> list[int]:
        """Section ordinals student k sits in (a scan of the student's school only)."""
        j = self.school_of_student(k)
        first, n = self._student_first[j], self._student_first[j + 1] - self._student_first[j]
        stride = max(1, n // self.class_size)
        return [i for i in self.section_range(j) if self._sits_in(k - first, i - self._section_first[j], n, stride)]

    def is_enrolled(self, k: int, i: int) -> bool:
        """Whether student k sits in section i (O(1): inverts `seat_student`)."""
        j = self.school_of_student(k)
        if self.school_of_section(i) != j:
            return False
        first, n = self._student_first[j], self._student_first[j + 1] - self._student_first[j]
        return self._sits_in(k - first, i - self._section_first[j], n, max(1, n // self.class_size))

    def _sits_in(self, student_local: int, section_local: int, n: int, stride: int) -> bool:
        delta = (student_local - section_local * 7) % n
        return delta % stride == 0 and delta // stride < self.class_size

    def sections_of_teacher(self, t: int) -> list[int]:
        return [i for i in self.section_range(self.school_of_teacher(t)) if t in self.section_teachers(i)]

    def co_teacher_section(self, n: int) -> int:
        """Section ordinal of the n-th co-teacher enrollment."""
        every = self.size.co_teacher_every
        return n * every + every - 1

    # -- ids ---------------------------------------------------------------------------------

    @staticmethod
    def section_id(i: int) -> str:
        return str(FIRST_SECTION + i)

    def section_index(self, sourced_id: str) -> int | None:
        if not sourced_id.isdigit():
            return None
        i = int(sourced_id) - FIRST_SECTION
        return i if 0 <= i < self.section_count and str(FIRST_SECTION + i) == sourced_id else None

    @staticmethod
    def teacher_id(t: int) -> str:
        return f"t{FIRST_TEACHER + t}"

    @staticmethod
    def student_id(k: int) -> str:
        return f"s{FIRST_STUDENT + k}"

    def user_index(self, sourced_id: str) -> int | None:
        """Users are ordered administrator, teachers, students."""
        if sourced_id == ADMIN_ID:
            return 0
        digits = sourced_id[1:]
        if not digits.isdigit() or digits[0] == "0":
            return None
        if sourced_id[0] == "t" and 0 <= int(digits) - FIRST_TEACHER < self.teacher_count:
            return 1 + int(digits) - FIRST_TEACHER
        if sourced_id[0] == "s" and 0 <= int(digits) - FIRST_STUDENT < self.student_count:
            return 1 + self.teacher_count + int(digits) - FIRST_STUDENT
        return None

    def user_id(self, u: int) -> str:
        if u == 0:
            return ADMIN_ID
        if u <= self.teacher_count:
            return self.teacher_id(u - 1)
        return self.student_id(u - 1 - self.teacher_count)

    @staticmethod
    def user_id_12(id_11: str) -> str:
        """A user's OneRoster 1.2 sourcedId: the 1.1 id without its role prefix (`s100001` → `100001`),
        which Campus also serves as `metadata.ic.legacysourceId`."""
        return id_11[1:]

    def user_id_11(self, id_12: str) -> str | None:
        """A 1.2 user sourcedId back to the 1.1 one (`100001` → `s100001`), None for no user."""
        u = self.user_index_12(id_12)
        return None if u is None else self.user_id(u)

    def user_index_12(self, sourced_id: str) -> int | None:
        """The index of a user by 1.2 sourcedId (teachers' and students' numbers never overlap)."""
        if not sourced_id.isdigit() or sourced_id[0] == "0":
            return None
        n = int(sourced_id)
        if sourced_id == ADMIN_ID[1:]:
            return 0
        if 0 <= n - FIRST_TEACHER < self.teacher_count:
            return 1 + n - FIRST_TEACHER
        if 0 <= n - FIRST_STUDENT < self.student_count:
            return 1 + self.teacher_count + n - FIRST_STUDENT
        return None

    def student_index(self, sourced_id: str) -> int | None:
        u = self.user_index(sourced_id)
        return None if u is None or u <= self.teacher_count else u - 1 - self.teacher_count

    def user_ids(self, role: str) -> Sequence[str]:
        """All user sourcedIds of a role (`student`, `teacher`, `administrator`), lazily."""
        if role == "administrator":
            return [ADMIN_ID]
        if role == "teacher":
            return _Ids(self.teacher_id, self.teacher_count)
        if role == "student":
            return _Ids(self.student_id, self.student_count)
        raise ValueError(f"unknown role {role!r}: use student, teacher or administrator")

    # -- Campus grading tasks (native lineItems) ---------------------------------------------

    def _grading_task_offset(self, i: int) -> int:
        """Native lineItems before section i: year-long sections have 4 quarters, others 2."""
        return (i // 3) * 8 + (0, 4, 6)[i % 3]

    def grading_task(self, n: int) -> tuple[int, str]:
        """(section ordinal, quarter id) of native lineItem n."""
        group, r = divmod(n, 8)
        if r < 4:
            return group * 3, (calendar.Q1_ID, calendar.Q2_ID, calendar.Q3_ID, calendar.Q4_ID)[r]
        if r < 6:
            return group * 3 + 1, (calendar.Q1_ID, calendar.Q2_ID)[r - 4]
        return group * 3 + 2, (calendar.Q3_ID, calendar.Q4_ID)[r - 6]

    def grading_task_id(self, n: int) -> str:
        i, quarter = self.grading_task(n)
        return f"{self.section_id(i)}-{QUARTER_GRADE_TASK}-{quarter}"

    def grading_task_index(self, sourced_id: str) -> int | None:
        parts = sourced_id.split("-")
        if len(parts) != 3 or parts[1] != QUARTER_GRADE_TASK:
            return None
        i = self.section_index(parts[0])
        if i is None:
            return None
        quarters = [q for term in self.section_terms(i) for q in calendar.QUARTERS_OF[term]]
        if parts[2] not in quarters:
            return None
        return self._grading_task_offset(i) + quarters.index(parts[2])

    def grading_task_range(self, i: int) -> range:
        return range(self._grading_task_offset(i), self._grading_task_offset(i + 1) if i + 1 < self.section_count
                     else self.grading_task_count)

    def score_group(self, line_item_id: str) -> tuple[dict, ...] | None:
        """The score group of a Campus grading-task lineItem, None for anything else."""
        n = self.grading_task_index(line_item_id)
        return None if n is None else SCORE_GROUPS[self.grading_task(n)[0] % 2]

    # -- what Campus sets up per section on OneRoster 1.2 ------------------------------------

    def class_categories(self, class_id: str) -> tuple[ClassCategory, ...]:
        """The grading categories of a section: every title but one on most sections (which one is
        missing varies), all four on every fifth, so some classes lack a title the others have."""
        i = self.section_index(class_id)
        if i is None:
            return ()
        missing = i % 5
        return tuple(ClassCategory(f"{class_id}-cat{k}", title, CATEGORY_WEIGHTS[k])
                     for k, title in enumerate(CATEGORY_TITLES) if k != missing)

    def category_class(self, category_id: str) -> str | None:
        """The section a Campus category belongs to (None for any other id)."""
        class_id, separator, _ = category_id.rpartition("-cat")
        if not separator:
            return None
        return class_id if any(c.sourced_id == category_id for c in self.class_categories(class_id)) else None

    def class_score_scale(self, class_id: str) -> ScoreScale | None:
        """The score scale of a section: its grading tasks' score group as (value, lowest percent)."""
        i = self.section_index(class_id)
        if i is None:
            return None
        group = SCORE_GROUPS[i % 2]
        return ScoreScale(f"{class_id}-scale", SCORE_SCALE_TITLES[i % 2], ("letter", "proficiency")[i % 2],
                          class_id, str(FIRST_COURSE + self.course_of_section(i)),
                          self.school_org_id(self.school_of_section(i)),
                          tuple((g["score"], str(g["minPercent"])) for g in group))

    def score_scale_class(self, scale_id: str) -> str | None:
        """The section whose score scale this is (None for any other id)."""
        if not scale_id.endswith("-scale"):
            return None
        class_id = scale_id[:-len("-scale")]
        return class_id if self.section_index(class_id) is not None else None

    # -- what tests and generators pick from ------------------------------------------------

    def section(self, i: int) -> Section:
        terms = self.section_terms(i)
        return Section(
            sourced_id=self.section_id(i),
            index=i,
            school_id=self.school_org_id(self.school_of_section(i)),
            course_id=str(FIRST_COURSE + self.course_of_section(i)),
            term_ids=terms,
            grading_period_ids=tuple(q for t in terms for q in calendar.QUARTERS_OF[t]),
            teacher_ids=tuple(self.teacher_id(t) for t in self.section_teachers(i)),
            student_ids=tuple(self.student_id(self.seat_student(i, m)) for m in range(self.class_size)),
            grading_task_ids=tuple(self.grading_task_id(n) for n in self.grading_task_range(i)),
            status="tobedeleted" if self.retired(i, self.section_count) else "active",
        )

    def sections(self, *, active_only: bool = False) -> Iterator[Section]:
        """Every section in order (a generator: large districts have 40,000)."""
        for i in range(self.section_count):
            s = self.section(i)
            if not active_only or s.status == "active":
                yield s

    @staticmethod
    def grading_periods() -> list[calendar.Session]:
        return [s for s in calendar.SESSIONS if s.type == "gradingPeriod"]

    @staticmethod
    def terms() -> list[calendar.Session]:
        return [s for s in calendar.SESSIONS if s.type != "gradingPeriod"]

    def describe(self) -> dict:
        """Counts per collection, for logs and the CLI."""
        return {
            "size": self.size.name, "seed": self.seed, "schools": self.school_count,
            "courses": self.course_count, "classes": self.section_count, "users": self.user_count,
            "students": self.student_count, "teachers": self.teacher_count,
            "enrollments": self.enrollment_count, "gradingTaskLineItems": self.grading_task_count,
        }


class _Ids(Sequence):
    """A lazy, indexable list of ids (`ids[k]`, `len(ids)`, iteration)."""

    def __init__(self, make, count: int) -> None:
        self._make, self._count = make, count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(self._count))]
        if not -self._count <= k < self._count:
            raise IndexError(k)
        return self._make(k % self._count)

    def __iter__(self):
        return (self._make(k) for k in range(self._count))


def generate(size: str | DistrictSize, seed: int = 7) -> District:
    """A district of a named size (`tiny`, `small`, `medium`, `large`) or a custom DistrictSize."""
    if isinstance(size, str):
        if size not in SIZES:
            raise ValueError(f"unknown district size {size!r}: use one of {', '.join(SIZES)}")
        size = SIZES[size]
    return District(size, seed)
