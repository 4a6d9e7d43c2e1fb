"""The 1.2 mode's arithmetic without HTTP: user ids between versions, Campus's per-class categories
and score scales found by id, and held dates presented as 1.2's UTC date-times."""

from datetime import datetime, timedelta, timezone

from hypothesis import given, strategies as st

from campus_sandbox.district import generate
from campus_sandbox.v1p2 import class_categories, score_scales, utc_date_time

SMALL = generate("small")


@given(st.text(alphabet="0123456789ast", max_size=8))
def test_any_text_maps_to_a_1_1_user_only_if_it_is_one(text):
    id_11 = SMALL.user_id_11(text)
    if id_11 is None:
        assert SMALL.user_index_12(text) is None
    else:
        assert SMALL.user_index(id_11) is not None and SMALL.user_id_12(id_11) == text


@given(st.integers(min_value=0, max_value=SMALL.user_count - 1))
def test_every_user_round_trips_between_versions(u):
    id_11 = SMALL.user_id(u)
    assert SMALL.user_index_12(SMALL.user_id_12(id_11)) == u
    assert SMALL.user_id_11(SMALL.user_id_12(id_11)) == id_11


def test_every_campus_category_and_score_scale_is_found_by_its_id():
    categories = class_categories(SMALL)
    assert len(categories) == sum(len(SMALL.class_categories(s.sourced_id)) for s in SMALL.sections())
    for n in range(len(categories)):
        record = categories.record(n)
        assert categories.find(record["sourcedId"]) == n
        assert SMALL.category_class(record["sourcedId"]) is not None
    scales = score_scales(SMALL)
    assert [scales.find(scales.record(i)["sourcedId"]) for i in range(len(scales))] == list(range(SMALL.section_count))
    assert categories.find("100000-cat9") is None and scales.find("100000-scales") is None


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
       st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_held_date_times_are_served_as_the_same_instant_in_utc(moment, offset_minutes):
    held = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes))).isoformat()
    served = utc_date_time(held)
    assert served.endswith("Z")
    assert abs(datetime.fromisoformat(served.replace("Z", "+00:00")) - datetime.fromisoformat(held)) < timedelta(
        milliseconds=1)
    assert utc_date_time(held[:10]) == held[:10] + "T00:00:00Z"
