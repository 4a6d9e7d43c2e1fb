"""The `destination-campus-grades` console script: Airbyte's spec/check/write verbs."""

import sys

from destination_campus_grades.destination import DestinationCampusGrades


def run() -> None:
    # Line-buffered stdout: each echoed state reaches the platform as soon as it is printed (a
    # pipe is block-buffered by default, which would hold states back until the buffer fills).
    sys.stdout.reconfigure(line_buffering=True)
    DestinationCampusGrades().run(sys.argv[1:])
