"""The Dockerfile, setup.py and both metadata.yaml files agree with each other.

No Docker engine runs here, so an image that would start the wrong console script, carry the
wrong version label or miss a schema file is caught by reading the files instead: every name,
version and base image is stated in more than one place, and these tests make them one fact.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
METADATA_FILES = {
    "source": ROOT / "metadata.yaml",
    "destination": ROOT / "destination_campus_grades" / "metadata.yaml",
}
# The fields the registry's ConnectorMetadataDefinitionV0 schema requires under `data`, plus the
# ones the issue asks for (supportLevel, tags, connectorBuildOptions.baseImage).
REQUIRED_DATA_FIELDS = {
    "name", "definitionId", "connectorType", "dockerRepository", "dockerImageTag", "license",
    "documentationUrl", "githubIssueLabel", "connectorSubtype", "releaseStage", "supportLevel",
    "tags", "connectorBuildOptions",
}
DEVELOPMENT_PACKAGES = ("campus_sandbox", "campus_demo", "otus_export", "campus_registry")
PINNED_IMAGE = re.compile(r"^docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$")


def _setup_constant(name: str) -> object:
    """A module-level literal of setup.py (VERSION, CONNECTORS, ...), read without running it."""
    for stmt in ast.parse((ROOT / "setup.py").read_text()).body:
        if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == name for t in stmt.targets):
            return ast.literal_eval(stmt.value)
    raise AssertionError(f"setup.py assigns no {name}")


def _connector_names() -> set[str]:
    return set(_setup_constant("CONNECTORS"))


def _requirements() -> tuple[dict[str, list[str]], list[str]]:
    """setup.py's extras_require and install_requires."""
    call = next(node for node in ast.walk(ast.parse((ROOT / "setup.py").read_text()))
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup")
    keywords = {kw.arg: kw.value for kw in call.keywords}
    return ast.literal_eval(keywords["extras_require"]), ast.literal_eval(keywords["install_requires"])


def _metadata(kind: str) -> dict:
    return yaml.safe_load(METADATA_FILES[kind].read_text())


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _dockerfile_arg_default(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", _dockerfile(), re.MULTILINE)
    assert match, f"Dockerfile has no `ARG {name}=<default>`"
    return match.group(1)


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_metadata_has_every_registry_field(kind: str) -> None:
    document = _metadata(kind)
    data = document["data"]
    assert document["metadataSpecVersion"] == "1.0"
    assert REQUIRED_DATA_FIELDS <= set(data), f"missing: {REQUIRED_DATA_FIELDS - set(data)}"
    assert data["connectorType"] == kind
    assert data["connectorSubtype"] == "api"
    assert data["releaseStage"] == "alpha"
    assert data["supportLevel"] == "community"
    assert set(data["tags"]) == {"language:python", "cdk:python"}
    assert uuid.UUID(data["definitionId"]).version == 4
    assert {"oss", "cloud"} <= set(data["registryOverrides"])
    assert {suite["suite"] for suite in data["connectorTestSuitesOptions"]} >= {"unitTests", "acceptanceTests"}


def test_definition_ids_differ() -> None:
    assert _metadata("source")["data"]["definitionId"] != _metadata("destination")["data"]["definitionId"]


def test_console_scripts_are_the_connector_names(image_wheels) -> None:
    """Each image runs the console script named like its repository; its wheel has that one."""
    repositories = {kind: _metadata(kind)["data"]["dockerRepository"] for kind in METADATA_FILES}
    names = {kind: repo.split("/", 1)[1] for kind, repo in repositories.items()}
    assert set(names.values()) == _connector_names()
    for kind, name in names.items():
        assert name.startswith(f"{kind}-")
        assert repositories[kind] == f"airbyte/{name}"
        assert _metadata(kind)["data"]["githubIssueLabel"] == name
        ((script, target),) = image_wheels[name].console_scripts.items()
        assert script == name
        module, function = target.split(":")
        module_file = ROOT / (module.replace(".", "/") + ".py")
        assert module_file.exists(), f"{name} points at {module}, which does not exist"
        assert re.search(rf"^def {function}\(", module_file.read_text(), re.MULTILINE), f"{module} has no {function}()"


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_documentation_url_has_a_page_here(kind: str) -> None:
    url = _metadata(kind)["data"]["documentationUrl"]
    prefix = "https://docs.airbyte.com/integrations/"
    assert url.startswith(prefix)
    assert (ROOT / "docs" / "integrations" / f"{url.removeprefix(prefix)}.md").is_file()


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_spec_points_at_the_registry_documentation_url(kind: str) -> None:
    from destination_campus_grades.destination import DestinationCampusGrades
    from source_campus_oneroster.source import SourceCampusOneroster

    connector = {"source": SourceCampusOneroster, "destination": DestinationCampusGrades}[kind]()
    spec = connector.spec(logging.getLogger(kind))
    assert spec.documentationUrl == _metadata(kind)["data"]["documentationUrl"]


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_acceptance_test_config_sits_beside_the_metadata_and_names_its_image(kind: str) -> None:
    """The CDK's standard suites take the connector root from these two files; one image each."""
    config = yaml.safe_load((METADATA_FILES[kind].parent / "acceptance-test-config.yml").read_text())
    assert config["connector_image"] == f"{_metadata(kind)['data']['dockerRepository']}:dev"


def test_versions_agree() -> None:
    version = _setup_constant("VERSION")
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert _dockerfile_arg_default("CONNECTOR_VERSION") == version
    for kind in METADATA_FILES:
        assert _metadata(kind)["data"]["dockerImageTag"] == version


def test_base_image_is_pinned_and_the_same_everywhere() -> None:
    base_image = _dockerfile_arg_default("BASE_IMAGE")
    assert PINNED_IMAGE.match(base_image)
    assert re.search(r"^FROM \$\{BASE_IMAGE\}$", _dockerfile(), re.MULTILINE)
    for kind in METADATA_FILES:
        assert _metadata(kind)["data"]["connectorBuildOptions"]["baseImage"] == base_image


def test_dockerfile_builds_exactly_the_two_connectors() -> None:
    accepted = re.search(r"case \"\$\{CONNECTOR_NAME\}\" in \\\n\s+([\w|-]+)\)", _dockerfile())
    assert accepted, "Dockerfile no longer validates CONNECTOR_NAME"
    assert set(accepted.group(1).split("|")) == _connector_names()
    assert _dockerfile_arg_default("CONNECTOR_NAME") in _connector_names()


def test_dockerfile_runs_the_chosen_console_script_as_airbyte() -> None:
    dockerfile = _dockerfile()
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]$', dockerfile, re.MULTILINE).group(1)
    assert re.search(rf'^ENV AIRBYTE_ENTRYPOINT="{re.escape(entrypoint)}"$', dockerfile, re.MULTILINE)
    # The script is written at build time and execs the console script the build ARG named.
    assert re.search(rf"""printf '#!/bin/sh\\nexec %s "\$@"\\n' "\$\{{CONNECTOR_NAME\}}" > {re.escape(entrypoint)}""", dockerfile)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users[-1] == "airbyte"
    assert "LABEL io.airbyte.name=airbyte/${CONNECTOR_NAME}" in dockerfile
    assert "LABEL io.airbyte.version=${CONNECTOR_VERSION}" in dockerfile


def test_images_install_only_the_chosen_connectors_wheel() -> None:
    """The build stage makes the wheel with CAMPUS_PASSBACK_CONNECTOR set to the build argument;
    the image installs that wheel alone (no extras, no source tree)."""
    build, image = re.split(r"^FROM \$\{BASE_IMAGE\}$", _dockerfile(), maxsplit=1, flags=re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE_IMAGE\} AS build$", build, re.MULTILINE)
    assert re.search(r'^RUN CAMPUS_PASSBACK_CONNECTOR="\$\{CONNECTOR_NAME\}" pip wheel --no-cache-dir --no-deps --wheel-dir /wheels \.$',
                     build, re.MULTILINE)
    assert re.findall(r"^COPY .*$", image, re.MULTILINE) == ["COPY --from=build /wheels /wheels"]
    assert re.findall(r"pip install [^\n\\&]*", image) == ["pip install --no-cache-dir /wheels/*.whl "]
    extras, install_requires = _requirements()
    assert any(req.startswith("airbyte==") for req in extras["demo"])
    assert not re.search(r"\bairbyte(==|>=|$)", " ".join(install_requires)), "PyAirbyte belongs in the demo extra only"
    assert "pytest" not in " ".join(install_requires)


def _dockerignore_patterns() -> list[str]:
    return [
        line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _dockerignored(relative: str) -> bool:
    """Whether Docker leaves `relative` out of the build context (the pattern forms used here:
    a name or glob from the context root, `**/` for any depth, a trailing `/`)."""
    for pattern in _dockerignore_patterns():
        pattern = pattern.rstrip("/")
        candidates = [pattern, pattern[3:]] if pattern.startswith("**/") else [pattern]
        if any(fnmatch.fnmatch(relative, candidate) for candidate in candidates):
            return True
    return False


def test_dockerignore_keeps_the_venv_tests_and_demo_out_but_the_connectors_in() -> None:
    patterns = _dockerignore_patterns()
    for excluded in (".venv/", ".git/", "unit_tests/", "integration_tests/", "sandbox_tests/", "bench/", "**/__pycache__/", ".pytest_cache/",
                     *(f"{package}/" for package in DEVELOPMENT_PACKAGES)):
        assert excluded in patterns
    for name in ["setup.py", "campus_oneroster", *_setup_constant("CONNECTORS").values()]:
        assert not _dockerignored(name), f".dockerignore drops {name}"


@dataclass(frozen=True)
class Wheel:
    """What one `pip wheel` of a build context holds: its files and its console scripts."""

    names: frozenset[str]
    console_scripts: dict[str, str]

    @property
    def packages(self) -> set[str]:
        return {name.split("/", 1)[0] for name in self.names if "/" in name and ".dist-info/" not in name}


def _build_wheel(context: Path, out: Path, connector: str | None) -> Wheel:
    env = {key: value for key, value in os.environ.items() if key != "CAMPUS_PASSBACK_CONNECTOR"}
    if connector:
        env["CAMPUS_PASSBACK_CONNECTOR"] = connector
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out), str(context)],
        check=True, capture_output=True, env=env,
    )
    with zipfile.ZipFile(next(out.glob("campus_passback-*.whl"))) as wheel:
        names = frozenset(wheel.namelist())
        entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    scripts = dict(re.findall(r"^(\S+) = (\S+)$", entry_points.split("[console_scripts]", 1)[1], re.MULTILINE))
    return Wheel(names, scripts)


