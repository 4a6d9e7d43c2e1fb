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

With a teacher group stream (`teacher_group.py`), assessments and grades are held back, their
positions unsettled, until the group is complete (every group stream's STREAM_STATUS COMPLETE, or
the end of the input); then the members are checked and the held records decided in order.

At the end of a full refresh of the assessments that completed, the lineItems of ours that no
record mentioned are looked for (`disappeared.py`) and, under removal_policy=delete, deleted.

Memory is bounded by: two batches (`batch_size` records being read, one being written), one small
entry per assessment seen, the roster cache (`roster.py`), the report (counters and a few
examples), at most 100,000 waiting scores (more spill to a temporary file), the states waiting
in the ledger; while a teacher group stream has not completed, the assessments and grades that
arrived before it wait the same way (at most 100,000 in memory, the rest spilled; a source that
sends the group first holds none).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from campus_oneroster.client import OneRosterClient
from destination_campus_grades import rules
from destination_campus_grades.decide import (
    AssessmentEntry, Batch, DecisionContext, decide_batch, not_sent, roster_needs,
)
from destination_campus_grades.disappeared import SeenAssessments, disappeared
from destination_campus_grades.fingerprint import namespace_tag, recorded
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
                 batch_size: int = DEFAULT_BATCH_SIZE, waiting_in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self.ledger: Ledger = Ledger()
        self.report = PassbackReport(dry_run=config.dry_run)
        unused = config.unused_v1p2_settings()
        if unused:
            self.report.notices.append(f"{', '.join(unused)}: OneRoster 1.2 settings, not used because the connection "
                                       "speaks 1.1 (set oneroster_version to 1.2 once Campus's connection is 1.2)")
        self._client = client
        self._routes = routes
        self.group = TeacherGroup.of(config, routes)
        self.report.teacher_group = self.group.summary()
        self._context = decision_context(config, self.group)
        self._vendor_namespace = config.vendor_namespace
        self._reader = RosterReader(client, version=config.oneroster_version)
        self._writer = GradebookWriter(client, dry_run=config.dry_run)
        self._writes = WriteThread(self._writer)
        self._batch_size = batch_size
        self._pending: list[tuple[int, ParsedRecord]] = []
        self._entries: dict[tuple[str, str], AssessmentEntry] = {}
        self._waiting = WaitingScores(in_memory=waiting_in_memory)
        self._members: list[tuple[int, GroupMember]] = []  # group members not applied yet
        self._held_back = HeldBack(in_memory=waiting_in_memory)  # assessments and grades waiting for the group
        self._seen = SeenAssessments()
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
        if role is None or elsewhere:
            detail = self._routes.unmapped_detail(line.stream) if role is None else \
                f"stream {line.stream!r} carries teacher group members but is not in the connection's catalog"
            self._outcome(RecordOutcome(line.stream, Outcome.INVALID_INPUT, f"line {line.number}",
                                        reason=Reason.STREAM_NOT_MAPPED, detail=detail, position=position))
            return
        record, lenient = parse_record(role, line.data)
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
        (self._incomplete.discard if line.complete else self._incomplete.add)(line.stream)
        if line.complete and self.group.stream_complete(line.stream):
            self._complete_group()
            self.flush()

    def finish(self, full_refresh: frozenset[str] | None = None) -> Iterator[None]:
        """End of input: write what is pending, then decide the scores still waiting (see `decide.py`
        for the held-lineItem fallback), in chunks; then, when `full_refresh` names the assessments
        streams (all full refresh), the disappeared assessments. Yields after each settled step, so
        the caller can echo what the ledger releases before the next write starts."""
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
        if full_refresh is not None:
            self._remove_disappeared(complete=not (self._incomplete & full_refresh))

    def _remove_disappeared(self, *, complete: bool) -> None:
        """`disappeared.py`: lineItems of ours no record mentioned, deleted or listed by removal_policy.
        Notes only: no input record stands for them, so nothing here settles a position."""
        why_not = "the assessments stream did not complete" if not complete else self._seen.not_checked_because()
        if why_not is not None:
            self.report.note(Reason.REMOVALS_NOT_CHECKED, RecordOutcome("assessments", None, "", detail=why_not))
            return
        gone = list(disappeared(self._client.iter_records("/lineItems"), self._seen,
                                namespace_tag(self._vendor_namespace)))
        delete = self._context.delete_removed
        sections = [held["class"]["sourcedId"] for held in gone]
        snapshot = self._reader.snapshot(RosterNeeds(results_on={
            sid: frozenset(h["sourcedId"] for h, s in zip(gone, sections) if s == sid) for sid in sections})) \
            if delete else None
        for held, section_id in zip(gone, sections):
            otus_id = str(recorded(held).get("otus") or "")
            if delete:
                holdings = snapshot.holdings(section_id)
                results = tuple(holdings.results_of(held["sourcedId"])) if holdings else ()
                self._writer.remove(Removal(-1, section_id, held["sourcedId"], results, otus_id,
                                            Reason.ASSESSMENT_DISAPPEARED))
                outcome, detail = Outcome.DELETED, f"removal_policy delete: deleted with {len(results)} results"
            else:
                outcome, detail = Outcome.UNCHANGED, "removal_policy keep: left in Campus"
            self.report.note(Reason.ASSESSMENT_DISAPPEARED,
                             RecordOutcome("assessments", outcome, otus_id, held["sourcedId"], detail=detail))

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
        if plan.line_items or plan.results or plan.removals:
            self._writes.submit(plan.line_items, plan.results, plan.removals)

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
        """Which lineItems this sync's assessments records mention (for `disappeared.py`)."""
        if isinstance(record, Assessment):
            self._seen.mention(line_item_id(self._context.settings.namespace, *record.key))
        elif isinstance(record, InvalidRecord) and record.role == "assessments":
            if record.assessment_key is None:
                self._seen.without_ids += 1
            else:
                self._seen.mention(line_item_id(self._context.settings.namespace, *record.assessment_key))

    # -- outcomes ---------------------------------------------------------------------------

    def _outcome(self, outcome: RecordOutcome) -> None:
        self.report.add(outcome)
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
