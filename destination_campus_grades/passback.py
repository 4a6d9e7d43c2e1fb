"""One sync's sequencing: input lines → batches → decide → write thread → outcomes settled in ledger and report.

`Passback` knows nothing of Airbyte messages beyond the numbered lines of `input.py`. The
destination hands it every line; a state is handed to the ledger and starts a flush only when the
write thread is idle, and a batch is also flushed when it is full. So batches are as large as the
input allows whatever the platform's state frequency: with a state after every record, the
records that arrive while a batch is written form the next batch.

A flush settles the batch in flight first (Campus's refusals of lineItems decide that batch's
scores in later batches), keeps the last record per primary key (earlier copies are settled as
`superseded`), parks scores whose assessment has not arrived (`waiting.py`), loads the batch's
`RosterSnapshot`, decides it (`decide.py`, pure) and starts its writes on the write thread. At
most one batch is in flight. Every outcome settles its record's ledger position; the ledger alone
says which states may be echoed.

Removals wait for the end of the sync (`disappeared.py` decides them, purely): the candidates
records asked for (removed in Otus, unticked) and, when the input proved itself complete, the
lineItems of ours no record mentioned; a later copy of an assessment withdraws its candidate.
The deletes go through the write thread like every other write; their records stay unsettled
(their states wait) until then.

With a teacher group stream (`teacher_group.py`), assessments and grades are held back, their
positions unsettled, until the group is complete (every group stream's STREAM_STATUS COMPLETE, or
the end of the input); then the members are checked and the held records decided in order.

Memory is bounded by: two batches (`batch_size` records being read, one being written), one small
entry per assessment seen, the roster cache (`roster.py`), the report (counters and a few
examples), at most 100,000 waiting scores (more spill to a temporary file), the states waiting
in the ledger; while a teacher group stream has not completed, the assessments and grades that
arrived before it wait the same way (at most 100,000 in memory, the rest spilled; a source that
sends the group first holds none).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Iterable, Iterator, Mapping

from campus_oneroster.client import OneRosterClient
from destination_campus_grades import rules
from destination_campus_grades.decide import (
    AssessmentEntry, Batch, DecisionContext, decide_batch, not_sent, roster_needs,
)
from destination_campus_grades.disappeared import Candidate, RemovalEvidence, RemovalPlan, StreamKey, plan_removals
from destination_campus_grades.input import IgnoredLine, InvalidLine, RecordLine, StateLine, StreamStatusLine
from destination_campus_grades.ledger import Ledger
from destination_campus_grades.plan import PlanSettings, line_item_id
from destination_campus_grades.reasons import Outcome, Reason
from destination_campus_grades.records import (
    Assessment, Grade, GroupMember, InvalidRecord, ParsedRecord, Score, parse_record, record_key, role_of_record,
)
from destination_campus_grades.report import PassbackReport, RecordOutcome
from destination_campus_grades.roster import RosterReader
from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.rules import PassbackPolicy
from destination_campus_grades.snapshot import RosterNeeds
from destination_campus_grades.spec import GROUP_ROLE, DestinationConfig
from destination_campus_grades.teacher_group import TeacherGroup
from destination_campus_grades.waiting import DEFAULT_IN_MEMORY, HeldBack, WaitingScores
from destination_campus_grades.work import Removal
from destination_campus_grades.writer import GradebookWriter, WriteThread


DEFAULT_BATCH_SIZE = 5_000
REJECTED = frozenset({Outcome.INVALID_INPUT, Outcome.REFUSED_BY_CAMPUS})


def decision_context(config: DestinationConfig, group: TeacherGroup | None = None) -> DecisionContext:
    """The config, as the decision step takes it (the district calendar built once); rule 4's group
    as `group` says (without one: the passback_teacher_group setting)."""
    calendar = config.calendar
    group = group or TeacherGroup((), tuple(config.passback_teacher_group))
    return DecisionContext(
        PassbackPolicy(config.passback_start_date, group.configured, calendar, group.source,
                       status_flags=config.send_status_flags),
        PlanSettings(config.vendor_namespace, config.campus_categories, config.percent_metadata_key,
                     config.title_max_length, calendar, config.version.rostering_root,
                     config.letter_grade_metadata_key, config.default_category_id,
                     version=config.oneroster_version, gradebook_base_url=config.version.gradebook_root,
                     status_flags=config.send_status_flags, standards=config.send_standards),
        delete_removed=config.removal_policy == "delete", campus_edits=config.campus_edits, dry_run=config.dry_run)


class Passback:
    """The destination's work for one sync; see the module docstring for ordering and memory."""

    def __init__(self, config: DestinationConfig, client: OneRosterClient, routes: StreamRoutes, *,
                 assessments_streams: Mapping[StreamKey, bool] | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, waiting_in_memory: int = DEFAULT_IN_MEMORY) -> None:
        """`assessments_streams`: the configured catalog's assessments streams (by stream and
        namespace) → whether each is configured full refresh."""
        self.ledger: Ledger = Ledger()
        self.report = PassbackReport(dry_run=config.dry_run)
        unused = config.unused_v1p2_settings()
        if unused:
            self.report.notices.append(f"{', '.join(unused)}: OneRoster 1.2 settings, not used because the connection "
                                       "speaks 1.1 (set oneroster_version to 1.2 once Campus's connection is 1.2)")
        self._client = client
        self._routes = routes
        self._context = decision_context(config)
        self._config = config
        self.group = TeacherGroup.of(config, routes)
        self.report.teacher_group = self.group.summary()
        self._context = decision_context(config, self.group)
        self._reader = RosterReader(client, version=config.oneroster_version)
        self._writer = GradebookWriter(client, dry_run=config.dry_run)
        self._writes = WriteThread(self._writer)
        self._batch_size = batch_size
        self._pending: list[tuple[int, ParsedRecord]] = []
        self._entries: dict[tuple[str, str], AssessmentEntry] = {}
        self._waiting = WaitingScores(in_memory=waiting_in_memory)
        self._mentioned: set[str] = set()  # lineItem ids this sync's assessments records mention
        self._evidence = RemovalEvidence(dict(assessments_streams or {}))
        self._candidates: dict[str, Candidate] = {}  # removals records asked for, by lineItem sourcedId
        self._members: list[tuple[int, GroupMember]] = []  # group members not applied yet
        self._held_back = HeldBack(in_memory=waiting_in_memory)  # assessments and grades waiting for the group
        self._incomplete: set[str] = set()  # streams whose last STREAM_STATUS was not COMPLETE
        self.streams_received: set[str] = set()

    # -- input ------------------------------------------------------------------------------

    def record(self, line: RecordLine) -> None:
        """Take one record line (validated now, decided at the next flush)."""
        self.report.count_line("records")
        role = self._routes.role_of(line.stream)
        elsewhere = role == GROUP_ROLE and line.stream not in self.group.streams  # a group the catalog lacks
        position = self.ledger.receive((line.stream, line.namespace), mapped=role is not None and not elsewhere)
        self.streams_received.add(line.stream)
        if role is None:
            self._evidence.unusable_line(line.number)
        if role is None or elsewhere:
            detail = self._routes.unmapped_detail(line.stream) if role is None else \
                f"stream {line.stream!r} carries teacher group members but is not in the connection's catalog"
            self._outcome(RecordOutcome(line.stream, Outcome.INVALID_INPUT, f"line {line.number}",
                                        reason=Reason.STREAM_NOT_MAPPED, detail=detail, position=position))
            return
        record, lenient = parse_record(role, line.data)
        if role == "assessments":
            if isinstance(record, InvalidRecord):
                self._evidence.unusable_line(line.number)
            else:
                self._evidence.valid_assessments += 1
        if lenient:
            self.report.note(Reason.READ_LENIENTLY, RecordOutcome(
                role, None, _otus_id(record), detail="read as the field's type: " + ", ".join(lenient)))
        self._pending.append((position, record))
        if len(self._pending) >= self._batch_size:
            self.flush()

    def invalid(self, line: InvalidLine) -> None:
        """An unusable line: one invalid record, by line number, never by content."""
        self.report.count_line("invalid")
        position = self.ledger.receive(line.stream, mapped=False)
        if line.reason is not Reason.STATE_MALFORMED and (
                line.stream is None or self._routes.role_of(line.stream[0]) in ("assessments", None)):
            self._evidence.unusable_line(line.number)
        self._outcome(RecordOutcome("input", Outcome.INVALID_INPUT, f"line {line.number}", reason=line.reason,
                                    position=position))

    def state(self, line: StateLine) -> None:
        """A state waits in the ledger; the pending records start writing if the write thread is idle."""
        self.report.count_line("states")
        self.ledger.receive_state(line.payload, line.stream)
        if not self._writes.busy:
            self.flush()

    def ignored(self, line: IgnoredLine) -> None:
        self.report.count_line("ignored")

    def stream_status(self, line: StreamStatusLine) -> None:
        """The platform's word on whether a stream completed (a TRACE line: counted as ignored). The
        last teacher group stream's COMPLETE completes the group: what waited for it is decided."""
        self.report.count_line("ignored")
        self._evidence.status(line.stream, line.complete)
        (self._incomplete.discard if line.complete else self._incomplete.add)(line.stream)
        if line.complete and self.group.stream_complete(line.stream):
            self._complete_group()
            self.flush()

    def finish(self) -> Iterator[None]:
        """End of input: write what is pending, then decide the scores still waiting (see `decide.py`
        for the held-lineItem fallback), in chunks, then the removals. Yields after each settled
        step, so the caller can echo what the ledger releases before the next write starts."""
        self.settle()
        yield
        if self.group.waiting:
            self._complete_group()
        self.flush()
        self.settle()
        yield
        for chunk in self._waiting.drain(self._batch_size):
            self._decide_and_submit(Batch(scores=self._last_per_key(chunk)), held_fallback=True)
            self.settle()
            yield
        self._remove()
        yield

    def _remove(self) -> None:
        """`disappeared.py` decides what to remove; the deletes go through the write thread."""
        missing = self._evidence.missing()
        delete = self._context.delete_removed
        if delete or (self._evidence.modes and all(self._evidence.modes.values())):
            for reason, detail in missing:
                self.report.note(reason, RecordOutcome("assessments", None, "", detail=detail))
        candidates = list(self._candidates.values())
        self._candidates = {}
        removal = RemovalPlan()
        if candidates or not missing:
            removal = plan_removals(candidates, self._client.iter_records("/lineItems"), self._mentioned,
                                    vendor_namespace=self._config.vendor_namespace, look_for_disappeared=not missing,
                                    delete=delete, cap=self._config.removal_cap)
        for sourced_id, why in removal.not_ours:
            self.report.note(Reason.REMOVAL_NOT_OURS, RecordOutcome("assessments", None, "", sourced_id, detail=why))
        if delete and removal.held_back:
            by_cause = Counter(c.reason.value for c in removal.held_back)
            self.report.note(Reason.REMOVAL_CAP_EXCEEDED, RecordOutcome("assessments", None, "", detail=(
                f"{len(removal.held_back)} lineItems would have been removed ("
                + ", ".join(f"{cause} {n}" for cause, n in sorted(by_cause.items()))
                + f") of the {removal.passed_back} this connection has passed back; the caps are "
                f"max_removals_per_sync {self._config.max_removals_per_sync} and max_removals_percent "
                f"{self._config.max_removals_percent}. To confirm, raise them for one sync or delete them in Campus")))
        for candidate in removal.held_back:
            held = "removal held back (removal_cap_exceeded)" if delete else "removal_policy keep: left in Campus"
            self._candidate_outcome(candidate, held)
        proven = {c.line_item_id for c in removal.held_back} | {c.line_item_id for c in removal.removals}
        for candidate in candidates:
            if candidate.line_item_id not in proven:
                self._candidate_outcome(candidate, "not removed: Campus holds no lineItem of this connection for it")
        if removal.removals:
            self._delete(removal.removals)

    def _candidate_outcome(self, candidate: Candidate, detail: str) -> None:
        """A removal not carried out: the record that asked for it is skipped by its rule; a
        disappeared one is a note (no input record stands for it)."""
        outcome = RecordOutcome("assessments", candidate.reason.outcome, candidate.otus_id, candidate.line_item_id,
                                candidate.reason, detail, candidate.position)
        if candidate.position is None:
            self.report.note(candidate.reason, outcome)
        else:
            self._outcome(outcome)

    def _delete(self, removals: list[Candidate]) -> None:
        """Each lineItem with the results Campus holds on it, through the write thread."""
        results_on: dict[str, set[str]] = {}
        for c in removals:
            results_on.setdefault(c.section_id, set()).add(c.line_item_id)
        snapshot = self._reader.snapshot(RosterNeeds(results_on={s: frozenset(ids) for s, ids in results_on.items()}))
        work = []
        for c in removals:
            holdings = snapshot.holdings(c.section_id)
            results = tuple(holdings.results_of(c.line_item_id)) if holdings else ()
            work.append(Removal(c.position, c.section_id, c.line_item_id, results, c.otus_id, c.reason))
        self._writes.submit([], [], work)
        self.settle()

    def close(self) -> None:
        self._writes.close()

    def report_lines(self, *, partial: bool, error: str | None) -> list[str]:
        """The passback report as log lines, with the writes the client has sent so far."""
        sent = self._client.requests.snapshot()
        self.report.writes = {method: sent[method] for method in ("PUT", "DELETE") if sent.get(method)}
        return self.report.lines(partial=partial, error=error)

    # -- one batch --------------------------------------------------------------------------

    def flush(self) -> None:
        """Decide everything pending that can be decided now, and start writing it."""
        self.settle()
        pending, self._pending = self._pending, []
        if not pending:
            return
        for _, record in pending:
            self._mention(record)
        batch = Batch()
        scores: list[tuple[int, Score]] = []
        for position, record in self._last_per_key(pending):
            if isinstance(record, GroupMember):
                self._members.append((position, record))
            elif isinstance(record, (Assessment, Grade)) and self.group.waiting:
                self._held_back.add(position, record)  # rule 4 needs the whole group first
            elif isinstance(record, Assessment):
                batch.assessments.append((position, record))
            elif isinstance(record, Score):
                scores.append((position, record))
            elif isinstance(record, Grade):
                batch.grades.append((position, record))
            else:
                self._invalid(position, record)
        if self._members and not self.group.waiting:
            self._apply_members()
        known = self._entries.keys() | {a.key for _, a in batch.assessments}
        for position, score in scores:
            if score.assessment_key in known and not self._waiting.waits(score.assessment_key):
                batch.scores.append((position, score))
            else:
                self._waiting.add(position, score)
        batch.scores = self._last_per_key(self._waiting.release(known) + batch.scores)
        self._decide_and_submit(batch)

    def _complete_group(self) -> None:
        """The group stream is complete (its COMPLETE status, or the end of the input): its members
        are checked and become rule 4's group; the assessments and grades that waited are pending again.
        Nothing is in flight while the group waits (nothing is decided), so this never waits on a write."""
        self.flush()  # the records pending join the members, or the records waiting for the group
        self.group.complete()
        self._apply_members()
        self._pending = [*self._held_back.drain(), *self._pending]
        for notice in self.group.notices(incomplete=self._incomplete):
            self.report.notices.append(notice)

    def _apply_members(self) -> None:
        """Check each member against Campus's users (`rules.decide_member`) and add it to the group."""
        members, self._members = self._last_per_key(self._members), []
        snapshot = self._reader.snapshot(RosterNeeds(users=True))
        for position, member in members:
            decision = rules.decide_member(member, snapshot)
            if decision.send:
                self.group.members.add(member.user_id)
                self._outcome(RecordOutcome("teacher_group", Outcome.USED, member.otus_id, position=position))
            else:
                self._outcome(not_sent(position, "teacher_group", member.otus_id, decision))
        self._context = replace(self._context, policy=replace(self._context.policy,
                                                              teacher_group=frozenset(self.group.members)))
        self.report.teacher_group = self.group.summary()

    def settle(self) -> None:
        """Wait for the batch in flight and settle its outcomes; its failure is raised here."""
        done = self._writes.settle()
        if done is None:
            return
        self._reader.apply(done.written)
        for key, refusal in done.refused_line_items.items():
            self._entries[key].refusal = refusal
        for outcome in done.outcomes:
            self._outcome(outcome)

    def _decide_and_submit(self, batch: Batch, *, held_fallback: bool = False) -> None:
        snapshot = self._reader.snapshot(roster_needs(batch, self._entries, self._context, held_fallback=held_fallback))
        plan = decide_batch(batch, snapshot, self._entries, self._context, held_fallback=held_fallback)
        self._entries.update(plan.entries)
        for reason, note in plan.notes:
            self.report.note(reason, note)
        self.report.unresolved_categories.update(plan.unresolved_categories)
        for outcome in plan.decided:
            self._outcome(outcome)
        for candidate in plan.removals:
            self._candidates[candidate.line_item_id] = candidate
        if plan.line_items or plan.results:
            self._writes.submit(plan.line_items, plan.results, [])

    def _last_per_key(self, records: Iterable[tuple[int, ParsedRecord]]) -> list[tuple[int, ParsedRecord]]:
        """The last record per primary key, in position order; the earlier copies are settled as superseded."""
        latest: dict[object, tuple[int, ParsedRecord]] = {}
        for position, record in sorted(records, key=lambda item: item[0]):
            key = record_key(record) or position
            earlier = latest.get(key)
            if earlier is not None:
                self._outcome(RecordOutcome(role_of_record(earlier[1]), Outcome.SKIPPED_BY_RULE, _otus_id(earlier[1]),
                                            reason=Reason.SUPERSEDED, detail="a later record for it arrived",
                                            position=earlier[0]))
            latest[key] = (position, record)
        return sorted(latest.values(), key=lambda item: item[0])

    def _mention(self, record: ParsedRecord) -> None:
        """Which lineItems this sync's assessments records mention (for `disappeared.py`). A later
        copy of an assessment withdraws the removal an earlier copy asked for (superseded, as within
        a batch): nothing is deleted and then created again."""
        mentioned = self._line_item_of(record)
        if mentioned is None:
            return
        self._mentioned.add(mentioned)
        candidate = self._candidates.pop(mentioned, None)
        if candidate is not None:
            self._outcome(RecordOutcome("assessments", Outcome.SKIPPED_BY_RULE, candidate.otus_id,
                                        candidate.line_item_id, Reason.SUPERSEDED,
                                        "a later record for it arrived: not removed", candidate.position))

    def _line_item_of(self, record: ParsedRecord) -> str | None:
        """The lineItem an assessments record (valid, or invalid with its ids) stands for."""
        key = record.key if isinstance(record, Assessment) else \
            record.assessment_key if isinstance(record, InvalidRecord) else None
        return line_item_id(self._context.settings.namespace, *key) if key is not None else None

    # -- outcomes ---------------------------------------------------------------------------

    def _outcome(self, outcome: RecordOutcome) -> None:
        """Report an outcome and settle its record's position (a disappeared lineItem has none)."""
        self.report.add(outcome)
        if outcome.position is not None:
            self.ledger.settle(outcome.position, rejected=outcome.outcome in REJECTED)

    def _invalid(self, position: int, record: InvalidRecord) -> None:
        detail = f"{record.field}: {record.detail}" if record.field and not record.detail.startswith(record.field) \
            else record.detail
        self._outcome(RecordOutcome(record.role, Outcome.INVALID_INPUT, record.record_id, reason=record.reason,
                                    detail=detail, position=position))
        if record.assessment_key is not None:
            self._entries[record.assessment_key] = AssessmentEntry(rules.skip(record.reason, detail))


def _otus_id(record: ParsedRecord) -> str:
    return record.record_id if isinstance(record, InvalidRecord) else record.otus_id
