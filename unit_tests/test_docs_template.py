"""Both connector pages follow Airbyte's connector documentation template.

What the registry's documentation QA and a reviewer look for: a title, Prerequisites, a Setup
guide in steps (the provider side, then the connector in Airbyte), a "Supported sync modes"
section with a Feature / Supported? table, and the changelog last, in a collapsible
`<details>` block whose newest row is the version the metadata declares (or the unreleased row
above it). The destination page also says what overwrite, Refresh and Clear data do to Campus.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "source": (ROOT / "docs" / "integrations" / "sources" / "campus-oneroster.md", ROOT / "metadata.yaml"),
    "destination": (ROOT / "docs" / "integrations" / "destinations" / "campus-grades.md",
                    ROOT / "destination_campus_grades" / "metadata.yaml"),
}
TEMPLATE_SECTIONS = ("Prerequisites", "Setup guide", "Supported sync modes", "Changelog")


def _sections(text: str, level: int = 2) -> dict[str, str]:
    """Section title → body, for headings of `level` (`##`)."""
    marker = "#" * level
    parts = re.split(rf"^{marker} (.+)$", text, flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_page_has_the_template_sections_in_order(kind: str) -> None:
    page, metadata = PAGES[kind]
    text = page.read_text()
    assert text.startswith(f"# {yaml.safe_load(metadata.read_text())['data']['name']}\n")
    titles = list(_sections(text))
    positions = [next(i for i, title in enumerate(titles) if title.startswith(wanted)) for wanted in TEMPLATE_SECTIONS]
    assert positions == sorted(positions), f"template sections out of order: {titles}"
    assert titles[-1] == "Changelog"
    steps = list(_sections(_sections(text)["Setup guide"], level=3))
    assert steps[:2] and steps[0].startswith("Step 1: ") and steps[1].startswith("Step 2: ")
    assert "in Airbyte" in steps[1]


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_supported_sync_modes_is_a_feature_table(kind: str) -> None:
    body = _sections(PAGES[kind][0].read_text())["Supported sync modes"]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    assert re.match(r"^\| Feature \| Supported\? \|", rows[0])
    features = {row.split("|")[1].strip(): row.split("|")[2].strip() for row in rows[2:]}
    assert features["Full Refresh - Overwrite" if kind == "destination" else "Full Refresh Sync"] == "Yes"
    assert all(value for value in features.values())


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_changelog_is_collapsible_and_names_the_metadata_version(kind: str) -> None:
    page, metadata = PAGES[kind]
    body = _sections(page.read_text())["Changelog"].strip()
    assert body.startswith("<details>") and body.endswith("</details>")
    assert re.search(r"<summary>[^<]+</summary>", body)
    versions = [row.split("|")[1].strip() for row in body.splitlines() if row.startswith("| ") and not row.startswith("| Version")]
    tag = yaml.safe_load(metadata.read_text())["data"]["dockerImageTag"]
    assert tag in versions[:2] and (versions[0] == tag or versions[0] == "unreleased")


def test_destination_says_what_overwrite_refresh_and_clear_data_do_to_campus() -> None:
    modes = _sections(PAGES["destination"][0].read_text())["Supported sync modes"]
    explained = _sections(modes, level=3)["What overwrite, Refresh and Clear data do to Campus"]
    for action in ("**Overwrite**", "**Refresh your data**", "**Clear data**", "removal_policy: delete"):
        assert action in explained
    assert "No sync mode and no platform action empties Campus" in explained


def test_the_operator_guides_csv_stream_is_what_the_tested_config_uses() -> None:
    """The stream shown in the operator guide is the one the SFTP tests and the demo run."""
    from otus_export.file_source import stream_config

    guide = (ROOT / "docs" / "operators.md").read_text()
    (shown,) = [json.loads(block) for block in re.findall(r"```json\n(\{\"name\": \"scores\".*?)```", guide, re.DOTALL)]
    tested = stream_config("scores", "scores")
    assert {key: value for key, value in shown.items() if key != "format"} == {
        key: value for key, value in tested.items() if key in shown and key != "format"}
    assert all(tested["format"][key] == value for key, value in shown["format"].items())
