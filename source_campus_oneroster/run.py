"""The `source-campus-oneroster` console script: Airbyte's spec/check/discover/read verbs."""

import sys

from airbyte_cdk.entrypoint import launch

from source_campus_oneroster.source import SourceCampusOneroster


def run() -> None:
    launch(SourceCampusOneroster(), sys.argv[1:])
