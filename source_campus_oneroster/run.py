"""The `source-campus-oneroster` console script: Airbyte's spec/check/discover/read verbs."""

import gc
import sys

from source_campus_oneroster.record_pages import launch_with_pages
from source_campus_oneroster.source import SourceCampusOneroster

# Records are acyclic dicts, but a read keeps a few pages of them alive (one being written, the
# client's prefetch window), and the default collector re-scans those hundreds of thousands of
# objects every few thousand allocations: 20-40 % of a 1,000,000-enrollment read went there.
# The startup objects (the CDK, pydantic models) are frozen out of collection and the young
# generation is collected every 100,000 allocations instead of 700; cycles are still collected.
GENERATION_THRESHOLDS = (100_000, 50, 100)


def run() -> None:
    gc.freeze()
    gc.set_threshold(*GENERATION_THRESHOLDS)
    launch_with_pages(SourceCampusOneroster(record_pages=True), sys.argv[1:])
