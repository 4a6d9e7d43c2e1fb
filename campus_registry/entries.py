"""metadata.yaml + the connector's `spec` → the registry entry the Airbyte platform reads.

The platform takes a connector's capabilities (`supportsDataActivation`, `supportsRefreshes`, the
breaking changes) from a registry entry only. A connector added by hand as a custom connector gets
a definition built from its `spec` alone (airbytehq/airbyte-platform,
airbyte-commons-server/src/main/java/io/airbyte/commons/server/handlers/helpers/
ActorDefinitionHandlerHelper.java, `defaultDefinitionVersionFromCreate`: image, tag, spec,
documentation URL, protocol version, support level none, release stage custom), so data activation
never appears for it. A registry the platform is pointed at (`CONNECTOR_REGISTRY_BASE_URL`, Helm
`global.connectorRegistry.baseUrl`) is read by
airbyte-config/specs/src/main/kotlin/io/airbyte/config/specs/RemoteDefinitionsProvider.kt:
`registries/v0/oss_registry.json` (every connector: `{sources: [...], destinations: [...]}`) and
`metadata/<dockerRepository>/<version>/oss.json` (one version's entry; the breaking changes are read
from `.../latest/oss.json`). These functions build those documents; `__main__` writes them.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable, Mapping

REGISTRY_NAME = "oss"  # RemoteDefinitionsProvider.getRegistryName for self-managed editions


def migration_url(documentation_url: str, version: str | None = None) -> str:
    """The registry schema's default: `${documentationUrl}-migrations#${version}`."""
    return f"{documentation_url}-migrations" + (f"#{version}" if version else "")


def image_repository(metadata: Mapping[str, Any], prefix: str | None) -> str:
    """Where the platform pulls the image from: the metadata's repository, or its name under `prefix`
    (the operator's own registry, e.g. registry.example.org/otus)."""
    repository = metadata["data"]["dockerRepository"]
    return f"{prefix.rstrip('/')}/{repository.rsplit('/', 1)[-1]}" if prefix else repository


def registry_entry(metadata: Mapping[str, Any], spec: Mapping[str, Any], icon: str,
                   repository_prefix: str | None = None) -> dict[str, Any]:
    """One connector's registry entry, from its metadata file, the `spec` it answers, and its icon (SVG text)."""
    data = metadata["data"]
    kind = data["connectorType"]
    entry: dict[str, Any] = {
        f"{kind}DefinitionId": data["definitionId"],
        "name": data["name"],
        "dockerRepository": image_repository(metadata, repository_prefix),
        "dockerImageTag": data["dockerImageTag"],
        "documentationUrl": data["documentationUrl"],
        "icon": icon,
        "spec": dict(spec),
        "tombstone": False,
        "public": True,
        "custom": False,
        "releaseStage": data["releaseStage"],
        "supportLevel": data["supportLevel"],
        "tags": list(data["tags"]),
        "language": next((tag.split(":", 1)[1] for tag in data["tags"] if tag.startswith("language:")), None),
        "allowedHosts": copy.deepcopy(data.get("allowedHosts", {})),
    }
    if kind == "source":
        entry["sourceType"] = data["connectorSubtype"]
        if "suggestedStreams" in data:
            entry["suggestedStreams"] = copy.deepcopy(data["suggestedStreams"])
    else:
        entry["supportsRefreshes"] = bool(data.get("supportsRefreshes", False))
        entry["supportsDataActivation"] = bool(data.get("supportsDataActivation", False))
    if "releases" in data:
        entry["releases"] = _releases(data["releases"], data["documentationUrl"])
    return {key: value for key, value in entry.items() if value is not None}


def _releases(releases: Mapping[str, Any], documentation_url: str) -> dict[str, Any]:
    """The metadata's releases, each breaking change with its migration URL (which the platform's
    VersionBreakingChange requires and the metadata may leave to the default)."""
    return {
        "migrationDocumentationUrl": releases.get("migrationDocumentationUrl", migration_url(documentation_url)),
        "breakingChanges": {
            version: {**change, "migrationDocumentationUrl": change.get("migrationDocumentationUrl",
                                                                         migration_url(documentation_url, version))}
            for version, change in releases.get("breakingChanges", {}).items()
        },
    }


def registry(entries: Iterable[Mapping[str, Any]], base: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The whole registry: `base` (the operator's copy of Airbyte's own, so every other connector stays
    available) with these entries added, replacing any entry of the same definition id."""
    result: dict[str, Any] = {"sources": list((base or {}).get("sources", [])),
                              "destinations": list((base or {}).get("destinations", []))}
    for entry in entries:
        kind = "source" if "sourceDefinitionId" in entry else "destination"
        key = f"{kind}DefinitionId"
        result[f"{kind}s"] = [e for e in result[f"{kind}s"] if e.get(key) != entry[key]] + [dict(entry)]
    return result


def entry_paths(entry: Mapping[str, Any]) -> list[str]:
    """Where RemoteDefinitionsProvider looks for one version's entry: its tag and `latest`."""
    return [f"metadata/{entry['dockerRepository']}/{tag}/{REGISTRY_NAME}.json"
            for tag in (entry["dockerImageTag"], "latest")]


REGISTRY_PATH = f"registries/v0/{REGISTRY_NAME}_registry.json"
