"""Record sets: collections whose records are built on demand from an index.

A large district holds a million enrollments; storing them as dicts would cost gigabytes. A
RecordSet instead knows how many records it has, how to build record `i`, and how to find an
index from a sourcedId, so the server materialises only the page it is serving. `accessor`
gives a field's value without building the whole record, which makes filters and sorts on a
million records affordable. The biggest collection (enrollments) renders its JSON text directly
(`render_page`): a page of 50,000 costs a third less than building dicts and encoding them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class RecordSet:
    """A OneRoster collection of `size` records built by `build(i)`.

    `wrapper` is the plural key a collection response uses (`users`), `singular` the key of a
    one-object response (`user`), `fields` the top-level fields filter/sort/fields may name.
    """

    wrapper: str
    singular: str
    fields: frozenset[str]
    size: Callable[[], int]
    build_page: Callable[[Sequence[int]], list[dict]]
    locate: Callable[[str], int | None]
    accessors: dict[str, Callable[[int], Any]] = field(default_factory=dict)  # a GUIDRef field may give its id
    render_page: Callable[[Sequence[int]], bytes] | None = None

    def __len__(self) -> int:
        return self.size()

    def record(self, i: int) -> dict:
        """Record `i` as a fresh dict (callers may mutate it)."""
        return self.build_page((i,))[0]

    def page(self, indexes: Sequence[int]) -> list[dict]:
        """The records at `indexes`, in order; page builders share work between neighbours."""
        return self.build_page(indexes)

    def page_json(self, indexes: Sequence[int]) -> bytes:
        """The records at `indexes` as a JSON array; collections that render text directly skip dicts."""
        if self.render_page is not None:
            return self.render_page(indexes)
        return orjson.dumps(self.build_page(indexes))

    def find(self, sourced_id: str) -> int | None:
        """Index of the record with this sourcedId, or None."""
        return self.locate(sourced_id)

    def accessor(self, name: str) -> Callable[[int], Any]:
        """A function index → value of field `name`; builds the record when no shortcut exists."""
        fast = self.accessors.get(name)
        if fast is not None:
            return fast
        return lambda i: self.record(i).get(name)


def per_record(build: Callable[[int], dict]) -> Callable[[Sequence[int]], list[dict]]:
    """A page builder for collections whose records are built one at a time."""
    return lambda indexes: [build(i) for i in indexes]


def index_locator(prefix: str, first: int, count: Callable[[], int]) -> Callable[[str], int | None]:
    """A locate() for ids of the form `<prefix><first + i>`, e.g. `s100001` for student 0."""

    def locate(sourced_id: str) -> int | None:
        if not sourced_id.startswith(prefix):
            return None
        digits = sourced_id[len(prefix):]
        if not digits.isdigit() or (len(digits) > 1 and digits[0] == "0"):
            return None
        i = int(digits) - first
        return i if 0 <= i < count() else None

    return locate


def table_locator(ids: Sequence[str]) -> Callable[[str], int | None]:
    """A locate() over an explicit list of ids (small collections)."""
    positions = {sid: i for i, sid in enumerate(ids)}
    return positions.get
