"""The demo's embedded district: a Campus sandbox, its generated district and the Otus export for it.

The export is the sample that exercises every passback rule and refusal (otus_export.sample) plus
a bulk of ordinary graded assessments sized to the district, so a medium district passes back
thousands of scores, as a real nightly run would, and shows progress while doing it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Iterator

from campus_sandbox.district import District, generate
from campus_sandbox.options import SandboxOptions
from campus_sandbox.server import CampusSandbox
from campus_sandbox.stats import RequestStats
from destination_campus_grades.spec import GROUP_ROLE, STREAM_ROLES
from otus_export.bulk import bulk_export
from otus_export.sample import SampleExport, sample_export

# Sections and assessments per section of the bulk part, per district size.
BULK_VOLUME = {"tiny": (2, 2), "small": (10, 3), "medium": (40, 3), "large": (200, 3)}


@dataclass
class SandboxDistrict:
    """A running sandbox, the district it serves, and the Otus export made for it."""

    district: District
    sandbox: CampusSandbox
    sample: SampleExport
    export: dict[str, list[dict[str, Any]]]
    teacher_group: list[str]

    @property
    def stats(self) -> RequestStats:
        return self.sandbox.stats

    @property
    def gradebook_version(self) -> int:
        """Grows by one with every lineItem or result Campus stores or deletes."""
        return self.sandbox.state.version

    def describe(self) -> str:
        d = self.district
        return (
            f"  {d.school_count} schools, {d.section_count:,} sections, {d.student_count:,} students, "
            f"{d.teacher_count:,} teachers, {d.enrollment_count:,} enrollments\n"
            f"  OneRoster 1.1 base URL: {self.sandbox.base_url}"
        )

    def destination_config(self) -> dict[str, Any]:
        """An OAuth 2 connection to the sandbox plus the passback settings the export assumes. The
        teacher group is not among them: it travels with the export (`teacher_group.csv`), as Otus
        keeps it."""
        settings = {key: value for key, value in self.sample.config_values().items() if key != "passback_teacher_group"}
        return {**self.sandbox.connection_config(auth="oauth2"), **settings}


def build_export(district: District, sample: SampleExport) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Records per role (the sample's cases, then the bulk, then the teacher group as Otus exports it:
    the fourth file) and the teacher group they assume.

    The bulk's teachers join the passback teacher group, except the sample's outsider, whose
    assessments must stay skipped by rule 4; the bulk leaves that teacher's sections out.
    """
    outsider = sample.sections["outsider"].teacher_ids[0]
    outsider_sections = {s.sourced_id for s in district.sections() if s.teacher_ids[0] == outsider}
    active = sum(1 for _ in district.sections(active_only=True))
    sections, assessments = BULK_VOLUME[district.size.name]
    bulk = bulk_export(
        district, sections=min(active, sections + len(outsider_sections)),
        students_per_section=district.class_size, assessments_per_section=assessments,
    )
    export: dict[str, list[dict[str, Any]]] = {role: [] for role in STREAM_ROLES}
    for stream, record in sample.records:
        export[stream].append(record)
    teacher_group = set(sample.teacher_group)
    for stream, record in bulk:
        if record["section_id"] not in outsider_sections:
            export[stream].append(record)
            if stream == "assessments":
                teacher_group.add(record["assigned_by"])
    members = sorted(teacher_group)
    export[GROUP_ROLE] = [record for _, record in replace(sample, teacher_group=members).group_records()]
    return export, members


@contextmanager
def start(size: str) -> Iterator[SandboxDistrict]:
    """Generate a district of `size`, serve it on 127.0.0.1, and stop the server on exit."""
    district = generate(size)
    sample = sample_export(district)
    export, teacher_group = build_export(district, sample)
    with CampusSandbox(district, options=SandboxOptions()) as sandbox:
        yield SandboxDistrict(district, sandbox, sample, export, teacher_group)
