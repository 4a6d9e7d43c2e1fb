"""The gradebook the sandbox holds: Campus's own grading-task lineItems plus what vendors wrote.

Grading-task lineItems are derived from the district (never stored); categories, vendor
lineItems and results live in dicts guarded by one lock, with per-class and per-lineItem
indexes so nested reads (`/classes/{id}/results`) cost the size of the answer, not the store.
In strict mode every PUT body is first held to the 1.1 data model (`strict.py`), and what is
stored (so served) has no `null` values; grading tasks carry date-times.

What is held does not depend on the OneRoster version that wrote it (users by their 1.1 ids), so
the same gradebook can be served on 1.1 and then on 1.2: a 1.2 router passes `present` functions
(`v1p2.present_result`, `present_line_item`) to the views, and writes with `v1p2=True`.
"""

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from campus_sandbox import calendar, receiving, strict as strict_model
from campus_sandbox.district import SCORE_GROUPS, District, iso_instant
from campus_sandbox.records import RecordSet
from campus_sandbox.roster import BASE_FIELDS, ref

LINE_ITEM_FIELDS = BASE_FIELDS | {"title", "description", "assignDate", "dueDate", "class", "category",
                                  "gradingPeriod", "resultValueMin", "resultValueMax"}
LINE_ITEM_FIELDS_12 = frozenset({"school", "scoreScale", "academicSession", "learningObjectiveSet"})
RESULT_FIELDS = BASE_FIELDS | {"lineItem", "student", "scoreStatus", "score", "scoreDate", "comment"}
RESULT_FIELDS_12 = frozenset({"textScore", "class", "scoreScale", "inProgress", "incomplete", "late", "missing",
                              "learningObjectiveSet"})
CATEGORY_FIELDS = BASE_FIELDS | {"title"}
_SEED_CATEGORIES = ((receiving.PLACEHOLDER_CATEGORY_ID, "Uncategorized (Campus placeholder)"),
                    (receiving.GRADING_TASK_CATEGORY_ID, "Campus grading tasks"))


def _now() -> str:
    return iso_instant(datetime.now(timezone.utc))


Present = Callable[[dict], dict]  # a held record (a fresh copy) → the record a version serves


def _copy(record: dict) -> dict:
    return dict(record)


def _listed(wrapper: str, singular: str, fields: frozenset[str], items: list[dict],
            present: Present | None = None) -> RecordSet:
    """A RecordSet over a snapshot list of stored records (copies handed out, never the originals)."""
    positions = {r["sourcedId"]: i for i, r in enumerate(items)}
    if present is None:
        return RecordSet(wrapper, singular, fields, lambda: len(items),
                         lambda indexes: [dict(items[i]) for i in indexes], positions.get)
    return RecordSet(wrapper, singular, fields, lambda: len(items),
                     lambda indexes: [present(dict(items[i])) for i in indexes], positions.get)


