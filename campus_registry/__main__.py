"""`campus-registry --out DIR`: the registry files an operator's Airbyte reads our connectors from.

Builds both connectors' entries from their metadata.yaml and the `spec` their console scripts
answer (what the platform would get from the images), checks them and the metadata's `releases`
against the registry's rules (`schema.py`), and writes what RemoteDefinitionsProvider fetches
(`entries.py`). `--base-registry` adds them to a copy of Airbyte's own registry, which a platform
pointed at this one needs to keep every other connector; `--image-prefix` names the registry the
images were pushed to. docs/operators.md ("Install the connectors") walks through it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

import yaml

from campus_registry import schema
from campus_registry.entries import REGISTRY_PATH, entry_paths, registry, registry_entry

ROOT = Path(__file__).resolve().parent.parent
METADATA_FILES = (ROOT / "metadata.yaml", ROOT / "destination_campus_grades" / "metadata.yaml")


class RegistryError(Exception):
    """What is wrong with a metadata file or a generated entry, by path."""


def connector_spec(name: str) -> dict[str, Any]:
    """The SPEC a connector's console script prints (next to this interpreter, else on PATH)."""
    script = Path(sys.executable).with_name(name)
    command = str(script) if script.exists() else shutil.which(name)
    if command is None:
        raise RegistryError(f"{name} is not installed: run ./dev.sh (or pip install .) first")
    done = subprocess.run([command, "spec"], capture_output=True, text=True, timeout=120, check=False)
    for line in done.stdout.splitlines():
        message = json.loads(line) if line.startswith("{") else {}
        if message.get("type") == "SPEC":
            return message["spec"]
    raise RegistryError(f"{name} spec printed no SPEC message (exit {done.returncode}): {done.stderr[-500:]}")


def built_entries(image_prefix: str | None) -> list[dict[str, Any]]:
    """Both connectors' entries, each checked against the registry's rules."""
    entries = []
    for path in METADATA_FILES:
        metadata = yaml.safe_load(path.read_text())
        data = metadata["data"]
        found = schema.problems(data.get("releases", {}), schema.METADATA_RELEASES) if "releases" in data else []
        entry = registry_entry(metadata, connector_spec(data["dockerRepository"].rsplit("/", 1)[-1]),
                               (path.parent / data["icon"]).read_text(), image_prefix)
        found += schema.problems(entry, schema.REGISTRY_SOURCE if data["connectorType"] == "source"
                                 else schema.REGISTRY_DESTINATION)
        if found:
            raise RegistryError(f"{path.relative_to(ROOT)}: " + "; ".join(found))
        entries.append(entry)
    return entries


def write_registry(out: Path, entries: list[dict[str, Any]], base: Mapping[str, Any] | None) -> list[Path]:
    """The registry and each entry under `out`, in the layout the platform fetches."""
    documents = {REGISTRY_PATH: registry(entries, base)}
    documents.update({path: entry for entry in entries for path in entry_paths(entry)})
    written = []
    for relative, document in documents.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="campus-registry", description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="directory to serve as the connector registry")
    parser.add_argument("--base-registry", type=Path,
                        help="a copy of Airbyte's oss_registry.json to add our two connectors to")
    parser.add_argument("--image-prefix", help="the image registry the connectors were pushed to, e.g. "
                                               "registry.example.org/otus (default: the metadata's repositories)")
    args = parser.parse_args(argv)
    base = json.loads(args.base_registry.read_text()) if args.base_registry else None
    found = schema.problems(base, schema.REGISTRY) if base is not None else []
    if found:
        print(f"{args.base_registry} is not a connector registry: " + "; ".join(found), file=sys.stderr)
        return 2
    try:
        written = write_registry(args.out, built_entries(args.image_prefix), base)
    except RegistryError as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
