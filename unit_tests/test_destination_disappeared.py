"""The removal rule (`disappeared.py`): evidence of completeness, proof of ownership, the cap. Pure, no network."""

from __future__ import annotations

from hypothesis import given, strategies as st

from destination_campus_grades.disappeared import Candidate, RemovalCap, RemovalEvidence, ours, plan_removals
from destination_campus_grades.fingerprint import FINGERPRINT_KEY, namespace_tag
from destination_campus_grades.plan import line_item_id, namespace_of
from destination_campus_grades.reasons import Reason
from destination_campus_grades.records import assessment_ids

NAMESPACE = "district-42.otus"
UNCAPPED = RemovalCap(1_000, 100)


def held(assessment_id: str, section_id: str = "100000", *, namespace: str = NAMESPACE, sourced_id: str | None = None,
         status: str = "active") -> dict:
    """A lineItem as Campus serves one we wrote (or a copy of it under another sourcedId)."""
    derived = line_item_id(namespace_of(namespace), assessment_id, section_id)
    mark = {"v": 1, "ns": namespace_tag(namespace), "otus": f"assessment_id={assessment_id} section_id={section_id}",
            "fields": {}}
    return {"sourcedId": sourced_id or derived, "status": status, "class": {"sourcedId": section_id},
            "metadata": {FINGERPRINT_KEY: mark}}


def plan(held_items, mentioned=(), candidates=(), *, look=True, delete=True, cap=UNCAPPED):
    return plan_removals(candidates, held_items, set(mentioned), vendor_namespace=NAMESPACE,
                         look_for_disappeared=look, delete=delete, cap=cap)


def test_only_provably_ours_unmentioned_and_active_lineitems_disappear() -> None:
    kept, gone = held("a1"), held("a2")
    copied = held("a2", sourced_id="copy-of-a2")  # a teacher's copy keeps our metadata
    theirs = held("a3", namespace="another.connection")
    old = held("a4", status="tobedeleted")
    grading_task = {"sourcedId": "100000-1-7011", "metadata": {"ic": {"gradingTask": True}}}
    found = plan([kept, gone, copied, theirs, old, grading_task], mentioned=[kept["sourcedId"]])
    assert [c.line_item_id for c in found.removals] == [gone["sourcedId"]]
    assert found.removals[0].reason is Reason.ASSESSMENT_DISAPPEARED and found.removals[0].position is None
    assert [sid for sid, _ in found.not_ours] == ["copy-of-a2"]
    assert found.passed_back == 2


def test_without_the_evidence_only_the_records_candidates_are_removed() -> None:
    asked = held("a1")
    candidate = Candidate("100000", asked["sourcedId"], "assessment_id=a1 section_id=100000", Reason.ASSESSMENT_DELETED, 7)
    found = plan([asked, held("a2")], candidates=[candidate], look=False)
    assert found.removals == [candidate]
    forged = {**held("a3"), "sourcedId": "forged"}  # the tag copied onto another vendor's lineItem
    found = plan([forged], candidates=[Candidate("100000", "forged", "x", Reason.NOT_IN_FINAL_GRADE, 3)], look=False)
    assert found.removals == [] and found.not_ours[0][0] == "forged"


def test_over_the_cap_nothing_is_removed_and_keep_removes_nothing() -> None:
    items = [held(f"a{i}") for i in range(10)]
    assert len(plan(items, cap=RemovalCap(3, 100)).held_back) == 10
    assert plan(items, mentioned=[i["sourcedId"] for i in items[:7]], cap=RemovalCap(3, 100)).held_back == []
    assert len(plan(items, mentioned=[i["sourcedId"] for i in items[:8]], cap=RemovalCap(20, 25)).removals) == 2
    assert len(plan(items, mentioned=[i["sourcedId"] for i in items[:7]], cap=RemovalCap(20, 25)).held_back) == 3
    kept = plan(items, delete=False)
    assert kept.removals == [] and len(kept.held_back) == 10


def test_each_missing_proof_of_completeness_is_named() -> None:
    evidence = RemovalEvidence({("assessments", None): True, ("assessments", "b"): False})
    assert [r for r, _ in evidence.missing()] == [Reason.REMOVAL_NOT_FULL_REFRESH, Reason.REMOVAL_STREAM_NOT_COMPLETE,
                                                  Reason.REMOVAL_NO_VALID_ASSESSMENT]
    evidence = RemovalEvidence({("assessments", None): True})
    evidence.valid_assessments = 1
    evidence.status(("assessments", None), True)
    assert evidence.missing() == []
    evidence.status(("assessments", "elsewhere"), False)  # another namespace's status says nothing of this one
    assert evidence.missing() == []
    evidence.status(("assessments", None), False)
    assert [r for r, _ in evidence.missing()] == [Reason.REMOVAL_STREAM_NOT_COMPLETE]
    evidence.status(("assessments", None), True)
    for number in range(1, 8):
        evidence.unusable_line(number)
    ((reason, detail),) = evidence.missing()
    assert reason is Reason.REMOVAL_INPUT_UNUSABLE and "7 line(s)" in detail and "line 1, 2, 3, 4, 5, ..." in detail
    assert [r for r, _ in RemovalEvidence({}).missing()][0] is Reason.REMOVAL_NOT_FULL_REFRESH


@given(st.text(min_size=1), st.text(min_size=1))
def test_the_otus_ids_read_back_derive_the_lineitem_or_prove_nothing(assessment_id: str, section_id: str) -> None:
    """Ids holding the separator may read back wrongly; then the derivation fails and nothing is proven."""
    item = held(assessment_id, section_id)
    proven = ours(item, namespace_of(NAMESPACE), namespace_tag(NAMESPACE))
    read = assessment_ids(f"assessment_id={assessment_id} section_id={section_id}")
    assert proven == (read if read is not None and line_item_id(namespace_of(NAMESPACE), *read) == item["sourcedId"]
                      else None)
    if " section_id=" not in assessment_id + section_id:
        assert proven == (assessment_id, section_id)
