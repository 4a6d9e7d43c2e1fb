"""One batch's decisions: typed records + a roster snapshot → the writes to make and the records settled without one.

Pure: everything arrives as an argument (the batch, the `RosterSnapshot` loaded for it, what is
known of assessments decided earlier), nothing is read or written here. `roster_needs` says what
the snapshot must hold before `decide_batch` may be called; the sequencing lives in `passback.py`.

Policy decided here (the rules themselves are in `rules.py`):
- A refusal Campus is bound to make (a due date outside the section's terms, a duplicate title,
  no category resolved (`categories.py`), a grade outside the score group (on 1.2 outside the
  class's score scale), a letter without a percent where letters travel in metadata:
  `refusals.py`) is reported without a PUT.
- Every write is the three-way diff of Otus, Campus and our fingerprint (`diff.reconcile`), with
  its notes (a teacher's edit kept or overwritten, compared two-way, re-sent after a delete).
- Under removal_policy=delete, an assessment removed in Otus (`assessment_deleted`) or unticked
  from the final grade (`not_in_final_grade`) whose lineItem Campus holds is a removal candidate,
  decided at the end of the sync with the others (`disappeared.py`: a later copy, ownership, the
  cap); otherwise it is skipped by its rule.
- A score whose assessment never arrived in this sync (an incremental or resumed sync sends a
  changed score without its unchanged assessment) is decided against the lineItem Campus holds,
  which was passed back earlier (points possible = its resultValueMax); without one it is
  `assessment_not_found`. Only at the end of the input (`held_fallback`).
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, TypeVar

from destination_campus_grades import categories, refusals, rules
from destination_campus_grades.diff import CampusEdits, Change, reconcile
from destination_campus_grades.disappeared import Candidate
from destination_campus_grades.plan import (
    LineItemPlan, PlanSettings, ResultPlan, due_moment, line_item_id, plan_grade, plan_line_item, plan_score,
    result_value_max,
)
from destination_campus_grades.reasons import Outcome, Reason
from destination_campus_grades.records import Assessment, AssessmentKey, Grade, Score
from destination_campus_grades.report import RecordOutcome
from destination_campus_grades.snapshot import RosterNeeds, RosterSnapshot
from destination_campus_grades.rules import PassbackDecision, PassbackPolicy
from destination_campus_grades.work import LineItemWork, Refusal, ResultWork

REMOVABLE = frozenset({Reason.ASSESSMENT_DELETED, Reason.NOT_IN_FINAL_GRADE})
Plan = TypeVar("Plan", LineItemPlan, ResultPlan)
CHANGED = {Change.CREATE: Outcome.CREATED, Change.UPDATE: Outcome.UPDATED}


@dataclass(slots=True)
class AssessmentEntry:
    """What later scores of an assessment need: its decision, points possible, its lineItem's scale
    (resultValueMax), a lineItem refusal."""

    decision: PassbackDecision
    points_possible: float | None = None
    scale: float | None = None
    refusal: Refusal | None = None


@dataclass(frozen=True)
class DecisionContext:
    """The district's settings every batch is decided with."""

    policy: PassbackPolicy
    settings: PlanSettings
    delete_removed: bool  # removal_policy == "delete"
    campus_edits: CampusEdits  # a value a teacher changed in Campus (`diff.reconcile`)
    dry_run: bool


@dataclass
class Batch:
    """Records to decide now, each with its ledger position (duplicates already removed)."""

    assessments: list[tuple[int, Assessment]] = field(default_factory=list)
    scores: list[tuple[int, Score]] = field(default_factory=list)
    grades: list[tuple[int, Grade]] = field(default_factory=list)


@dataclass
class BatchPlan:
    """What a batch comes to: writes for the writer, records already settled, notes, new entries."""

    line_items: list[LineItemWork] = field(default_factory=list)
    results: list[ResultWork] = field(default_factory=list)
    removals: list[Candidate] = field(default_factory=list)  # decided at the end of the sync (`disappeared.py`)
    decided: list[RecordOutcome] = field(default_factory=list)
    notes: list[tuple[Reason, RecordOutcome]] = field(default_factory=list)
    entries: dict[AssessmentKey, AssessmentEntry] = field(default_factory=dict)
    unresolved_categories: set[tuple[str, str]] = field(default_factory=set)  # (class, Otus category)


