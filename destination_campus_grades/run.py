"""The `destination-campus-grades` console script: Airbyte's spec/check/write verbs."""

import sys

from destination_campus_grades.destination import DestinationCampusGrades


def run() -> None:
    DestinationCampusGrades().run(sys.argv[1:])
