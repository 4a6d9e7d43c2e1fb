"""A pydantic config model → the Airbyte connector specification its UI renders.

Pydantic's JSON schema is close but not what Airbyte's form builder reads: it uses `$ref`/`$defs`
(the UI wants them inlined), a `discriminator` object next to `oneOf`, `anyOf [X, null]` for
optional fields, and `format: password` for secrets. This rewrites those shapes once so both
connectors' specs come from their models and never drift from the values the code reads.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

JSON_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#"
DROPPED_KEYS = ("discriminator", "writeOnly")


def airbyte_spec(model: type[BaseModel], documentation_url: str, **extra: Any) -> dict:
    """The ConnectorSpecification dict for `model`; `extra` adds top-level keys
    (e.g. `supported_destination_sync_modes=["append"]`)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})
    connection = _airbyte_shape(_inline(schema, definitions))
    connection.pop("description", None)
    connection = {"$schema": JSON_SCHEMA_DRAFT, **connection}
    connection.setdefault("required", [])
    connection["additionalProperties"] = True
    return {"documentationUrl": documentation_url, "connectionSpecification": connection, **extra}


def _inline(node: Any, definitions: dict) -> Any:
    """Replace every `$ref` to `#/$defs/X` by a copy of X, keeping the referring node's own keys."""
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = definitions[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**copy.deepcopy(target), **{key: value for key, value in node.items() if key != "$ref"}}
        return _inline(merged, definitions)
    return {key: _inline(value, definitions) for key, value in node.items()}


def _airbyte_shape(node: Any) -> Any:
    """Rewrite pydantic idioms into the ones Airbyte's UI and secret filter understand."""
    if isinstance(node, list):
        return [_airbyte_shape(item) for item in node]
    if not isinstance(node, dict):
        return node
    variants = node.get("anyOf")
    if isinstance(variants, list):
        non_null = [variant for variant in variants if variant != {"type": "null"}]
        if len(non_null) == 1 and len(non_null) < len(variants):
            node = {**non_null[0], **{key: value for key, value in node.items() if key != "anyOf"}}
            if node.get("default", "") is None:
                node.pop("default")
    node = {key: value for key, value in node.items() if key not in DROPPED_KEYS}
    if node.get("airbyte_secret") and node.get("format") == "password":
        node.pop("format")
    if isinstance(node.get("oneOf"), list):
        node.setdefault("type", "object")
        node["oneOf"] = [_with_const_default(variant) for variant in node["oneOf"]]
    return {key: _airbyte_shape(value) for key, value in node.items()}


def _with_const_default(variant: Any) -> Any:
    """A oneOf variant whose discriminator shows as a fixed, pre-filled, required value in the UI."""
    if not isinstance(variant, dict):
        return variant
    for name, prop in variant.get("properties", {}).items():
        if isinstance(prop, dict) and "const" in prop:
            prop.setdefault("default", prop["const"])
            required = variant.setdefault("required", [])
            if name not in required:
                required.insert(0, name)
    return variant