def roster_needs(batch: Batch, known: Mapping[AssessmentKey, AssessmentEntry], ctx: DecisionContext, *,
                 held_fallback: bool = False) -> RosterNeeds:
    """The sections, results and users `decide_batch` will ask about for this batch."""
    sections: set[str] = set()
    results_on: dict[str, set[str]] = {}
    users = False
    maybe_sent: set[AssessmentKey] = set()
    for _, a in batch.assessments:
        in_otus = rules.decide_assessment_in_otus(a, ctx.policy)
        if in_otus is None:
            sections.add(a.section_id)
            users = True
            maybe_sent.add(a.key)
        elif ctx.delete_removed and in_otus.reason in REMOVABLE:
            sections.add(a.section_id)  # whether Campus holds its lineItem
    for _, s in batch.scores:
        entry = known.get(s.assessment_key)
        if s.assessment_key in maybe_sent or (entry.decision.send if entry else held_fallback):
            lid = line_item_id(ctx.settings.namespace, s.assessment_id, s.section_id)
            results_on.setdefault(s.section_id, set()).add(lid)
    for _, g in batch.grades:
        results_on.setdefault(g.section_id, set()).add(g.grading_task_id)
        users = True
    users = users or ctx.settings.v1p2 and bool(batch.scores)  # 1.2: a 1.1 student id not in its section
    return RosterNeeds(frozenset(sections), {sid: frozenset(ids) for sid, ids in results_on.items()}, users,
                       sessions=bool(maybe_sent), categories=bool(maybe_sent) and ctx.settings.default_category is None)


def decide_batch(batch: Batch, roster: RosterSnapshot, known: Mapping[AssessmentKey, AssessmentEntry],
                 ctx: DecisionContext, *, held_fallback: bool = False) -> BatchPlan:
    """Every record of the batch → a write, or an outcome now; `plan.entries` are the batch's assessments."""
    plan = BatchPlan()
    titles: dict[str, dict[str, str]] = {}  # section → titles this batch's lineItems claim
    provider_category = categories.provider_default(roster.categories)
    for position, a in batch.assessments:
        _decide_assessment(position, a, roster, ctx, plan, titles, provider_category)
    if held_fallback:
        plan.entries.update(_held_entries(batch.scores, roster, known, ctx))
    for position, s in batch.scores:
        entry = plan.entries.get(s.assessment_key) or known.get(s.assessment_key)
        decision = rules.decide_score(s, entry.decision if entry else None, entry.points_possible if entry else None,
                                      ctx.policy, roster)
        if decision.send:
            result = plan_score(s, ctx.settings, points_possible=entry.points_possible, scale=entry.scale,
                                student=decision.student)
            plan.results.append(_result_work(position, "scores", result, roster, ctx, plan, entry.refusal))
        else:
            plan.decided.append(not_sent(position, "scores", s.otus_id, decision))
    for position, g in batch.grades:
        decision = rules.decide_grade(g, ctx.policy, roster)
        task = roster.held_line_item(g.section_id, g.grading_task_id) if decision.send else None
        predicted = decision.send and (
            refusals.letter_not_in_scale(g.score, task, roster.holdings(g.section_id).score_scales) if ctx.settings.v1p2
            else refusals.letter_without_percent(g.score, g.percent, ctx.settings.letter_key)
        ) or decision.send and refusals.score_not_in_group(g.score, task)
        if predicted:
            plan.decided.append(RecordOutcome("grades", Outcome.REFUSED_BY_CAMPUS, g.otus_id,
                                              plan_grade(g, ctx.settings, student=decision.student).sourced_id,
                                              predicted.reason, predicted.detail, position))
        elif decision.send:
            result = plan_grade(g, ctx.settings, scale=float(task["resultValueMax"]), student=decision.student)
            plan.results.append(_result_work(position, "grades", result, roster, ctx, plan))
        else:
            plan.decided.append(not_sent(position, "grades", g.otus_id, decision))
    return plan


def _decide_assessment(position: int, a: Assessment, roster: RosterSnapshot, ctx: DecisionContext,
                       plan: BatchPlan, titles: dict[str, dict[str, str]], provider_category: str | None) -> None:
    decision = rules.decide_assessment_in_otus(a, ctx.policy) or rules.decide_assessment(a, ctx.policy, roster)
    plan.entries[a.key] = AssessmentEntry(decision, a.points_possible, result_value_max(a))
    lid = line_item_id(ctx.settings.namespace, a.assessment_id, a.section_id)
    if decision.send:
        _line_item_work(position, a, roster, ctx, plan, titles.setdefault(a.section_id, {}), provider_category)
    elif ctx.delete_removed and decision.reason in REMOVABLE and roster.held_line_item(a.section_id, lid):
        plan.removals.append(Candidate(a.section_id, lid, a.otus_id, decision.reason, position))
    else:
        plan.decided.append(not_sent(position, "assessments", a.otus_id, decision))


