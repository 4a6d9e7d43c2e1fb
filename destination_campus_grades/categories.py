"""Which Campus category an assessment's lineItem is filed under, per class (pure).

OneRoster 1.1's data model requires `lineItem.category`, and so does every strict 1.1 provider; 1.2
requires a real one. Campus files an assignment that arrives without one under its own placeholder
category (the teacher's "Uncategorized Assignments"), which its `/categories` serves. So an
assessment is always sent with a category, resolved in this order:

1. a category of the assessment's class whose title is the Otus category (compared without case
   or surrounding spaces): OneRoster 1.2 serves them per class (`/classes/{id}/categories`); on
   1.1 the class's categories are empty;
2. the Otus category's `category_map` entry;
3. the district's default (`default_category_id`);
4. the provider's own default category, read from its `/categories` (`provider_default`): the
   active category titled "Uncategorized..." (Campus's name for it), else the provider's only
   active category. Never on 1.2, where the placeholder is refused (the caller passes None).

None of them: `None`, and the caller reports `category_not_resolved` without a PUT. A category
chosen by 3 or 4 is a default: it is sent when Campus holds no category for the lineItem (a
create), and a category Campus holds (a teacher filed the assignment) is kept on update.
Nothing here reads the network: the caller hands the categories in (the roster snapshot reads
them once per sync).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Iterable, Mapping, Sequence

PLACEHOLDER_TITLE = "uncategorized"  # how Campus names the category of an LMS assignment nobody filed


class CategorySource(str, Enum):
    """Where a lineItem's category came from (for the report and for the diff)."""

    CLASS_TITLE = "class_title"
    CATEGORY_MAP = "category_map"
    DISTRICT_DEFAULT = "default_category_id"
    PROVIDER_DEFAULT = "provider_default"


@dataclass(frozen=True, slots=True)
class CampusCategory:
    """A category as the provider serves it."""

    sourced_id: str
    title: str


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    """The category one assessment is filed under in one class, and why."""

    sourced_id: str
    source: CategorySource

    @property
    def is_default(self) -> bool:
        """A default files what nobody filed: it never replaces a category Campus holds."""
        return self.source in (CategorySource.DISTRICT_DEFAULT, CategorySource.PROVIDER_DEFAULT)


def category_of(record: Mapping[str, Any]) -> CampusCategory | None:
    """A `/categories` record as a `CampusCategory`; None when it is deleted or has no id."""
    if record.get("status") == "tobedeleted" or not record.get("sourcedId"):
        return None
    return CampusCategory(str(record["sourcedId"]), str(record.get("title") or ""))


def provider_default(categories: Iterable[CampusCategory]) -> str | None:
    """The provider's own default category: the one titled "Uncategorized..." (Campus's
    placeholder), else the only category it serves; None when neither identifies one."""
    served = list(categories)
    named = [c for c in served if c.title.strip().casefold().startswith(PLACEHOLDER_TITLE)]
    if len(named) == 1:
        return named[0].sourced_id
    return served[0].sourced_id if len(served) == 1 else None


def resolve_category(otus_category: str | None, *, class_categories: Sequence[CampusCategory],
                     category_map: Mapping[str, str], district_default: str | None,
                     provider_default_id: str | None) -> CategoryChoice | None:
    """The category of one assessment in one class, in the module's order; None when none resolves."""
    if otus_category:
        wanted = otus_category.strip().casefold()
        titled = next((c for c in class_categories if c.title.strip().casefold() == wanted), None)
        if titled is not None:
            return CategoryChoice(titled.sourced_id, CategorySource.CLASS_TITLE)
        mapped = category_map.get(otus_category)
        if mapped:
            return CategoryChoice(mapped, CategorySource.CATEGORY_MAP)
    if district_default:
        return CategoryChoice(district_default, CategorySource.DISTRICT_DEFAULT)
    if provider_default_id:
        return CategoryChoice(provider_default_id, CategorySource.PROVIDER_DEFAULT)
    return None
