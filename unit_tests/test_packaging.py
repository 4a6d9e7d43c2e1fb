"""The Dockerfile, setup.py and both metadata.yaml files agree with each other.

No Docker engine runs here, so an image that would start the wrong console script, carry the
wrong version label or miss a schema file is caught by reading the files instead: every name,
version and base image is stated in more than one place, and these tests make them one fact.
"""

from __future__ import annotations

import ast
import fnmatch
import logging
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

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
PINNED_IMAGE = re.compile(r"^docker\.io/airbyte/python-connector-base:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$")


def _setup_call() -> dict[str, ast.AST]:
    """The keyword arguments of the setup() call in setup.py, as AST nodes."""
    tree = ast.parse((ROOT / "setup.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setup":
            return {kw.arg: kw.value for kw in node.keywords}
    raise AssertionError("setup.py has no setup(...) call")


def _literal(node: ast.AST) -> object:
    """A literal from setup.py, resolving module-level constants such as VERSION."""
    if isinstance(node, ast.Name):
        tree = ast.parse((ROOT / "setup.py").read_text())
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and any(getattr(t, "id", None) == node.id for t in stmt.targets):
                return ast.literal_eval(stmt.value)
        raise AssertionError(f"setup.py uses {node.id} but never assigns it")
    return ast.literal_eval(node)


def _console_scripts() -> dict[str, str]:
    scripts = _literal(_setup_call()["entry_points"])["console_scripts"]
    return dict(line.replace(" ", "").split("=", 1) for line in scripts)


def _connector_names() -> set[str]:
    return {name for name in _console_scripts() if name.startswith(("source-", "destination-"))}


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


def test_console_scripts_are_the_connector_names() -> None:
    """Each image runs the console script named like its repository; both must exist."""
    repositories = {kind: _metadata(kind)["data"]["dockerRepository"] for kind in METADATA_FILES}
    names = {kind: repo.split("/", 1)[1] for kind, repo in repositories.items()}
    assert set(names.values()) == _connector_names()
    for kind, name in names.items():
        assert name.startswith(f"{kind}-")
        assert repositories[kind] == f"airbyte/{name}"
        assert _metadata(kind)["data"]["githubIssueLabel"] == name
        module, function = _console_scripts()[name].split(":")
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
    version = _literal(_setup_call()["version"])
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


def test_images_install_without_the_dev_and_demo_extras() -> None:
    installs = re.findall(r"pip install [^\n\\&]*", _dockerfile())
    assert installs == ["pip install --no-cache-dir . "]
    install_requires = " ".join(_literal(_setup_call()["install_requires"]))
    extras = _literal(_setup_call()["extras_require"])
    assert any(req.startswith("airbyte==") for req in extras["demo"])
    assert not re.search(r"\bairbyte(==|>=|$)", install_requires), "PyAirbyte belongs in the demo extra only"
    assert "pytest" not in install_requires


def _package_dirs() -> list[Path]:
    include = _literal(_setup_call()["packages"].keywords[0].value)
    return sorted(
        path.parent
        for path in ROOT.glob("*/**/__init__.py")
        if ".venv" not in path.parts
        and any(fnmatch.fnmatch(".".join(path.parent.relative_to(ROOT).parts), pattern) for pattern in include)
    )


def _runtime_data_files() -> dict[Path, list[Path]]:
    """Per package directory, its spec, schema and metadata files (what the connectors load at
    run time), leaving out test configs."""
    found: dict[Path, list[Path]] = {}
    for package_dir in _package_dirs():
        for path in package_dir.rglob("*"):
            nearest_package = next(p for p in path.parents if (p / "__init__.py").exists())
            if nearest_package != package_dir or not path.is_file() or "integration_tests" in path.parts:
                continue
            if path.suffix in {".json", ".yaml", ".yml"} and path.name != "acceptance-test-config.yml":
                found.setdefault(package_dir, []).append(path)
    return found


def test_package_data_covers_every_spec_and_schema_file() -> None:
    """The CDK loads specs and schemas with pkgutil: a file missing from package_data is missing
    from the image, and the connector fails on its first discover."""
    package_data = _literal(_setup_call()["package_data"])
    uncovered = []
    for package_dir, files in _runtime_data_files().items():
        package = ".".join(package_dir.relative_to(ROOT).parts)
        shipped = {path for pattern in package_data.get(package, []) for path in package_dir.glob(pattern)}
        uncovered += [str(path.relative_to(ROOT)) for path in files if path not in shipped]
    assert not uncovered, f"add these to package_data in setup.py: {uncovered}"


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


def test_dockerignore_keeps_the_venv_and_tests_out_but_the_packages_in() -> None:
    patterns = _dockerignore_patterns()
    for excluded in (".venv/", ".git/", "unit_tests/", "integration_tests/", "bench/", "**/__pycache__/", ".pytest_cache/"):
        assert excluded in patterns
    needed = ["setup.py"] + [package_dir.relative_to(ROOT).parts[0] for package_dir in _package_dirs()]
    for name in needed:
        assert not _dockerignored(name), f".dockerignore drops {name}"


def test_the_image_build_context_installs_both_connectors_with_their_data_files(tmp_path: Path) -> None:
    """What `COPY . ./` + `pip install .` does in the Dockerfile, without Docker: build the wheel
    from the context .dockerignore leaves, and look inside it."""
    context = tmp_path / "context"
    shutil.copytree(
        ROOT, context,
        ignore=lambda directory, names: [n for n in names if _dockerignored(str((Path(directory) / n).relative_to(ROOT)))],
    )
    assert not (context / ".venv").exists() and not (context / "unit_tests").exists()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(tmp_path / "wheel"), str(context)],
        check=True, capture_output=True,
    )
    with zipfile.ZipFile(next((tmp_path / "wheel").glob("campus_passback-*.whl"))) as wheel:
        names = set(wheel.namelist())
        entry_points = wheel.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    expected = {str(path.relative_to(ROOT)) for files in _runtime_data_files().values() for path in files}
    assert expected and expected <= names, f"missing from the image: {sorted(expected - names)}"
    for connector in _connector_names():
        assert re.search(rf"^{connector} = ", entry_points, re.MULTILINE)
    assert not any(name.startswith(("unit_tests/", "integration_tests/", "bench/")) for name in names)


def test_data_activation_is_declared_only_by_the_destination_that_answers_discover() -> None:
    """The registry schema's flag, which makes the platform call `discover` and offer the
    destination's objects for mapping (integration_tests/test_destination_discover.py)."""
    assert _metadata("destination")["data"]["supportsDataActivation"] is True
    assert "supportsDataActivation" not in _metadata("source")["data"]