def _line_item_work(position: int, a: Assessment, roster: RosterSnapshot, ctx: DecisionContext, plan: BatchPlan,
                    claimed: dict[str, str], provider_category: str | None) -> None:
    """Plan one lineItem, or report the refusal Campus is bound to make (no PUT: `refusals.py`)."""
    holdings = roster.holdings(a.section_id)
    calendar = ctx.settings.calendar
    due = calendar.day_of(due_moment(a, calendar))
    category = categories.resolve_category(a.category, class_categories=holdings.categories,
                                           category_map=ctx.settings.category_map,
                                           district_default=ctx.settings.default_category,
                                           provider_default_id=None if ctx.settings.v1p2 else provider_category)
    line_item = plan_line_item(a, ctx.settings, category=category, grading_period_id=refusals.grading_period_for(
        due, holdings.term_ids, roster.sessions), school_id=holdings.school_id)
    titles = ChainMap(claimed, holdings.titles)
    if category is None:
        plan.unresolved_categories.add((a.section_id, a.category or ""))
    predicted = refusals.due_date_outside_term(due, holdings.term_ids, roster.sessions) or \
        refusals.title_taken(line_item.body["title"], line_item.sourced_id, titles) or \
        (refusals.category_unresolved(a.category, a.section_id) if category is None else None)
    if predicted is not None:
        plan.entries[a.key].refusal = Refusal(predicted.reason, predicted.detail)
        plan.decided.append(RecordOutcome("assessments", Outcome.REFUSED_BY_CAMPUS, a.otus_id, line_item.sourced_id,
                                          predicted.reason, predicted.detail, position))
        return
    claimed[refusals.title_key(line_item.body["title"])] = line_item.sourced_id
    held = roster.held_line_item(a.section_id, line_item.sourced_id)
    line_item, change, kept = _reconciled("assessments", line_item, held, ctx, plan)
    if "resultValueMax" in kept:  # the teacher's scale stays: scores are written on it, the fraction stays true
        plan.entries[a.key].scale = float(held["resultValueMax"])
    for note in line_item.notes:
        plan.notes.append((note, RecordOutcome("assessments", None, a.otus_id, line_item.sourced_id)))
    plan.line_items.append(LineItemWork(position, line_item, change, kept))


def _result_work(position: int, role: str, result: ResultPlan, roster: RosterSnapshot, ctx: DecisionContext,
                 plan: BatchPlan, refused_line_item: Refusal | None = None) -> ResultWork:
    if refused_line_item is not None:  # refused with its lineItem, never sent: nothing to compare
        return ResultWork(position, role, result, Change.CREATE, refused_line_item)
    result, change, _ = _reconciled(role, result, roster.held_result(result.section_id, result.sourced_id), ctx, plan)
    return ResultWork(position, role, result, change)


def _reconciled(role: str, planned: Plan, held: dict[str, Any] | None, ctx: DecisionContext,
                plan: BatchPlan) -> tuple[Plan, Change, tuple[str, ...]]:
    """The three-way diff of one object (`diff.reconcile`), its notes, the body to send, the
    fields kept as a teacher changed them in Campus."""
    found = reconcile(planned.body, held, ctx.settings.calendar,
                      percent_key=ctx.settings.percent_key if isinstance(planned, ResultPlan) else None,
                      campus_edits=ctx.campus_edits,
                      defaults=planned.defaults if isinstance(planned, LineItemPlan) else None)
    outcome = CHANGED.get(found.change, Outcome.UNCHANGED)

    def note(reason: Reason, detail: str | None = None) -> None:
        plan.notes.append((reason, RecordOutcome(role, outcome, planned.otus_id, planned.sourced_id, detail=detail)))

    if found.kept:
        note(Reason.CAMPUS_EDIT_KEPT, f"kept as changed in Campus: {', '.join(found.kept)}")
    if found.overwritten:
        why = "campus_edits: overwrite" if found.campus_only else "changed in Otus too"
        note(Reason.CAMPUS_EDIT_OVERWRITTEN, f"Otus's value written over Campus's ({why}): {', '.join(found.overwritten)}")
    if found.two_way:
        note(Reason.COMPARED_TWO_WAY)
    if found.resent:
        note(Reason.RESENT_AFTER_CAMPUS_DELETE)
    if ctx.dry_run and found.change is not Change.UNCHANGED:
        note(Reason.REFUSAL_NOT_PREDICTABLE)
    return replace(planned, body=found.body), found.change, found.kept


def _held_entries(scores: list[tuple[int, Score]], roster: RosterSnapshot,
                  known: Mapping[AssessmentKey, AssessmentEntry], ctx: DecisionContext) -> dict[AssessmentKey, AssessmentEntry]:
    """Entries for assessments that did not arrive but whose lineItem Campus holds (passed back earlier)."""
    entries = {}
    for assessment_id, section_id in {s.assessment_key for _, s in scores} - known.keys():
        held = roster.held_line_item(section_id, line_item_id(ctx.settings.namespace, assessment_id, section_id))
        if held is not None:
            scale = float(held["resultValueMax"])
            entries[(assessment_id, section_id)] = AssessmentEntry(rules.SEND, scale, scale)
    return entries


def not_sent(position: int, role: str, otus_id: str, decision: PassbackDecision) -> RecordOutcome:
    """The outcome of a record a rule decided not to send, counted as its reason says."""
    reason = decision.reason
    return RecordOutcome(role, reason.outcome, otus_id, reason=reason, detail=decision.detail or None,
                         position=position)
