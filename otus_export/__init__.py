"""Deterministic Otus exports (assessments, scores, grades) that match a campus_sandbox district."""

from otus_export.bulk import bulk_export
from otus_export.sample import SampleCase, SampleExport, sample_export

__all__ = ["SampleCase", "SampleExport", "bulk_export", "sample_export"]
