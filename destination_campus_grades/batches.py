"""One sync's records, in bounded batches: validate → decide → plan → diff → write → report.

`PassbackRun` knows nothing of Airbyte messages: the destination hands it records, asks it to
flush on every state (and whenever a batch fills), and asks how far the records are settled
(written or finally decided) before it echoes a state.

A batch's writes run on one background thread while the next batch is read and validated: the
next flush first waits for them (Campus's refusals of lineItems decide that batch's scores), so
at most one batch is in flight and `settled` trails the input by at most one batch.

Records arrive in any order. A score whose assessment has not arrived yet is *waiting*: it is not
decided, so a state after it is held back until the assessment arrives (or the input ends, when
`finish` decides it against the lineItem Campus holds, or reports assessment_not_found).

Memory is bounded by: two batches (`batch_size` records being read, one being written), one small
entry per assessment seen (its decision, points possible and lineItem refusal, needed by its
scores in later batches), the roster cache (see `roster.py`), the report (counters and a few
examples), and at most 100,000 waiting scores (more spill to a temporary file: `waiting.py`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import replace
from typing import Any, Mapping, TypeVar

from campus_oneroster.client import OneRosterClient
from destination_campus_grades import refusals, rules
from destination_campus_grades.diff import Change, reconcile
from destination_campus_grades.disappeared import SeenAssessments, disappeared
from destination_campus_grades.fingerprint import namespace_tag, recorded
from destination_campus_grades.plan import (
    LineItemPlan, PlanSettings, ResultPlan, due_moment, line_item_id, plan_grade, plan_line_item, plan_score,
    result_value_max,
)
from destination_campus_grades.reasons import Outcome, Reason
from destination_campus_grades.records import Assessment, Grade, InvalidRecord, Score, parse_record, record_id
from destination_campus_grades.report import PassbackReport, RecordOutcome
from destination_campus_grades.roster import CampusRoster
from destination_campus_grades.rules import PassbackDecision, PassbackPolicy
from destination_campus_grades.spec import DestinationConfig
from destination_campus_grades.waiting import DEFAULT_IN_MEMORY, WaitingScores
from destination_campus_grades.writer import GradebookWriter, LineItemWork, Refusal, Removal, ResultWork

DEFAULT_BATCH_SIZE = 5_000
Plan = TypeVar("Plan", LineItemPlan, ResultPlan)
REMOVABLE = frozenset({Reason.ASSESSMENT_DELETED, Reason.NOT_IN_FINAL_GRADE})


@dataclass(slots=True)
class AssessmentEntry:
    """What later scores of an assessment need: its decision, points possible, its lineItem's scale
    (resultValueMax), a lineItem refusal."""

    decision: PassbackDecision
    points_possible: float | None = None
    scale: float | None = None
    refusal: Refusal | None = None


class PassbackRun:
    """The destination's work for one sync; see the module docstring for ordering and memory."""

    def __init__(self, config: DestinationConfig, client: OneRosterClient, *,
                 batch_size: int = DEFAULT_BATCH_SIZE, waiting_in_memory: int = DEFAULT_IN_MEMORY,
                 object_names: Mapping[str, str] | None = None) -> None:
        self._config = config
        self._object_names = object_names or {}  # stream → destination_object_name of the configured catalog
        self._calendar = config.calendar
        self._policy = PassbackPolicy(config.passback_start_date, frozenset(config.passback_teacher_group),
                                      self._calendar)
        self._settings = PlanSettings(config.vendor_namespace, config.campus_categories, config.percent_metadata_key,
                                      config.title_max_length, self._calendar, config.base_url,
                                      config.letter_grade_metadata_key)
        self._client = client
        self._roster = CampusRoster(client)
        self._writer = GradebookWriter(client, self._roster, dry_run=config.dry_run)
        self.report = PassbackReport(dry_run=config.dry_run)
        self._batch_size = batch_size
        self._pending: list[Assessment | Score | Grade | InvalidRecord] = []
        self._pending_seqs: list[int] = []
        self._entries: dict[tuple[str, str], AssessmentEntry] = {}
        self._waiting = WaitingScores(in_memory=waiting_in_memory)
        self._seen = SeenAssessments()
        self._write_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="passback-write")
        self._in_flight: tuple[Future, list[LineItemWork], int, int] | None = None  # future, lineItems, position, oldest seq
        self.position = 0  # records received so far; a state received now covers seqs < position
        self.settled = 0  # every record before this position is written or decided, or waiting

    # -- input ------------------------------------------------------------------------------

    def add(self, stream: str, data: Any) -> None:
        """Take one record of an incoming stream (validated now, decided at the next flush)."""
        seq, self.position = self.position, self.position + 1
        object_name = self._object_names.get(stream)
        role = self._config.role_of(stream, object_name)
        if role is None:
            rid = record_id("", data) if isinstance(data, dict) else "<record>"
            detail = (f"stream {stream!r} is mapped onto {object_name!r}, which is not one of this destination's objects"
                      if object_name else f"stream {stream!r} is not mapped in stream_roles")
            self.report.add(RecordOutcome(stream, Outcome.INVALID_INPUT, rid, reason=Reason.STREAM_NOT_MAPPED,
                                          detail=detail))
            return
        self._pending.append(parse_record(role, data))
        self._pending_seqs.append(seq)

    @property
    def full(self) -> bool:
        return len(self._pending) >= self._batch_size

    def settled_before(self) -> int:
        """Position before which every record is written to Campus or finally decided: a state
        received at or before it may be echoed. Waiting scores and the batch in flight hold it back."""
        oldest = [self.settled]
        if self._waiting.oldest() is not None:
            oldest.append(self._waiting.oldest())
        if self._in_flight is not None:
            oldest.append(self._in_flight[3])
        return min(oldest)

    def report_lines(self, *, partial: bool, error: str | None) -> list[str]:
        """The passback report as log lines, with the writes the client has sent so far."""
        sent = self._client.requests.snapshot()
        self.report.writes = {method: sent[method] for method in ("PUT", "DELETE") if sent.get(method)}
        return self.report.lines(partial=partial, error=error)

    def close(self) -> None:
        """Stop the write thread (after the batch in flight, if any, ends)."""
        self._write_thread.shutdown(wait=True)

    def finish(self, *, full_refresh_complete: bool | None = None) -> None:
        """End of input: flush, decide the scores whose assessment never arrived, then (in a full
        refresh of the assessments that completed: `full_refresh_complete`) the disappeared ones.

        An incremental sync (or a sync resumed from a state) sends a changed score without its
        unchanged assessment. If Campus holds the assessment's lineItem, it was passed back
        earlier: the score is decided against it (points possible = its resultValueMax).
        Otherwise the score is reported as assessment_not_found. Scores that were spilled to disk
        (too many waiting at once) are decided here too, in chunks, against their assessment if it
        arrived meanwhile.
        """
        self.flush()
        self._settle()
        for chunk in self._waiting.drain(self._batch_size):
            scores = [score for _, score in chunk]
            self._roster.load_sections(s.section_id for s in scores)
            for assessment_id, section_id in {s.assessment_key for s in scores} - self._entries.keys():
                held = self._roster.held_line_item(
                    section_id, line_item_id(self._settings.namespace, assessment_id, section_id))
                if held is not None:
                    scale = float(held["resultValueMax"])
                    self._entries[(assessment_id, section_id)] = AssessmentEntry(rules.SEND, scale, scale)
            self._submit([], self._decide_scores(scores), [], min(seq for seq, _ in chunk))
            self._settle()
        if full_refresh_complete is not None:
            self._remove_disappeared(full_refresh_complete)

    def _remove_disappeared(self, complete: bool) -> None:
        """`disappeared.py`: lineItems of ours no record mentioned, deleted or listed by removal_policy."""
        why_not = "the assessments stream did not complete" if not complete else self._seen.not_checked_because()
        if why_not is not None:
            self.report.note(Reason.REMOVALS_NOT_CHECKED, RecordOutcome("assessments", Outcome.UNCHANGED, "", detail=why_not))
            return
        gone = list(disappeared(self._client.iter_records("/lineItems"), self._seen,
                                namespace_tag(self._config.vendor_namespace)))
        delete = self._config.removal_policy == "delete"
        sections = [held["class"]["sourcedId"] for held in gone]
        if delete:
            self._roster.load_sections(sections)
            self._roster.load_results(sections)
        for held, section_id in zip(gone, sections):
            otus_id = str(recorded(held).get("otus") or "")
            if delete:
                holdings = self._roster.holdings(section_id)
                results = tuple(holdings.results_of(held["sourcedId"])) if holdings else ()
                self._writer.remove(Removal(section_id, held["sourcedId"], results, otus_id, Reason.ASSESSMENT_DISAPPEARED))
                outcome, detail = Outcome.DELETED, f"removal_policy delete: deleted with {len(results)} results"
            else:
                outcome, detail = Outcome.UNCHANGED, "removal_policy keep: left in Campus"
            self.report.note(Reason.ASSESSMENT_DISAPPEARED,
                             RecordOutcome("assessments", outcome, otus_id, held["sourcedId"], detail=detail))

    # -- one batch --------------------------------------------------------------------------

    def flush(self) -> None:
        """Decide, plan and diff everything pending that can be decided now, and start writing it."""
        pending, seqs = self._pending, self._pending_seqs
        self._pending, self._pending_seqs = [], []
        self._settle()
        if not pending:
            self.settled = self.position
            return
        assessments: dict[tuple[str, str], Assessment] = {}
        scores: list[Score] = []
        grades: list[Grade] = []
        for seq, record in zip(seqs, pending):
            if isinstance(record, Assessment):
                assessments[record.key] = record
                self._seen.mention(line_item_id(self._settings.namespace, *record.key))
            elif isinstance(record, Score):
                self._waiting.add(seq, record)
            elif isinstance(record, Grade):
                grades.append(record)
            else:
                self._invalid(record)
        line_items, removals = self._decide_assessments(list(assessments.values()))
        released = self._waiting.release(self._entries)
        oldest = min([seqs[0], *(seq for seq, _ in released)])
        scores.extend(score for _, score in released)
        self._submit(line_items, self._decide_scores(scores) + self._decide_grades(grades), removals, oldest)

    def _submit(self, line_items: list[LineItemWork], results: list[ResultWork], removals: list[Removal],
                oldest: int) -> None:
        """Start writing a batch; `oldest` is the seq of its oldest record (a score may have waited)."""
        assert self._in_flight is None, "a batch is still in flight: settle it first"
        future = self._write_thread.submit(self._writer.write, line_items, results, removals)
        self._in_flight = (future, line_items, self.position, oldest)

    def _settle(self) -> None:
        """Wait for the batch in flight; its failure (after the client's retries) is raised here."""
        if self._in_flight is None:
            return
        future, line_items, position, _ = self._in_flight
        self._in_flight = None
        outcomes, refused = future.result()
        self.settled = position
        for work in line_items:
            if work.plan.sourced_id in refused:
                self._entries[(work.plan.assessment_id, work.plan.section_id)].refusal = refused[work.plan.sourced_id]
        for outcome in outcomes:
            self.report.add(outcome)

    def _decide_assessments(self, assessments: list[Assessment]) -> tuple[list[LineItemWork], list[Removal]]:
        in_otus = {a.key: rules.decide_assessment_in_otus(a, self._policy) for a in assessments}
        removal = self._config.removal_policy == "delete"
        self._roster.load_sections(
            a.section_id for a in assessments
            if in_otus[a.key] is None or removal and in_otus[a.key].reason in REMOVABLE)
        works: list[LineItemWork] = []
        removed: list[tuple[Assessment, PassbackDecision]] = []
        for a in assessments:
            decision = in_otus[a.key] or rules.decide_assessment(a, self._policy, self._roster)
            self._entries[a.key] = AssessmentEntry(decision, a.points_possible, result_value_max(a))
            if decision.send:
                work = self._line_item_work(a)
                if work is not None:
                    works.append(work)
            elif removal and decision.reason in REMOVABLE and self._roster.held_line_item(
                    a.section_id, line_item_id(self._settings.namespace, a.assessment_id, a.section_id)):
                removed.append((a, decision))
            else:
                self._skipped("assessments", a.otus_id, decision)
        return works, self._removals(removed)

    def _line_item_work(self, a: Assessment) -> LineItemWork | None:
        """Plan one lineItem, or report the refusal Campus is bound to make (no PUT: `refusals.py`)."""
        holdings = self._roster.holdings(a.section_id)
        sessions = self._roster.sessions()
        due = self._calendar.day_of(due_moment(a, self._calendar))
        plan = plan_line_item(a, self._settings,
                              grading_period_id=refusals.grading_period_for(due, holdings.term_ids, sessions))
        predicted = refusals.due_date_outside_term(due, holdings.term_ids, sessions) or \
            refusals.title_taken(plan.body["title"], plan.sourced_id, holdings.titles)
        if predicted is not None:
            self._entries[a.key].refusal = Refusal(predicted.reason, predicted.detail)
            self.report.add(RecordOutcome("assessments", Outcome.REFUSED_BY_CAMPUS, a.otus_id, plan.sourced_id,
                                          predicted.reason, predicted.detail))
            return None
        holdings.titles[refusals.title_key(plan.body["title"])] = plan.sourced_id
        plan, change = self._reconciled("assessments", plan, self._roster.held_line_item(a.section_id, plan.sourced_id))
        for note in plan.notes:
            self.report.note(note, RecordOutcome("assessments", Outcome.CREATED, a.otus_id, plan.sourced_id))
        return LineItemWork(plan, change)

    def _reconciled(self, role: str, plan: Plan, held: dict[str, Any] | None) -> tuple[Plan, Change]:
        """The three-way diff of one object (`diff.reconcile`), its notes in the report, the body to send."""
        found = reconcile(plan.body, held, self._calendar,
                          percent_key=self._settings.percent_key if isinstance(plan, ResultPlan) else None,
                          campus_edits=self._config.campus_edits)
        outcome = {Change.CREATE: Outcome.CREATED, Change.UPDATE: Outcome.UPDATED}.get(found.change, Outcome.UNCHANGED)

        def note(reason: Reason, detail: str | None = None) -> None:
            self.report.note(reason, RecordOutcome(role, outcome, plan.otus_id, plan.sourced_id, detail=detail))

        if found.kept:
            note(Reason.CAMPUS_EDIT_KEPT, f"kept as changed in Campus: {', '.join(found.kept)}")
        if found.overwritten:
            why = "campus_edits: overwrite" if found.campus_only else "changed in Otus too"
            note(Reason.CAMPUS_EDIT_OVERWRITTEN, f"Otus's value written over Campus's ({why}): {', '.join(found.overwritten)}")
        if found.two_way:
            note(Reason.COMPARED_TWO_WAY)
        if found.resent:
            note(Reason.RESENT_AFTER_CAMPUS_DELETE)
        if self._config.dry_run and found.change is not Change.UNCHANGED:
            note(Reason.REFUSAL_NOT_PREDICTABLE)
        return replace(plan, body=found.body), found.change

    def _removals(self, removed: list[tuple[Assessment, PassbackDecision]]) -> list[Removal]:
        """removal_policy=delete: the lineItems (and their results) Campus holds of removed assessments."""
        self._roster.load_results(a.section_id for a, _ in removed)
        removals = []
        for a, decision in removed:
            lid = line_item_id(self._settings.namespace, a.assessment_id, a.section_id)
            results = tuple(self._roster.holdings(a.section_id).results_of(lid))
            removals.append(Removal(a.section_id, lid, results, a.otus_id, decision.reason))
        return removals

    def _decide_scores(self, scores: list[Score]) -> list[ResultWork]:
        entries = {s.assessment_key: self._entries.get(s.assessment_key) for s in scores}
        self._roster.load_sections(s.section_id for s in scores
                                   if entries[s.assessment_key] and entries[s.assessment_key].decision.send)
        sent: list[tuple[ResultPlan, AssessmentEntry]] = []
        for s in scores:
            entry = entries[s.assessment_key]
            decision = rules.decide_score(s, entry.decision if entry else None, entry.points_possible if entry else None,
                                          self._policy, self._roster)
            if decision.send:
                sent.append((plan_score(s, self._settings, points_possible=entry.points_possible, scale=entry.scale),
                             entry))
            else:
                self._skipped("scores", s.otus_id, decision)
        self._roster.load_results(plan.section_id for plan, _ in sent
                                  if self._roster.held_line_item(plan.section_id, plan.line_item_id))
        return [self._result_work("scores", plan, entry.refusal) for plan, entry in sent]

    def _result_work(self, role: str, plan: ResultPlan, refused_line_item: Refusal | None = None) -> ResultWork:
        if refused_line_item is not None:  # refused with its lineItem, never sent: nothing to compare
            return ResultWork(role, plan, Change.CREATE, refused_line_item)
        plan, change = self._reconciled(role, plan, self._roster.held_result(plan.section_id, plan.sourced_id))
        return ResultWork(role, plan, change)

    def _decide_grades(self, grades: list[Grade]) -> list[ResultWork]:
        self._roster.load_sections(g.section_id for g in grades)
        sent: list[ResultPlan] = []
        for g in grades:
            decision = rules.decide_grade(g, self._policy, self._roster)
            task = self._roster.held_line_item(g.section_id, g.grading_task_id) if decision.send else None
            predicted = decision.send and refusals.score_not_in_group(g.score, task)
            if predicted:
                self.report.add(RecordOutcome("grades", Outcome.REFUSED_BY_CAMPUS, g.otus_id,
                                              plan_grade(g, self._settings).sourced_id, predicted.reason, predicted.detail))
            elif decision.send:
                sent.append(plan_grade(g, self._settings, scale=float(task["resultValueMax"])))
            else:
                self._skipped("grades", g.otus_id, decision)
        self._roster.load_results(plan.section_id for plan in sent)
        return [self._result_work("grades", plan) for plan in sent]

    # -- records that are not written -------------------------------------------------------

    def _invalid(self, record: InvalidRecord) -> None:
        if record.role == "assessments":
            if record.assessment_key is None:
                self._seen.without_ids += 1
            else:
                self._seen.mention(line_item_id(self._settings.namespace, *record.assessment_key))
        detail = f"{record.field}: {record.detail}" if record.field and not record.detail.startswith(record.field) \
            else record.detail
        self.report.add(RecordOutcome(record.role, Outcome.INVALID_INPUT, record.record_id, reason=record.reason,
                                      detail=detail))
        if record.assessment_key is not None:
            self._entries[record.assessment_key] = AssessmentEntry(rules.skip(record.reason, detail))

    def _skipped(self, role: str, otus_id: str, decision: PassbackDecision) -> None:
        reason = decision.reason
        self.report.add(RecordOutcome(role, reason.outcome, otus_id, reason=reason, detail=decision.detail or None))

