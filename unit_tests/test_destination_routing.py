"""`routing.py`: which role an incoming stream plays, decided in one place."""

from __future__ import annotations

import pytest

from destination_campus_grades.routing import RoutingError, StreamRoutes


def test_role_of_prefers_the_mapped_object_then_stream_roles_then_the_name() -> None:
    routes = StreamRoutes({"passback_scores_v": "scores", "grades": "scores"},
                          {"mapped_v": "grades", "scores": "lineItems"})
    assert routes.role_of("passback_scores_v") == "scores"
    assert routes.role_of("grades") == "scores"  # an entry wins over the name
    assert routes.role_of("assessments") == "assessments"
    assert routes.role_of("other") is None
    assert routes.role_of("mapped_v") == "grades"  # destination_object_name wins
    assert routes.role_of("scores") is None  # mapped onto an object this destination does not have
    assert "'lineItems', which is not one of this destination's objects" in routes.unmapped_detail("scores")


def test_a_catalog_of_scores_without_assessments_is_refused_before_any_record() -> None:
    with pytest.raises(RoutingError, match="no stream of this connection maps to assessments"):
        StreamRoutes({}, {}, ("scores", "grades")).check_catalog()
    with pytest.raises(RoutingError, match="map to none of assessments, scores, grades or teacher_group"):
        StreamRoutes({}, {}, ("users",)).check_catalog()
    StreamRoutes({"v": "assessments"}, {}, ("v", "scores")).check_catalog()
