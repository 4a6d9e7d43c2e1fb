"""Carries out a batch's plan through the client and says what happened to every record.

Order: every lineItem that changed is PUT first (concurrently, bounded by the client), then
every result whose lineItem Campus holds; results of a lineItem Campus refused to create are
recorded as refused with the lineItem's reason and never attempted. A refused *update* of a
lineItem Campus already holds blocks nothing: its results are written against what Campus holds,
and when the update carried a teacher's edit kept from Campus (`campus_edits: keep`, e.g. a due
date outside the term), the refusal is `campus_edit_refused`, naming the edit. A Campus refusal (4xx invalid data, or an
unknown object) is an outcome with Campus's own words, and the rest of the batch carries on.
Anything else that fails after the client's retries (5xx, 429, drops, credentials) propagates:
the sync must fail before the next state is echoed, so the platform's retry resumes without loss.

Created/updated come from the diff (what Campus held before the batch), not from the HTTP status:
after a retried PUT Campus answers 200 for a create it had already applied, and the report must
not depend on faults.

A provider that answers a PUT with the stored object shows whether it kept the passback
fingerprint (`fingerprint.py`); a written object whose answer lacks it is reported with
`fingerprint_not_kept`, so the admin learns that teacher edits cannot be recognised there.

The writer knows nothing of the roster cache: it returns what it wrote (`BatchWritten.written`)
and the main thread applies that to the cache once the batch is settled. `WriteThread` runs one
batch at a time on one background thread, so the next batch can be read while this one is written.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Iterator

from campus_oneroster.client import OneRosterClient
from campus_oneroster.errors import InvalidDataError, NotFoundError
from campus_oneroster.segments import path_segment
from destination_campus_grades.diff import Change
from destination_campus_grades.fingerprint import recorded
from destination_campus_grades.plan import LineItemPlan, ResultPlan
from destination_campus_grades.reasons import Outcome, Reason, reason_for_refusal
from destination_campus_grades.report import RecordOutcome
from destination_campus_grades.snapshot import Written
from destination_campus_grades.work import BatchWritten, LineItemWork, Refusal, Removal, ResultWork

WRITTEN = {Change.CREATE: Outcome.CREATED, Change.UPDATE: Outcome.UPDATED, Change.UNCHANGED: Outcome.UNCHANGED}


class GradebookWriter:
    """PUTs and DELETEs through the client; in dry run, the same outcomes without a request."""

    def __init__(self, client: OneRosterClient, *, dry_run: bool) -> None:
        self._client = client
        self._dry_run = dry_run
        self._unstamped: set[str] = set()  # written objects whose stored answer lacks the fingerprint

    def write(self, line_items: list[LineItemWork], results: list[ResultWork], removals: list[Removal]) -> BatchWritten:
        """Outcomes of every work item, lineItem refusals, and what was written."""
        done = BatchWritten()
        refused: dict[str, Refusal] = {}  # by lineItem sourcedId, for this batch's results
        for work, refusal in zip(line_items, self._each(self._put_line_item, line_items)):
            plan = work.plan
            if refusal is not None:
                if work.change is Change.UPDATE:  # Campus holds it: its results are written all the same
                    refusal = _refused_update(work, refusal)
                else:
                    refused[plan.sourced_id] = done.refused_line_items[(plan.assessment_id, plan.section_id)] = refusal
                done.outcomes.append(RecordOutcome("assessments", Outcome.REFUSED_BY_CAMPUS, plan.otus_id,
                                                   plan.sourced_id, refusal.reason, refusal.description, work.position))
            else:
                done.outcomes.append(self._written("assessments", work.change, plan, work.position))
                done.written.append(Written(plan.section_id, "lineItems", plan.sourced_id, plan.body))
        attempted = [w for w in results if w.refused_line_item is None and w.plan.line_item_id not in refused]
        for work in results:
            refusal = work.refused_line_item or refused.get(work.plan.line_item_id)
            if refusal is not None:
                done.outcomes.append(self._refused(work, refusal))
        for work, refusal in zip(attempted, self._each(self._put_result, attempted)):
            if refusal is not None:
                done.outcomes.append(self._refused(work, refusal))
            else:
                done.outcomes.append(self._written(work.role, work.change, work.plan, work.position))
                done.written.append(Written(work.plan.section_id, "results", work.plan.sourced_id, work.plan.body))
        for removal in removals:
            self._remove(removal)
            done.outcomes.append(RecordOutcome("assessments", Outcome.DELETED, removal.otus_id, removal.line_item_id,
                                               removal.reason, f"deleted with {len(removal.result_ids)} results",
                                               removal.position))
            done.written.append(Written(removal.section_id, "lineItems", removal.line_item_id, None))
            done.written.extend(Written(removal.section_id, "results", rid, None) for rid in removal.result_ids)
        return done

    def _written(self, role: str, change: Change, plan: LineItemPlan | ResultPlan, position: int) -> RecordOutcome:
        note = Reason.FINGERPRINT_NOT_KEPT if plan.sourced_id in self._unstamped else None
        self._unstamped.discard(plan.sourced_id)
        return RecordOutcome(role, WRITTEN[change], plan.otus_id, plan.sourced_id, note, position=position)

    def _each(self, put, works: list) -> Iterator[Refusal | None]:
        """Run `put` for every changed work item concurrently; unchanged ones need no request."""
        changed = [w for w in works if w.change is not Change.UNCHANGED]
        done = iter(self._client.map_concurrent(put, changed) if changed and not self._dry_run else
                    (None for _ in changed))
        for work in works:
            yield next(done) if work.change is not Change.UNCHANGED else None

    def _put_line_item(self, work: LineItemWork) -> Refusal | None:
        return self._put("lineItems", "lineItem", work.plan)

    def _put_result(self, work: ResultWork) -> Refusal | None:
        return self._put("results", "result", work.plan)

    def _put(self, collection: str, envelope: str, plan: LineItemPlan | ResultPlan) -> Refusal | None:
        """PUT one object; Campus's refusal is returned."""
        try:
            written = self._client.put(f"/{collection}/{path_segment(plan.sourced_id)}", envelope, plan.body)
        except (InvalidDataError, NotFoundError) as refused:
            return Refusal(reason_for_refusal(refused.description), refused.description or str(refused))
        stored = (written.body or {}).get(envelope)
        if isinstance(stored, dict) and recorded(stored) is None:
            self._unstamped.add(plan.sourced_id)
        return None

    def _remove(self, removal: Removal) -> None:
        """Delete a lineItem's results, then the lineItem (nothing is sent in a dry run)."""
        if not self._dry_run:
            list(self._client.map_concurrent(self._client.delete, [f"/results/{path_segment(r)}" for r in removal.result_ids]))
            self._client.delete(f"/lineItems/{path_segment(removal.line_item_id)}")

    @staticmethod
    def _refused(work: ResultWork, refusal: Refusal) -> RecordOutcome:
        return RecordOutcome(work.role, Outcome.REFUSED_BY_CAMPUS, work.plan.otus_id, work.plan.sourced_id,
                             refusal.reason, refusal.description, work.position)


