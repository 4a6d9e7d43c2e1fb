"""What the writer is given and what it gives back: plain data, so the decision step that makes the
work (`decide.py`) imports nothing that reaches the client."""

from __future__ import annotations

from dataclasses import dataclass, field

from destination_campus_grades.diff import Change
from destination_campus_grades.plan import LineItemPlan, ResultPlan
from destination_campus_grades.reasons import Reason
from destination_campus_grades.records import AssessmentKey
from destination_campus_grades.report import RecordOutcome
from destination_campus_grades.snapshot import Written


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why Campus refused an object: the reason code and Campus's description."""

    reason: Reason
    description: str


@dataclass(frozen=True, slots=True)
class LineItemWork:
    position: int  # of the assessment record in the ledger
    plan: LineItemPlan
    change: Change
    kept: tuple[str, ...] = ()  # fields the body carries as a teacher changed them in Campus


@dataclass(frozen=True, slots=True)
class ResultWork:
    position: int
    role: str  # scores | grades
    plan: ResultPlan
    change: Change
    refused_line_item: Refusal | None = None  # set when the lineItem was refused in an earlier batch


@dataclass(frozen=True, slots=True)
class Removal:
    """A lineItem to delete with its results (`disappeared.py` decided it), under removal_policy=delete."""

    position: int | None  # of the record that asked for it; None for a disappeared assessment
    section_id: str
    line_item_id: str
    result_ids: tuple[str, ...]
    otus_id: str
    reason: Reason


@dataclass
class BatchWritten:
    """What writing one batch came to."""

    outcomes: list[RecordOutcome] = field(default_factory=list)  # one per work item, with its position
    refused_line_items: dict[AssessmentKey, Refusal] = field(default_factory=dict)  # by assessment, for later batches
    written: list[Written] = field(default_factory=list)  # what Campus now holds (or no longer holds)
