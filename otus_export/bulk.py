"""A bulk Otus export (N sections × M students × K assessments) for benchmarks and memory checks.

A generator: records are made as they are consumed, so a million scores never sit in memory on
the producing side either. The same arguments always give the same records. Every record is
valid and, with `before_start_date=False`, passes every rule on the sandbox district (dates in an
open grading window inside the section's terms, assigned by the section's teacher), so each
score becomes one result write; with `before_start_date=True` every assessment starts before the
passback start date and the whole export is skipped by rule 1 without a single Campus read.
"""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice
from typing import Iterator

from campus_sandbox.district import District
from otus_export.sample import Record, assessment, open_day, score

BEFORE_START = date(2026, 8, 20)


def bulk_export(district: District, *, sections: int, students_per_section: int, assessments_per_section: int,
                before_start_date: bool = False, points_possible: float = 20) -> Iterator[Record]:
    """Per section: its K assessments, then the K × M scores. Use `sample.PASSBACK_START_DATE`."""
    if students_per_section > district.class_size:
        raise ValueError(f"students_per_section {students_per_section} exceeds the district's class size "
                         f"{district.class_size}")
    chosen = list(islice(district.sections(active_only=True), sections))
    if len(chosen) < sections:
        raise ValueError(f"the district has only {len(chosen)} active sections, {sections} asked for")
    for section in chosen:
        teacher = section.teacher_ids[0]
        starts = [BEFORE_START if before_start_date else open_day(section, 1 + k % 30)
                  for k in range(assessments_per_section)]
        for k, start in enumerate(starts):
            yield assessment(f"bulk-{k}", section, assigned_by=teacher, start=start, due=start + timedelta(days=5),
                             points_possible=points_possible, title=f"Bulk assessment {k}")
        for k, start in enumerate(starts):
            for m, student in enumerate(section.student_ids[:students_per_section]):
                points = (section.index * 31 + m * 7 + k * 13) % (int(points_possible) + 1)
                yield score(f"bulk-{k}", section.sourced_id, student, points=points, graded=start + timedelta(days=7))
