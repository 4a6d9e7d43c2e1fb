"""`records.py`: one key table names, deduplicates and matches every record of a role."""

from __future__ import annotations

import pytest

from destination_campus_grades.catalog import destination_catalog
from destination_campus_grades.records import KEY_FIELDS, parse_record, record_key, schema_of

VALID = {
    "assessments": {"assessment_id": 7, "section_id": "s1", "title": "Quiz", "include_in_final_grade": True,
                    "grading_type": "points", "state": "assigned", "points_possible": 10,
                    "assigned_at": "2026-09-02T14:00:00Z"},
    "scores": {"assessment_id": 7, "section_id": "s1", "student_id": "u1", "points": 9},
    "grades": {"grading_task_id": "gt1", "section_id": "s1", "student_id": "u1", "percent": 91},
    "teacher_group": {"user_id": "t1", "otus_user_id": 48213, "name": "A Teacher"},
}


@pytest.mark.parametrize("role", sorted(KEY_FIELDS))
def test_a_valid_record_and_an_invalid_copy_share_the_key_the_report_and_catalog_use(role: str) -> None:
    """The last record per key wins whether or not an earlier copy was valid, so both must key alike."""
    record, _ = parse_record(role, VALID[role])
    broken, _ = parse_record(role, {**VALID[role], **_break(role)})
    assert type(record).__name__ != "InvalidRecord" and type(broken).__name__ == "InvalidRecord"
    assert record_key(record) == record_key(broken) == (role, *(str(VALID[role][k]) for k in KEY_FIELDS[role]))
    assert record.otus_id == broken.record_id == " ".join(f"{k}={VALID[role][k]}" for k in KEY_FIELDS[role])
    assert set(KEY_FIELDS[role]) <= set(schema_of(role)["required"])


def test_the_catalog_offers_the_key_table_as_matching_keys() -> None:
    """One composite key per object, the key table's (integration_tests/test_destination_discover.py
    holds it to the platform's mapping screen)."""
    operations = {op.object_name: op for op in destination_catalog().operations}
    assert {role: tuple(key) for role, op in operations.items() for (key,) in [op.matching_keys]} == KEY_FIELDS


def _break(role: str) -> dict:
    """One field of the role made the wrong type (the ids stay readable)."""
    return {"assessments": {"points_possible": "ten"}, "scores": {"points": "nine"}, "grades": {"percent": "high"},
            "teacher_group": {"name": 5}}[role]
