"""The `destination-campus-grades` console script: Airbyte's spec/check/write verbs.

The CDK's `Destination.run`, with two differences: stdout is line-buffered (each echoed state
reaches the platform as soon as it is printed; a pipe is block-buffered by default), and every
line passes the one redactor (`campus_oneroster.redaction`), which learns the config's secrets in
every form before anything runs. The CDK's `run` prints messages unfiltered.
"""

import logging
import sys

import orjson
from airbyte_cdk.exception_handler import init_uncaught_exception_handler
from airbyte_cdk.models import AirbyteMessageSerializer

from campus_oneroster.redaction import REDACTOR
from destination_campus_grades.destination import DestinationCampusGrades

logger = logging.getLogger("airbyte")


def run() -> None:
    sys.stdout.reconfigure(line_buffering=True)
    destination = DestinationCampusGrades()
    init_uncaught_exception_handler(logger)
    parsed_args = destination.parse_args(sys.argv[1:])
    if getattr(parsed_args, "config", None):
        REDACTOR.learn_config(destination.read_config(parsed_args.config),
                              destination.spec(logger).connectionSpecification)
    try:
        for message in destination.run_cmd(parsed_args):
            print(REDACTOR.redact_line(orjson.dumps(AirbyteMessageSerializer.dump(message)).decode()))
    except BaseException:
        REDACTOR.sync_with_cdk()  # the CDK replaced its secret list: the uncaught-exception hook filters with ours
        raise
