"""Every setting of both specs can be entered in Airbyte's connector form.

The rules below are the form builder's, read from airbytehq/airbyte-platform's webapp:
`airbyte-webapp/src/core/form/schemaToFormBlock.ts` turns the connectionSpecification into form
blocks (a `oneOf` of objects sharing one `const` property → a selector; `type: array` with object
`items` → a list of sub-forms; `type: object` → a group built from `properties` only, so
`additionalProperties` is never shown; anything else → one control of `type`, or of `type[0]`), and
`.../ConnectorForm/components/Property/Control.tsx` picks the control (arrays of scalars → tag
input, `enum` → dropdown, `format: date|date-time` → date picker, numbers → number input). A
keyword the builder does not read (`anyOf`, `allOf`, `$ref`, `patternProperties`) is a setting
nobody can fill in.
"""

from __future__ import annotations

import logging
from typing import Any

import jsonschema
import pytest

from destination_campus_grades.destination import DestinationCampusGrades
from destination_campus_grades.spec import DestinationConfig
from source_campus_oneroster.source import SourceCampusOneroster
from source_campus_oneroster.spec import SourceConfig

SCALAR_TYPES = {"string", "integer", "number", "boolean"}
TAG_ITEM_TYPES = {"string", "integer", "number"}
UNREAD_KEYWORDS = ("anyOf", "allOf", "not", "$ref", "patternProperties", "if", "dependencies")


def form_problems(node: Any, path: str = "") -> list[str]:
    """Why the form cannot show or fill `node` (a property's schema), as `path: reason` lines."""
    if not isinstance(node, dict):
        return [f"{path}: a boolean schema renders as nothing"]
    problems = [f"{path}: the form ignores {keyword}" for keyword in UNREAD_KEYWORDS if keyword in node]
    if "oneOf" in node:
        return problems + _one_of_problems(node, path)
    kind = node.get("type")
    if isinstance(kind, list):
        return problems + [f"{path}: a list of types renders as its first, {kind[0]!r}"]
    if kind == "object":
        return problems + _object_problems(node, path)
    if kind == "array":
        return problems + _array_problems(node, path)
    if kind not in SCALAR_TYPES:
        return problems + [f"{path}: type {kind!r} has no control"]
    return problems


def _object_problems(node: dict, path: str) -> list[str]:
    properties = node.get("properties") or {}
    problems = []
    if not properties:
        problems.append(f"{path}: an object without properties renders as an empty group (a free-form map cannot be entered)")
    if isinstance(node.get("additionalProperties"), dict):
        problems.append(f"{path}: additionalProperties values are never shown")
    problems += [f"{path}: required {name!r} is not a property" for name in node.get("required", []) if name not in properties]
    orders = []
    for name, prop in properties.items():
        where = f"{path}.{name}" if path else name
        problems += [f"{where}: no {key}" for key in ("title", "description") if key not in prop and "const" not in prop]
        if not isinstance(prop.get("order"), int):
            problems.append(f"{where}: no integer order, so the form's field order is left to chance")
        else:
            orders.append(prop["order"])
        if prop.get("airbyte_hidden") and name in node.get("required", []) and "default" not in prop:
            problems.append(f"{where}: hidden, required and without a default: nobody can fill it in")
        problems += form_problems(prop, where)
    if len(orders) != len(set(orders)):
        problems.append(f"{path}: two properties share an order")
    return problems


def _array_problems(node: dict, path: str) -> list[str]:
    items = node.get("items")
    if not isinstance(items, dict):
        return [f"{path}: an array needs one items schema"]
    if items.get("type") == "object":
        return _object_problems(items, f"{path}[]")
    if "enum" in items or items.get("type") in TAG_ITEM_TYPES:
        return []
    return [f"{path}: items of type {items.get('type')!r} have no control"]


def _one_of_problems(node: dict, path: str) -> list[str]:
    variants = node["oneOf"]
    if not all(isinstance(v, dict) and v.get("type", node.get("type")) == "object" for v in variants):
        return [f"{path}: oneOf variants must be objects"]
    consts = [{name for name, prop in v.get("properties", {}).items() if "const" in prop} for v in variants]
    problems = [] if set.intersection(*consts) else [f"{path}: oneOf variants share no const property"]
    for variant in variants:
        problems += _object_problems(variant, f"{path}<{variant.get('title', '?')}>")
    return problems


def _spec(kind: str) -> dict:
    connector = {"source": SourceCampusOneroster, "destination": DestinationCampusGrades}[kind]()
    return connector.spec(logging.getLogger(kind)).connectionSpecification


@pytest.mark.parametrize("kind", ["source", "destination"])
def test_every_setting_has_a_control_in_the_connector_form(kind: str) -> None:
    spec = _spec(kind)
    assert spec["type"] == "object"
    assert form_problems(spec) == []


