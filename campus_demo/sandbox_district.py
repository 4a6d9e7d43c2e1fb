"""The demo's embedded district: a Campus sandbox, its generated district and the Otus export for it.

The export is the sample that exercises every passback rule and refusal (otus_export.sample) plus
a bulk of ordinary graded assessments sized to the district, so a medium district passes back
thousands of scores, as a real nightly run would, and shows progress while doing it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from campus_sandbox.server import CampusSandbox
from campus_sandbox.district import District, generate
from campus_sandbox.options import SandboxOptions
from campus_sandbox.stats import RequestStats
from otus_export.bulk import bulk_export
from otus_export.sample import SampleExport, sample_export

ROLES = ("assessments", "scores", "grades")
# Sections and assessments per section of the bulk part, per district size.
BULK_VOLUME = {"tiny": (2, 2), "small": (10, 3), "medium": (40, 3), "large": (200, 3)}


@dataclass
class SandboxDistrict:
    """A running sandbox with the district it serves and the sample export that matches it."""

    district: District
    sandbox: CampusSandbox
    sample: SampleExport

    @property
    def stats(self) -> RequestStats:
        return self.sandbox.stats

    def describe(self) -> str:
        d = self.district
        return (
            f"  {d.school_count} schools, {d.section_count:,} sections, {d.student_count:,} students, "
            f"{d.teacher_count:,} teachers, {d.enrollment_count:,} enrollments\n"
            f"  OneRoster 1.1 base URL: {self.sandbox.base_url}"
        )

    def destination_config(self) -> dict[str, Any]:
        """An OAuth 2 connection to the sandbox plus the passback settings the sample assumes."""
        return {**self.sandbox.connection_config(auth="oauth2"), **self.sample.config_values()}

    def export(self) -> dict[str, list[dict[str, Any]]]:
        """Records per role: the sample's cases first, then the bulk of ordinary scores."""
        sections, assessments = BULK_VOLUME[self.district.size.name]
        bulk = bulk_export(
            self.district, sections=sections, students_per_section=self.district.class_size,
            assessments_per_section=assessments,
        )
        export: dict[str, list[dict[str, Any]]] = {role: [] for role in ROLES}
        for stream, record in [*self.sample.records, *bulk]:
            export[stream].append(record)
        return export


@contextmanager
def start(size: str) -> Iterator[SandboxDistrict]:
    """Generate a district of `size`, serve it on 127.0.0.1, and stop the server on exit."""
    district = generate(size)
    with CampusSandbox(district, options=SandboxOptions()) as sandbox:
        yield SandboxDistrict(district, sandbox, sample_export(district))
