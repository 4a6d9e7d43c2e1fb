"""The `destination-campus-grades` console script: Airbyte's spec/check/discover/write verbs.

Two things around `DestinationCampusGrades().run`: stdout is line-buffered (each echoed state
reaches the platform as soon as it is printed; a pipe is block-buffered by default), and every
printed line passes the one redactor (`campus_oneroster.redaction`), which learns the config's
secrets in every form before anything runs: the CDK's `Destination.run` prints messages unfiltered.
"""

import logging
import sys

from airbyte_cdk.exception_handler import init_uncaught_exception_handler

from campus_oneroster.redaction import REDACTOR, RedactedLines
from destination_campus_grades.destination import DestinationCampusGrades


def run() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    sys.stdout = RedactedLines(sys.stdout)
    destination = DestinationCampusGrades()
    init_uncaught_exception_handler(logging.getLogger("airbyte"))  # an unreadable config is a TRACE, not a traceback
    args = sys.argv[1:]
    if "--config" in args[:-1]:
        REDACTOR.learn_config(destination.read_config(args[args.index("--config") + 1]),
                              destination.spec(logging.getLogger("airbyte")).connectionSpecification)
    try:
        destination.run(args)
    except BaseException:
        REDACTOR.sync_with_cdk()  # the CDK replaced its secret list: the uncaught-exception hook filters with ours
        raise
    finally:
        sys.stdout.flush()