def test_the_check_finds_what_the_form_cannot_show() -> None:
    """The rules above reject the shapes the form really drops, so the test above can fail."""
    def spec_with(prop: dict) -> dict:
        return {"type": "object", "properties": {"setting": {"title": "S", "description": "d", "order": 0, **prop}}}

    free_form_map = spec_with({"type": "object", "additionalProperties": {"type": "string"}})
    assert any("free-form map" in p for p in form_problems(free_form_map))
    assert form_problems(spec_with({"anyOf": [{"type": "string"}, {"type": "integer"}]}))
    assert form_problems(spec_with({"type": "array", "items": {"type": "array", "items": {"type": "string"}}}))
    assert form_problems(spec_with({"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}}))
    assert form_problems({"type": "object", "properties": {"x": {"type": "string", "title": "X", "description": "d"}}})
    assert form_problems(spec_with({"type": "string"})) == []


def _as_the_form_fills_it(node: dict) -> Any:
    """A value for every property, of the shape the form's control produces: a list of filled
    sub-forms for an object array, a list of tags, the first variant of a oneOf, an example."""
    if "oneOf" in node:
        variant = node["oneOf"][0]
        return {name: _as_the_form_fills_it(prop) for name, prop in variant["properties"].items()}
    if node.get("type") == "object":
        return {name: _as_the_form_fills_it(prop) for name, prop in node["properties"].items()}
    if node.get("type") == "array" and node["items"].get("type") == "object":
        return [_as_the_form_fills_it(node["items"])]
    for source in ("const", "default"):
        if source in node:
            return node[source]
    if "examples" in node:
        return node["examples"][0]
    if "enum" in node:
        return node["enum"][0]
    return {"string": "t2001", "integer": node.get("minimum", 1), "number": 1.5, "boolean": True,
            "array": ["t2001"]}[node["type"]] if node.get("format") not in ("date", "date-time") else (
        "2026-08-17" if node["format"] == "date" else "2026-08-17T00:00:00Z")


@pytest.mark.parametrize(("kind", "model"), [("source", SourceConfig), ("destination", DestinationConfig)])
def test_a_config_filled_in_the_form_is_accepted(kind: str, model) -> None:
    """Every property filled the way its control fills it validates against the spec and the model
    the connector reads, with the example URLs swapped for loopback ones (a OneRoster 1.2 connection:
    the gradebook base URL is filled too, and it belongs to 1.2 only)."""
    spec = _spec(kind)
    config = _as_the_form_fills_it(spec)
    config["oneroster_version"] = "1.2"
    config["base_url"] = "http://127.0.0.1:1/ims/oneroster/rostering/v1p2"
    config["gradebook_base_url"] = "http://127.0.0.1:1/ims/oneroster/gradebook/v1p2"
    config["credentials"]["token_url"] = "http://127.0.0.1:1/token"
    jsonschema.validate(config, spec)
    model.model_validate(config)


def test_stream_roles_and_category_map_are_lists_of_named_fields() -> None:
    properties = _spec("destination")["properties"]
    roles = properties["stream_roles"]["items"]
    assert set(roles["properties"]) == {"stream", "role"} and roles["required"] == ["stream", "role"]
    assert roles["properties"]["role"]["enum"] == ["assessments", "scores", "grades", "teacher_group"]
    categories = properties["category_map"]["items"]
    assert set(categories["properties"]) == {"otus_category", "campus_category_id"}
    for prop in (properties["stream_roles"], properties["category_map"]):
        assert prop["examples"] and prop["default"] == []


def test_the_destination_requires_the_vendor_pair_its_check_requires() -> None:
    """The form builder shows a required block expanded and folds an optional one into a collapsed
    section (airbytehq/airbyte-platform, airbyte-webapp/src/views/Connector/ConnectorForm/components/
    Sections/useGroupsAndSections.tsx, `getDisplayType`: `isRequired` → "expanded", else collapsed). The destination's check probes the
    gradebook with the vendor header, which Campus requires, so the pair is required there, and
    only the source (roster-only use) leaves it optional."""
    destination, source = _spec("destination"), _spec("source")
    assert {"vendor_key", "vendor_secret"} <= set(destination["required"])
    assert not {"vendor_key", "vendor_secret"} & set(source["required"])
    for name in ("vendor_key", "vendor_secret"):
        prop = destination["properties"][name]
        assert prop["minLength"] == 1 and "Leave empty" not in prop["description"]
    assert destination["properties"]["vendor_secret"]["airbyte_secret"] is True
    with pytest.raises(ValueError, match="vendor_key"):
        DestinationConfig.model_validate({key: value for key, value in _FILLED.items() if key != "vendor_key"})


_FILLED = {"base_url": "http://127.0.0.1:1/x", "passback_start_date": "2026-08-17", "district_time_zone": "America/Chicago",
           "vendor_key": "vendor-key", "vendor_secret": "vendor-secret",
           "credentials": {"auth_type": "oauth2_client_credentials", "token_url": "http://127.0.0.1:1/t",
                           "client_id": "key", "client_secret": "secret-value"}}


def _destination_config(**settings: Any) -> DestinationConfig:
    return DestinationConfig.model_validate({**_FILLED, **settings})


def test_two_entries_for_one_name_are_refused_by_name() -> None:
    with pytest.raises(ValueError, match="stream_roles has two entries for stream 'v'"):
        _destination_config(stream_roles=[{"stream": "v", "role": "scores"}, {"stream": "v", "role": "grades"}])
    with pytest.raises(ValueError, match="category_map has two entries for otus_category 'Quiz'"):
        _destination_config(category_map=[{"otus_category": "Quiz", "campus_category_id": "1"},
                                          {"otus_category": "Quiz", "campus_category_id": "2"}])
    config = _destination_config(category_map=[{"otus_category": "Quiz", "campus_category_id": "c1"}])
    assert config.campus_categories == {"Quiz": "c1"}
