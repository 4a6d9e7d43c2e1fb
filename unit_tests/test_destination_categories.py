"""Category resolution (`categories.py`), pure: the order of the sources, the provider's default
read from its categories, and how a default meets what Campus holds in the three-way diff."""

from __future__ import annotations

import pytest

from destination_campus_grades.categories import (
    CampusCategory, CategoryChoice, CategorySource, category_of, provider_default, resolve_category,
)
from destination_campus_grades.diff import Change, reconcile
from destination_campus_grades.district_days import DistrictCalendar, time_zone

CHICAGO = DistrictCalendar(time_zone("America/Chicago"))
CAMPUS = (CampusCategory("11111111-1111-1111-1111-111111111111", "Uncategorized (Campus placeholder)"),
          CampusCategory("00000000-0000-0000-0000-000000000000", "Campus grading tasks"))
CLASS = (CampusCategory("c-quiz", " quizzes "), CampusCategory("c-hw", "Homework"))


@pytest.mark.parametrize(("otus", "class_categories", "mapped", "district", "provider", "expected"), [
    ("Quizzes", CLASS, {"Quizzes": "m-1"}, "d-1", "p-1", ("c-quiz", CategorySource.CLASS_TITLE)),
    ("Quizzes", (), {"Quizzes": "m-1"}, "d-1", "p-1", ("m-1", CategorySource.CATEGORY_MAP)),
    ("Labs", CLASS, {"Quizzes": "m-1"}, "d-1", "p-1", ("d-1", CategorySource.DISTRICT_DEFAULT)),
    (None, CLASS, {}, None, "p-1", ("p-1", CategorySource.PROVIDER_DEFAULT)),
    ("Labs", (), {}, None, None, None),
])
def test_the_first_source_that_knows_the_category_wins(otus, class_categories, mapped, district, provider,
                                                       expected) -> None:
    choice = resolve_category(otus, class_categories=class_categories, category_map=mapped,
                              district_default=district, provider_default_id=provider)
    assert (None if choice is None else (choice.sourced_id, choice.source)) == expected


def test_the_provider_default_is_its_uncategorized_category_or_its_only_one() -> None:
    assert provider_default(CAMPUS) == CAMPUS[0].sourced_id
    assert provider_default(CAMPUS[1:]) == CAMPUS[1].sourced_id  # Campus 1.1 may serve only its one category
    assert provider_default(CLASS) is None  # several, none of them the placeholder: no guess
    assert provider_default(()) is None
    assert category_of({"sourcedId": "x", "status": "tobedeleted", "title": "Uncategorized"}) is None
    assert category_of({"sourcedId": "x", "status": "active", "title": "Quizzes"}) == CampusCategory("x", "Quizzes")


def test_a_default_category_files_a_new_line_item_and_never_moves_a_teachers() -> None:
    """A default is sent on a create; on an update the category Campus holds (a teacher filed the
    assignment in Campus) stays, and a default alone is never a reason to write."""
    default = {"category": {"href": "h", "sourcedId": "p-1", "type": "category"}}
    body = {"sourcedId": "li", "status": "active", "title": "Quiz", "resultValueMax": 10.0}
    assert reconcile(body, None, CHICAGO, percent_key=None, defaults=default).body["category"]["sourcedId"] == "p-1"
    filed = {**body, "category": {"sourcedId": "teachers-own"}}
    assert reconcile(body, filed, CHICAGO, percent_key=None, defaults=default).change is Change.UNCHANGED
    retitled = reconcile({**body, "title": "Quiz 2"}, filed, CHICAGO, percent_key=None, defaults=default)
    assert retitled.change is Change.UPDATE and retitled.body["category"] == {"sourcedId": "teachers-own"}
    assert CategoryChoice("p-1", CategorySource.PROVIDER_DEFAULT).is_default
    assert not CategoryChoice("m-1", CategorySource.CATEGORY_MAP).is_default