def _copy_context(destination: Path, *, dockerignore: bool) -> Path:
    """The repository as a build context: what .dockerignore leaves, or (for the development
    install) everything but the virtual environment, git and build leftovers."""
    def ignored(directory: str, names: list[str]) -> list[str]:
        return [
            name for name in names
            if name in (".venv", ".git", "__pycache__") or name.endswith(".egg-info")
            or (dockerignore and _dockerignored(str((Path(directory) / name).relative_to(ROOT))))
        ]

    shutil.copytree(ROOT, destination, ignore=ignored)
    return destination


@pytest.fixture(scope="module")
def image_wheels(tmp_path_factory) -> dict[str, Wheel]:
    """What `COPY . ./` and the build stage's `pip wheel .` make for each connector, without
    Docker: a wheel built from the context .dockerignore leaves, with the build argument set."""
    wheels = {}
    for name in sorted(_connector_names()):  # a fresh context each, as each image build has
        root = tmp_path_factory.mktemp(name)
        context = _copy_context(root / "context", dockerignore=True)
        assert not (context / ".venv").exists() and not (context / "unit_tests").exists()
        assert not (context / "campus_sandbox").exists()
        wheels[name] = _build_wheel(context, root / "wheel", name)
    return wheels


def _runtime_data_files(package: str) -> set[str]:
    """A package's spec, schema and metadata files: what the connector loads at run time (the CDK
    reads them with pkgutil, so one missing from the wheel fails the first discover)."""
    return {
        str(path.relative_to(ROOT)) for path in (ROOT / package).rglob("*")
        if path.is_file() and path.suffix in {".json", ".yaml", ".yml"} and path.name != "acceptance-test-config.yml"
        and "integration_tests" not in path.parts
    }