def _refused_update(work: LineItemWork, refusal: Refusal) -> Refusal:
    """A refused update of a lineItem Campus already holds: its scores still pass back; when the body
    carried a teacher's Campus edit, the refusal names that edit (it is what Campus refuses, not Otus)."""
    scores = "the lineItem Campus holds is left as it is and its scores were still passed back"
    if not work.kept:
        return Refusal(refusal.reason, f"{scores}. Campus says: {refusal.description}")
    return Refusal(Reason.CAMPUS_EDIT_REFUSED,
                   f"the update carried the teacher's Campus edit of {', '.join(work.kept)} (campus_edits: keep); "
                   f"{scores}. Campus says: {refusal.description}")


class WriteThread:
    """At most one batch being written, on one background thread; its failure is raised by `settle`."""

    def __init__(self, writer: GradebookWriter) -> None:
        self._writer = writer
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="passback-write")
        self._in_flight: Future[BatchWritten] | None = None

    @property
    def busy(self) -> bool:
        """A batch is being written right now (one that has finished is not busy, just unsettled)."""
        return self._in_flight is not None and not self._in_flight.done()

    def submit(self, line_items: list[LineItemWork], results: list[ResultWork], removals: list[Removal]) -> None:
        assert self._in_flight is None, "a batch is still in flight: settle it first"
        self._in_flight = self._executor.submit(self._writer.write, line_items, results, removals)

    def settle(self) -> BatchWritten | None:
        """Wait for the batch in flight (None when there is none); its failure is raised here."""
        future, self._in_flight = self._in_flight, None
        return future.result() if future is not None else None

    def close(self) -> None:
        """Stop the thread (after the batch in flight, if any, ends)."""
        self._executor.shutdown(wait=True)
