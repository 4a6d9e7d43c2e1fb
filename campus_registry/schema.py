"""The registry's rules for what we publish, as JSON schemas the entries and metadata are checked against.

Written from the registry's own schema files (not copied: the fields we publish, with the types,
required lists and patterns those files state):

- `releases` in metadata.yaml: airbytehq/airbyte,
  airbyte-ci/connectors/metadata_service/lib/metadata_service/models/src/ConnectorBreakingChanges.yaml
  (version keys `^\\d+\\.\\d+\\.\\d+$`; an entry has `upgradeDeadline` (a date) and `message`, may have
  `migrationDocumentationUrl` and `scopedImpact`, nothing else; a scope is
  `{scopeType: stream, impactedScopes: [stream, ...]}`) and ConnectorReleases.yaml (`breakingChanges`
  required, a release-wide `migrationDocumentationUrl`).
- a registry entry, as the platform reads it: airbytehq/airbyte-platform,
  airbyte-config/config-models/src/main/resources/types/ConnectorRegistrySourceDefinition.yaml and
  ConnectorRegistryDestinationDefinition.yaml (required: the definition id, `name`,
  `dockerRepository`, `dockerImageTag`, `documentationUrl`, `spec`; `sourceType` one of api, file,
  database, custom; `supportsRefreshes` and `supportsDataActivation` booleans), their `releases`
  (ConnectorReleasesSource.yaml / ConnectorReleasesDestination.yaml → BreakingChanges.yaml →
  VersionBreakingChange.yaml: `upgradeDeadline`, `message` and `migrationDocumentationUrl` all
  required; BreakingChangeScope.yaml: `scopeType` in [stream], `impactedScopes` at least one), and
  ConnectorRegistry.yaml (`sources` and `destinations` arrays).
"""

from __future__ import annotations

from typing import Any, Mapping

from jsonschema import Draft7Validator, FormatChecker

VERSION_KEY = r"^\d+\.\d+\.\d+$"
URL = {"type": "string", "pattern": r"^https?://\S+$"}
SCOPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["scopeType", "impactedScopes"],
    "properties": {
        "scopeType": {"const": "stream"},
        "impactedScopes": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    },
}


def _breaking_change(*, registry: bool) -> dict[str, Any]:
    """One version's entry: the metadata file's (strict) or the registry entry's (the platform's)."""
    return {
        "type": "object",
        "additionalProperties": registry,  # the metadata file allows nothing else; the platform ignores extras
        "required": ["upgradeDeadline", "message", *(["migrationDocumentationUrl"] if registry else [])],
        "properties": {
            "upgradeDeadline": {"type": "string", "format": "date"},
            "message": {"type": "string", "minLength": 1},
            "migrationDocumentationUrl": URL,
            "scopedImpact": {"type": "array", "minItems": 1, "items": SCOPE},
        },
    }


METADATA_RELEASES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["breakingChanges"],
    "properties": {
        "migrationDocumentationUrl": URL,
        "breakingChanges": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": False,
            "patternProperties": {VERSION_KEY: _breaking_change(registry=False)},
        },
    },
}

_REGISTRY_RELEASES = {
    "type": "object",
    "properties": {
        "migrationDocumentationUrl": URL,
        "breakingChanges": {
            "type": "object",
            "propertyNames": {"pattern": VERSION_KEY},
            "additionalProperties": _breaking_change(registry=True),
        },
    },
}
_COMMON = {
    "name": {"type": "string", "minLength": 1},
    "dockerRepository": {"type": "string", "minLength": 1},
    "dockerImageTag": {"type": "string", "pattern": VERSION_KEY},
    "documentationUrl": URL,
    "icon": {"type": "string"},
    "spec": {"type": "object", "required": ["connectionSpecification"]},
    "tombstone": {"type": "boolean"},
    "public": {"type": "boolean"},
    "custom": {"type": "boolean"},
    "supportLevel": {"enum": ["community", "certified", "archived", "none"]},
    "releaseStage": {"enum": ["alpha", "beta", "generally_available", "custom"]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "allowedHosts": {"type": "object", "properties": {"hosts": {"type": "array", "items": {"type": "string"}}}},
    "language": {"type": "string"},
    "releases": _REGISTRY_RELEASES,
}
REGISTRY_SOURCE: dict[str, Any] = {
    "type": "object",
    "required": ["sourceDefinitionId", "name", "dockerRepository", "dockerImageTag", "documentationUrl", "spec"],
    "properties": {
        **_COMMON,
        "sourceDefinitionId": {"type": "string", "format": "uuid"},
        "sourceType": {"enum": ["api", "file", "database", "custom"]},
        "suggestedStreams": {"type": "object", "properties": {"streams": {"type": "array", "items": {"type": "string"}}}},
        "maxSecondsBetweenMessages": {"type": "integer"},
    },
}
REGISTRY_DESTINATION: dict[str, Any] = {
    "type": "object",
    "required": ["destinationDefinitionId", "name", "dockerRepository", "dockerImageTag", "documentationUrl", "spec"],
    "properties": {
        **_COMMON,
        "destinationDefinitionId": {"type": "string", "format": "uuid"},
        "supportsRefreshes": {"type": "boolean"},
        "supportsDataActivation": {"type": "boolean"},
    },
}
REGISTRY: dict[str, Any] = {
    "type": "object",
    "required": ["destinations", "sources"],
    "properties": {
        "destinations": {"type": "array", "items": {"type": "object"}},
        "sources": {"type": "array", "items": {"type": "object"}},
    },
}


def problems(document: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Every way `document` breaks `schema`, as `path: message` lines (empty: it conforms)."""
    validator = Draft7Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
            for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]
