"""Otus records on disk for `--export DIR`: one JSON-lines file per destination role.

A district trying the connectors on its own data exports the roles from Otus (or from the
views the operator guide describes) as `assessments.jsonl`, `scores.jsonl` and `grades.jsonl`,
and the Gradebook Passback Teacher Group as `teacher_group.jsonl` when Otus exports it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from destination_campus_grades.spec import GROUP_ROLE, STREAM_ROLES


def read_export(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Records per role, in role order; a missing file is an empty role, except the teacher group,
    which is then not carried (the config's passback_teacher_group applies).

    A line that is not a JSON object stops the demo with the file and line number, because the
    destination would only be able to report it as unusable input.
    """
    export: dict[str, list[dict[str, Any]]] = {}
    for role in STREAM_ROLES:
        path = directory / f"{role}.jsonl"
        if role == GROUP_ROLE and not path.exists():
            continue
        records: list[dict[str, Any]] = []
        if path.exists():
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number} is not JSON ({error.msg}); write one JSON object per line") from None
                if not isinstance(record, dict):
                    raise ValueError(f"{path}:{number} is not a JSON object; write one record per line")
                records.append(record)
        export[role] = records
    return export