class Gradebook:
    """Thread-safe gradebook state. `line_items`, `results`, `categories` map sourcedId → record
    (vendor-written objects; grading-task lineItems come from the district)."""

    def __init__(self, district: District, *, percent_key: str, keep_vendor_metadata: bool = True,
                 strict: bool = False, letter_key: str | None = None) -> None:
        self.district = district
        self.percent_key = percent_key
        self.keep_vendor_metadata = keep_vendor_metadata
        self.strict = strict
        self.letter_key = letter_key
        self.lock = threading.RLock()
        self.version = 0
        stamp = district.stamps[0]
        self.categories: dict[str, dict] = {
            cid: {"sourcedId": cid, "status": "active", "dateLastModified": stamp, "metadata": {}, "title": title}
            for cid, title in _SEED_CATEGORIES}
        self.line_items: dict[str, dict] = {}
        self.results: dict[str, dict] = {}
        self.closed_windows: set[str] = set(calendar.CLOSED_AT_START)
        self._items_by_class: dict[str, dict[str, None]] = {}
        self._class_of_item: dict[str, str] = {}  # the class a lineItem was stored under (a test may edit the record)
        self._results_by_item: dict[str, dict[str, None]] = {}
        self._results_by_class: dict[str, dict[str, None]] = {}
        self._result_class: dict[str, str] = {}
        self.native = self._grading_tasks()

    def set_strict(self, strict: bool) -> None:
        """Hold later writes to the data model (or not), and serve grading tasks accordingly: what a
        sandbox switching OneRoster version does (`CampusSandbox.switch_version`)."""
        with self.lock:
            self.strict = strict
            self.native = self._grading_tasks()
            self.version += 1

    # -- Campus grading tasks --------------------------------------------------------------

    def _grading_tasks(self) -> RecordSet:
        d = self.district
        # Campus serves bare days here; a strict provider, 1.1's date-times
        day = (lambda when: f"{when.isoformat()}T00:00:00Z") if self.strict else (lambda when: when.isoformat())

        def build(n: int) -> dict:
            i, quarter = d.grading_task(n)
            q = calendar.SESSION_BY_ID[quarter]
            return {
                "sourcedId": d.grading_task_id(n), "status": "active", "dateLastModified": d.stamp(8, n),
                "metadata": {"ic": {"gradingTask": True, "gradingTaskId": "1", "taskName": "Quarter Grade",
                                    "scoreGroup": [dict(g) for g in SCORE_GROUPS[i % 2]]}},
                "title": f"Quarter Grade {q.title}", "description": "Campus grading task",
                "assignDate": day(q.start), "dueDate": day(q.end),
                "class": ref("classes", d.section_id(i)),
                "category": ref("categories", receiving.GRADING_TASK_CATEGORY_ID),
                "gradingPeriod": ref("academicSessions", quarter), "resultValueMin": 0.0, "resultValueMax": 100.0,
            }

        return RecordSet("lineItems", "lineItem", LINE_ITEM_FIELDS, lambda: d.grading_task_count,
                         lambda indexes: [build(n) for n in indexes], d.grading_task_index)

    def window_closed(self, grading_period_id: str, line_item_id: str) -> bool:
        with self.lock:
            return grading_period_id in self.closed_windows or line_item_id in self.closed_windows

    def set_grading_window(self, grading_period_or_task_id: str, open_: bool) -> None:
        with self.lock:
            if open_:
                self.closed_windows.discard(grading_period_or_task_id)
            else:
                self.closed_windows.add(grading_period_or_task_id)

    # -- reads -------------------------------------------------------------------------------

    def line_item(self, sourced_id: str, present: Present | None = None) -> dict | None:
        """A lineItem by id, vendor-written or Campus grading task."""
        present = present or _copy
        with self.lock:
            held = self.line_items.get(sourced_id)
            if held is not None:
                return present(dict(held))
        n = self.native.find(sourced_id)
        return None if n is None else present(self.native.record(n))

    def line_items_view(self, class_id: str | None = None, *, sections: range | None = None,
                        present: Present | None = None) -> tuple[RecordSet, Sequence[int]]:
        """All lineItems, one class's, or those of a run of sections (a school's): grading tasks
        first, then vendor lineItems."""
        d = self.district
        with self.lock:
            if sections is not None:
                ids = (d.section_id(i) for i in sections)
                written = [self.line_items[k] for c in ids for k in self._items_by_class.get(c, ())]
                natives: Sequence[int] = range(
                    d.grading_task_range(sections.start).start if sections else 0,
                    d.grading_task_range(sections.stop - 1).stop if sections else 0)
            elif class_id is None:
                written = list(self.line_items.values())
                natives = range(d.grading_task_count)
            else:
                written = [self.line_items[k] for k in self._items_by_class.get(class_id, ())]
                i = d.section_index(class_id)
                natives = d.grading_task_range(i) if i is not None else range(0)
        native_count = len(self.native)
        native = self.native
        present = present or _copy

        def build_page(indexes: Sequence[int]) -> list[dict]:
            if present is _copy:
                return [native.record(n) if n < native_count else dict(written[n - native_count]) for n in indexes]
            return [present(native.record(n) if n < native_count else dict(written[n - native_count]))
                    for n in indexes]

        positions = {r["sourcedId"]: native_count + p for p, r in enumerate(written)}

        def locate(sourced_id: str) -> int | None:
            return positions.get(sourced_id, native.find(sourced_id))

        fields = LINE_ITEM_FIELDS if present is _copy else LINE_ITEM_FIELDS | LINE_ITEM_FIELDS_12  # 1.2's fields
        records = RecordSet("lineItems", "lineItem", fields, lambda: native_count + len(written), build_page, locate)
        return records, _Concat(natives, range(native_count, native_count + len(written)))

    def results_view(self, *, class_id: str | None = None, line_item_id: str | None = None,
                     student_id: str | None = None, present: Present | None = None) -> RecordSet:
        """Results, all or of one lineItem / class / student (by 1.1 id) in a class (a snapshot)."""
        with self.lock:
            if line_item_id is not None:
                ids = self._results_by_item.get(line_item_id, {})
            elif class_id is not None:
                ids = self._results_by_class.get(class_id, {})
            else:
                ids = self.results
            items = [self.results[r] for r in ids
                     if class_id is None or self._result_class.get(r) == class_id]
        if student_id is not None:
            items = [r for r in items if r["student"]["sourcedId"] == student_id]
        fields = RESULT_FIELDS if present is None else RESULT_FIELDS | RESULT_FIELDS_12  # presented: 1.2's fields
        return _listed("results", "result", fields, items, present)

    def result(self, sourced_id: str, present: Present | None = None) -> dict | None:
        with self.lock:
            held = self.results.get(sourced_id)
            return None if held is None else (present or _copy)(dict(held))

    def categories_view(self, *, hidden: frozenset[str] = frozenset()) -> RecordSet:
        """The categories written (and Campus's seeded ones), without the `hidden` ids."""
        with self.lock:
            return _listed("categories", "category", CATEGORY_FIELDS,
                           [c for k, c in self.categories.items() if k not in hidden])

    # -- writes ------------------------------------------------------------------------------

    def put_category(self, sourced_id: str, body: dict, *, v1p2: bool = False) -> tuple[bool, dict]:
        if self.strict:
            strict_model.check_body("category", sourced_id, body, v1p2=v1p2)
        record = receiving.check_category(sourced_id, body,
                                          campus_class=self.district.category_class(sourced_id) if v1p2 else None)
        return self._store(self.categories, sourced_id, record)

    def put_line_item(self, sourced_id: str, body: dict, *, v1p2: bool = False) -> tuple[bool, dict]:
        if self.strict:
            strict_model.check_body("lineItem", sourced_id, body, v1p2=v1p2)
        record = receiving.check_line_item(
            self.district, sourced_id, body, category_exists=self._category_exists, window_closed=self.window_closed,
            title_holder=self._title_holder, v1p2=v1p2)
        with self.lock:
            self._items_by_class.get(self._class_of_item.get(sourced_id), {}).pop(sourced_id, None)
            self._class_of_item[sourced_id] = record["class"]["sourcedId"]
            self._items_by_class.setdefault(record["class"]["sourcedId"], {})[sourced_id] = None
            return self._store(self.line_items, sourced_id, record)

    def put_result(self, sourced_id: str, body: dict, *, v1p2: bool = False) -> tuple[bool, dict]:
        if self.strict:
            item = body.get("lineItem")
            on_task = isinstance(item, dict) and self.district.grading_task_index(str(item.get("sourcedId"))) is not None
            strict_model.check_body("result", sourced_id, body, v1p2=v1p2,
                                    letter_in_score=on_task and self.letter_key is None and not v1p2)
        record = receiving.check_result(self.district, sourced_id, body, line_item=self.line_item,
                                        window_closed=self.window_closed, percent_key=self.percent_key,
                                        letter_key=self.letter_key, v1p2=v1p2)
        class_id = self.line_item(record["lineItem"]["sourcedId"])["class"]["sourcedId"]
        with self.lock:
            self._unindex_result(sourced_id)
            self._results_by_item.setdefault(record["lineItem"]["sourcedId"], {})[sourced_id] = None
            self._results_by_class.setdefault(class_id, {})[sourced_id] = None
            self._result_class[sourced_id] = class_id
            return self._store(self.results, sourced_id, record)

    def delete_category(self, sourced_id: str) -> bool:
        with self.lock:
            return self._drop(self.categories, sourced_id)

    def delete_line_item(self, sourced_id: str) -> bool:
        """Removes a vendor lineItem and its results (assumed: Campus's DELETE is undocumented)."""
        with self.lock:
            old = self.line_items.get(sourced_id)
            if old is None:
                return False
            self._items_by_class.get(self._class_of_item.pop(sourced_id, None), {}).pop(sourced_id, None)
            for result_id in list(self._results_by_item.get(sourced_id, ())):
                self.delete_result(result_id)
            return self._drop(self.line_items, sourced_id)

    def delete_result(self, sourced_id: str) -> bool:
        with self.lock:
            self._unindex_result(sourced_id)
            return self._drop(self.results, sourced_id)

    # -- a teacher working in Campus's gradebook ---------------------------------------------

    def edit_as_teacher(self, sourced_id: str, changes: dict, *, metadata_survives: bool = True) -> dict:
        """Change a stored result or lineItem the way a teacher does in Campus's own gradebook.

        No receiving rule applies (Campus's UI is not OneRoster); `dateLastModified` becomes now.
        `metadata_survives=False` plays a Campus that rebuilds the object's metadata when a teacher
        saves it: the vendor's keys (a passback fingerprint) are gone afterwards.
        """
        with self.lock:
            table = self.results if sourced_id in self.results else self.line_items
            if sourced_id not in table:
                raise KeyError(f"no vendor-written result or lineItem {sourced_id} to edit")
            record = {**table[sourced_id], **changes}
            if not metadata_survives:
                record["metadata"] = {}
            return self._store(table, sourced_id, record)[1]

    def delete_as_teacher(self, sourced_id: str, *, soft: bool = True) -> None:
        """A teacher deletes a score in Campus: served as `tobedeleted` (OneRoster's soft delete),
        or, with `soft=False`, gone from every read."""
        with self.lock:
            if sourced_id not in self.results:
                raise KeyError(f"no result {sourced_id} to delete")
            if soft:
                self._store(self.results, sourced_id, {**self.results[sourced_id], "status": "tobedeleted"})
            else:
                self.delete_result(sourced_id)

    def _title_holder(self, class_id: str, title: str, sourced_id: str) -> str | None:
        """Another lineItem of the class (grading tasks included) with the same title, if any."""
        records, indexes = self.line_items_view(class_id)
        for held in records.page(indexes):
            if held["sourcedId"] != sourced_id and receiving.same_title(str(held.get("title", "")), title):
                return held["sourcedId"]
        return None

    def _category_exists(self, sourced_id: str) -> bool:
        with self.lock:
            return sourced_id in self.categories

    def _unindex_result(self, sourced_id: str) -> None:
        old = self.results.get(sourced_id)
        if old is None:
            return
        item_id = old["lineItem"]["sourcedId"]
        self._results_by_item.get(item_id, {}).pop(sourced_id, None)
        self._results_by_class.get(self._result_class.pop(sourced_id, ""), {}).pop(sourced_id, None)

    def _store(self, table: dict[str, dict], sourced_id: str, record: dict) -> tuple[bool, dict]:
        """Store a record stamped now; (created, stored copy). A provider that does not keep vendor
        metadata keeps only what it reads itself (a result's percent)."""
        record = {**record, "dateLastModified": _now()}
        record.setdefault("metadata", {})
        if not self.keep_vendor_metadata:
            record["metadata"] = {k: v for k, v in record["metadata"].items()
                                  if table is self.results and k == self.percent_key}
        if self.strict:
            record = {k: v for k, v in record.items() if v is not None}
            record["metadata"] = {k: v for k, v in record["metadata"].items() if v is not None}
        with self.lock:
            created = sourced_id not in table
            table[sourced_id] = record
            self.version += 1
        return created, dict(record)

    def _drop(self, table: dict[str, dict], sourced_id: str) -> bool:
        with self.lock:
            if table.pop(sourced_id, None) is None:
                return False
            self.version += 1
            return True


class _Concat(Sequence):
    """Two index ranges read as one sequence (grading tasks then vendor lineItems)."""

    def __init__(self, first: Sequence[int], second: Sequence[int]) -> None:
        self._first, self._second = first, second

    def __len__(self) -> int:
        return len(self._first) + len(self._second)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        n = len(self._first)
        if k < 0:
            k += len(self)
        return self._first[k] if k < n else self._second[k - n]