@pytest.mark.parametrize("connector", ["source-campus-oneroster", "destination-campus-grades"])
def test_each_image_ships_its_connector_and_the_shared_client_only(image_wheels, connector: str) -> None:
    wheel = image_wheels[connector]
    package = _setup_constant("CONNECTORS")[connector]
    assert wheel.packages == {"campus_oneroster", package}, "the image would ship more than its connector"
    assert set(wheel.console_scripts) == {connector}
    missing = _runtime_data_files(package) - wheel.names
    assert not missing, f"missing from the image (add them to PACKAGE_DATA in setup.py): {sorted(missing)}"


def test_the_development_install_has_everything_the_tests_and_the_demo_need(tmp_path: Path) -> None:
    wheel = _build_wheel(_copy_context(tmp_path / "context", dockerignore=False), tmp_path / "wheel", None)
    connectors = _setup_constant("CONNECTORS")
    assert wheel.packages == {"campus_oneroster", *connectors.values(), *DEVELOPMENT_PACKAGES}
    assert set(wheel.console_scripts) == {*connectors, "campus-sandbox", "campus-registry"}
    for package in connectors.values():
        assert _runtime_data_files(package) <= wheel.names
    assert not any(name.startswith(("unit_tests/", "integration_tests/", "bench/")) for name in wheel.names)


