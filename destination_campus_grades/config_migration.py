"""Settings whose shape changed, converted to the current shape so an existing connection keeps working.

0.1.0 connections may hold `stream_roles` and `category_map` as objects (`{"passback_scores_v":
"scores"}`, `{"Quizzes": "c7001"}`): the first 0.1.0 images took them so, before the connector form
needed lists of named objects (Airbyte's form renders `properties` only). 0.2.0 takes lists of
`{stream, role}` and `{otus_category, campus_category_id}`. Every other key, known or not (a newer
setting such as `oneroster_version`), passes through unchanged, as does an entry this module
cannot convert: the spec then names it, as for any invalid setting.

Pure: `migrated` takes a config and answers the converted one. The console script (`run.py`) writes
it back to the config file and emits it as the protocol's CONNECTOR_CONFIG control message, which
the platform stores as the connection's config (airbytehq/airbyte-platform,
airbyte-container-orchestrator/.../bookkeeping/events/AirbyteControlMessageEventListener.kt: a
destination's CONNECTOR_CONFIG goes to `ConnectorConfigUpdater.updateDestination`; `check` and
`discover` jobs do the same), so the conversion happens once. Every future change of a setting's
shape adds its conversion here, with the version it shipped in.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

# The setting, and how its object shape becomes the list shape (key, value → entry).
OBJECT_TO_LIST: dict[str, Callable[[str, Any], dict[str, Any]]] = {
    "stream_roles": lambda stream, role: {"stream": stream, "role": role},
    "category_map": lambda otus, campus: {"otus_category": otus, "campus_category_id": campus},
}
MIGRATED_IN = "0.2.0"


def migrated(config: Mapping[str, Any]) -> dict[str, Any] | None:
    """The config in the current shape, or None when it already is (nothing to store)."""
    changed = {setting: [entry(key, value) for key, value in config[setting].items()]
               for setting, entry in OBJECT_TO_LIST.items() if isinstance(config.get(setting), Mapping)}
    return {**config, **changed} if changed else None
