"""The `source-campus-oneroster` console script: Airbyte's spec/check/discover/read verbs."""

import sys

from source_campus_oneroster.record_pages import launch_with_pages
from source_campus_oneroster.source import SourceCampusOneroster


def run() -> None:
    launch_with_pages(SourceCampusOneroster(record_pages=True), sys.argv[1:])
