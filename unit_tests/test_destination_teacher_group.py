"""`teacher_group.py` alone: where rule 4's group comes from, and when a group stream is complete."""

from __future__ import annotations

from destination_campus_grades.teacher_group import TeacherGroup


def test_the_setting_is_the_group_only_without_a_stream() -> None:
    assert TeacherGroup((), ("t1",)).configured == frozenset({"t1"})
    assert TeacherGroup((), ()).configured is None  # no group: every Campus user passes rule 4
    from_stream = TeacherGroup(("teacher_group",), ("t1",), {"teacher_group"})
    assert from_stream.configured == frozenset() and from_stream.source == "stream teacher_group"
    assert from_stream.summary()["setting_ignored"] is True


def test_the_group_waits_for_every_group_stream_to_complete() -> None:
    group = TeacherGroup(("a", "b"), (), {"a", "b"})
    assert group.waiting
    assert not group.stream_complete("scores")  # another stream's status changes nothing
    assert not group.stream_complete("a") and group.waiting
    assert group.stream_complete("b")
    group.complete()
    assert not group.waiting and not group.stream_complete("b")  # a repeated status is not a second completion


def test_an_empty_group_and_an_ignored_setting_are_said_first() -> None:
    group = TeacherGroup(("teacher_group",), ("t1", "t2"), set())
    group.complete()
    empty, ignored = group.notices()
    assert "arrived complete and empty, so nobody passes back" in empty
    assert ignored.startswith("passback_teacher_group (2 ids) was ignored")
    group.members.add("t1")
    assert len(group.notices()) == 1
    assert TeacherGroup((), ("t1",)).notices() == []
    assert "did not complete" in group.notices(incomplete={"teacher_group", "scores"})[0]
