"""Which Campus user an Otus id names on 1.1 and 1.2, and the version-independent key our ids derive from (pure).

The 1.2 facts (role prefixes gone, `metadata.ic.legacysourceId` holding the 1.1 id without its
prefix) are the destination page's "OneRoster 1.2" section (docs/integrations/destinations/campus-grades.md).
"""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from destination_campus_grades.identities import People, Person, Unresolved, User, user_of
from destination_campus_grades.plan import grade_result_id, namespace_of, score_result_id
from destination_campus_grades.reasons import Reason

NS = namespace_of("district-42")
LEGACY = st.from_regex(r"[0-9]{1,7}", fullmatch=True)
NEW_ID = st.uuids().map(str)


@st.composite
def moved_district(draw) -> tuple[list[str], list[User]]:
    """Students with distinct legacy ids: their 1.1 sourcedIds, and the same people as 1.2 users."""
    legacy = draw(st.lists(LEGACY, min_size=1, max_size=20, unique=True))
    new_ids = draw(st.lists(st.one_of(NEW_ID, LEGACY), min_size=len(legacy), max_size=len(legacy), unique=True))
    return [f"s{lid}" for lid in legacy], [User(nid, frozenset({"student"}), lid) for nid, lid in zip(new_ids, legacy)]


@given(moved_district())
@settings(max_examples=150, deadline=None)
def test_a_student_keeps_its_result_ids_across_the_move(district: tuple[list[str], list[User]]) -> None:
    """Whatever the 1.2 sourcedIds are, a student named by its 1.1 id or its 1.2 id derives the
    result sourcedIds 1.1 derived: the first 1.2 sync lands on the results 1.1 wrote."""
    old_ids, users = district
    on_1p1, on_1p2 = People.of_ids(old_ids), People(users, legacy=True)
    for old, user in zip(old_ids, users):
        before = on_1p1.find(old, "student")
        assert before == Person(old, old), "1.1 derivations stay byte-identical"
        if user.sourced_id in {f"s{u.legacy_id}" for u in users} - {old}:
            continue  # a 1.2 id that is another student's 1.1 id: ambiguous, covered below
        for named_as in (old, user.sourced_id):
            after = on_1p2.find(named_as, "student")
            assert after == Person(user.sourced_id, old), named_as
            assert score_result_id(NS, "a1", "100000", after.key) == score_result_id(NS, "a1", "100000", before.key)
            assert grade_result_id(NS, "100000-1-7011", after.key) == grade_result_id(NS, "100000-1-7011", old)


@given(st.lists(LEGACY, min_size=1, max_size=10, unique=True), st.text(min_size=1, max_size=8))
@settings(max_examples=100, deadline=None)
def test_on_1p1_an_id_is_itself_or_no_one(ids: list[str], other: str) -> None:
    people = People.of_ids(ids)
    assert all(people.find(i, "student") == Person(i, i) for i in ids)
    if other not in ids:
        assert people.find(other, "student") is None, "1.1 never resolves through a legacy id"
        assert people.find(f"s{other}", "teacher") is None or f"s{other}" in ids


def test_an_id_matching_no_one_or_several_is_never_guessed() -> None:
    people = People([User("100001", frozenset({"student"}), "100001"),
                     User("9f1c", frozenset({"student"}), "555"), User("77ab", frozenset({"student"}), "555"),
                     User("s42", frozenset({"student"}), None), User("42", frozenset({"student"}), "42"),
                     User("2001", frozenset({"teacher", "student"}), "2001")], legacy=True)
    unmatched = people.find("s999999", "student")
    assert isinstance(unmatched, Unresolved) and unmatched.reason is Reason.LEGACY_ID_NOT_MATCHED
    assert "legacysourceId 999999" in unmatched.detail
    two = people.find("s555", "student")
    assert isinstance(two, Unresolved) and two.reason is Reason.USER_ID_AMBIGUOUS and "77ab, 9f1c" in two.detail
    clash = people.find("s42", "student")  # one user's 1.2 id is another's 1.1 form
    assert isinstance(clash, Unresolved) and clash.reason is Reason.USER_ID_AMBIGUOUS
    assert people.find("t100001", "teacher").reason is Reason.LEGACY_ID_NOT_MATCHED, "the prefix must be a role held"
    assert people.find("nobody", "student") is None, "not a 1.1 id: the asking rule reports it"
    assert people.find("t2001", "teacher") == Person("2001", "t2001")
    assert people.find("s2001", "student") == Person("2001", "s2001"), "one person, several roles"
    assert people.find("2001", "teacher") == Person("2001", "t2001")


def test_the_teacher_group_names_the_same_people_in_either_form() -> None:
    users = [User("2001", frozenset({"teacher"}), "2001"), User("2002", frozenset({"teacher"}), "2002")]
    on_1p2 = People(users, legacy=True)
    assert on_1p2.members(["t2001", "2002", "t9999"]) == {"2001", "2002"}
    assert People.of_ids(["t2001", "t2002"]).members(["t2001", "2002"]) == {"t2001"}


def test_users_are_read_from_1p1_and_1p2_records() -> None:
    assert user_of({"sourcedId": "s1", "role": "student"}) == User("s1", frozenset({"student"}))
    record = {"sourcedId": "100001", "roles": [{"roleType": "primary", "role": "student", "org": {"sourcedId": "101"}},
                                               {"roleType": "secondary", "role": "teacher"}],
              "metadata": {"ic": {"legacysourceId": 100001}}}
    assert user_of(record) == User("100001", frozenset({"student", "teacher"}), "100001")
    assert user_of({"sourcedId": "x", "metadata": {"ic": {"legacysourceId": " "}}}).legacy_id is None
    assert user_of({"sourcedId": "x", "metadata": None, "roles": None}) == User("x")
    assert user_of({"sourcedId": ""}) is None and user_of({}) is None
