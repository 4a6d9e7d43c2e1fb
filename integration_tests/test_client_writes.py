"""PUT and DELETE semantics, and refusals decoded with the provider's own words, method and path."""

import pytest

from campus_oneroster.client import OneRosterClient
from campus_oneroster.config import ConnectionConfig
from campus_oneroster.errors import InvalidDataError, NotFoundError


def client_for(sandbox, auth: str = "oauth2") -> OneRosterClient:
    raw = sandbox.connection_config(auth=auth, retry_base_seconds=0.01, max_retries=2)
    return OneRosterClient(ConnectionConfig.model_validate(raw))


def category(sourced_id: str, title: str) -> dict:
    return {"sourcedId": sourced_id, "status": "active", "title": title, "dateLastModified": "2026-09-01T00:00:00Z"}


@pytest.mark.parametrize("auth", ["oauth2", "oauth1"])
def test_put_creates_then_updates_and_delete_reports_whether_anything_was_there(sandbox, auth):
    with client_for(sandbox, auth) as client:
        created = client.put("/categories/writes-quizzes", "category", category("writes-quizzes", "Quizzes"))
        updated = client.put("/categories/writes-quizzes", "category", category("writes-quizzes", "Quizzes (20%)"))
        stored = client.get("/categories/writes-quizzes")
        assert client.delete("/categories/writes-quizzes") is True
        assert client.delete("/categories/writes-quizzes") is False
        with pytest.raises(NotFoundError) as caught:
            client.get("/categories/writes-quizzes")
    assert (created.status, created.created, updated.status, updated.created) == (201, True, 200, False)
    assert stored["title"] == "Quizzes (20%)"
    error = caught.value
    assert (error.method, error.path, error.status, error.code_minor) == ("GET", "/categories/writes-quizzes", 404,
                                                                          "unknownobject")
    assert error.description and error.description in str(error)


def test_a_refused_line_item_carries_campus_reason_method_and_path(sandbox):
    with client_for(sandbox) as client:
        section = next(client.iter_records("/classes"))
        line_item = {"sourcedId": "writes-bad-range", "status": "active", "title": "Unit test",
                     "assignDate": "2026-09-01", "dueDate": "2026-09-08",
                     "class": {"sourcedId": section["sourcedId"]},
                     "resultValueMin": 10, "resultValueMax": 0}
        with pytest.raises(InvalidDataError) as caught:
            client.put("/lineItems/writes-bad-range", "lineItem", line_item)
    error = caught.value
    assert (error.method, error.path, error.status, error.transient) == ("PUT", "/lineItems/writes-bad-range", 422,
                                                                         False)
    assert "resultValueMin 10 is above resultValueMax 0" in error.description
    assert str(error).startswith("PUT /lineItems/writes-bad-range (HTTP 422, invaliddata): ")


def test_ids_with_spaces_and_accents_are_escaped_in_the_path(sandbox):
    with client_for(sandbox, "oauth1") as client:
        created = client.put("/categories/Prüfung 1", "category", category("Prüfung 1", "Prüfungen"))
        assert created.created and client.get("/categories/Prüfung 1")["title"] == "Prüfungen"
        with pytest.raises(NotFoundError) as caught:
            client.get("/classes/no such cläss")
    assert caught.value.path == "/classes/no%20such%20cl%C3%A4ss"