def test_an_unknown_connector_name_is_refused_by_name() -> None:
    done = subprocess.run([sys.executable, "setup.py", "--version"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CAMPUS_PASSBACK_CONNECTOR": "source-campus-onerostr"})
    assert done.returncode != 0
    assert "CAMPUS_PASSBACK_CONNECTOR must be one of source-campus-oneroster, destination-campus-grades" in done.stderr


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_metadata_icon_is_an_svg_beside_it(kind: str) -> None:
    icon = METADATA_FILES[kind].parent / _metadata(kind)["data"]["icon"]
    root = ElementTree.parse(icon).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox")
    assert not [element for element in root.iter() if element.tag.endswith("script")]
    assert icon.stat().st_size < 10_000


def test_data_activation_is_declared_only_by_the_destination_that_answers_discover() -> None:
    """The registry schema's flag, which makes the platform call `discover` and offer the
    destination's objects for mapping (integration_tests/test_destination_discover.py)."""
    assert _metadata("destination")["data"]["supportsDataActivation"] is True
    assert "supportsDataActivation" not in _metadata("source")["data"]


def test_the_destination_declares_refreshes_so_the_platform_sends_it_complete_statuses() -> None:
    """The platform emits COMPLETE stream statuses to the destination only when its version supports
    refreshes (airbytehq/airbyte-platform,
    airbyte-commons-worker/src/main/kotlin/io/airbyte/workers/helper/StreamStatusCompletionTracker.kt,
    `startTracking(catalog, supportRefreshes)` and `finalize(exitCode, ...)`: none after a failed
    source); removals for disappearing rest on them (`disappeared.py`)."""
    assert _metadata("destination")["data"]["supportsRefreshes"] is True


@pytest.mark.parametrize("kind", sorted(METADATA_FILES))
def test_acceptance_test_configs_exist_beside_the_connector(kind: str) -> None:
    """Every config_path the standard suites read is a file under the connector root (the
    integration tests bind each to a sandbox they start)."""
    root = METADATA_FILES[kind].parent
    config = yaml.safe_load((root / "acceptance-test-config.yml").read_text())
    paths = [test["config_path"] for suite in config["acceptance_tests"].values() for test in suite["tests"]]
    assert paths and all(not path.startswith("secrets/") for path in paths)
    for path in paths:
        assert isinstance(json.loads((root / path).read_text()), dict), path
