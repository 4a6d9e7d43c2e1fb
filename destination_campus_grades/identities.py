"""Which Campus user an Otus id names, on OneRoster 1.1 and 1.2, and the id our sourcedIds derive from (pure).

On 1.1 Campus prefixes a user's sourcedId with its role (`s100001` a student, `t2001` a teacher),
and an Otus export carries those ids. On 1.2 the prefix is gone (`100001`), one record holds a
person with all their roles, and `metadata.ic.legacysourceId` keeps the 1.1 id without its prefix
(Infinite Campus knowledge base, as gathered in the destination page's "OneRoster 1.2" section).
A district moving its connection from 1.1 to 1.2 may go on sending the 1.1 form for a while.

So on 1.2 an Otus id names a user when it is the user's sourcedId, or when it is a 1.1 form
(`s` or `t` + the legacy id) of a user holding that role. Exactly one match resolves it; an id in
the 1.1 form that matches no one (`legacy_id_not_matched`) or any id matching more than one user
(`user_id_ambiguous`) is reported with its own reason, never guessed. An id of neither form that
matches no one is left to the rule that asked (a student not enrolled, an assigner not in Campus).

Each resolved `Person` carries two ids: `sourced_id`, what the provider calls the user (what a
GUIDRef and an enrollment hold), and `key`, the id our result sourcedIds are derived from, which
does not change with the version: on 1.1 it is the sourcedId itself (so every 1.1 derivation stays
byte-identical), on 1.2 the user's 1.1 form in the role asked for (`s` + legacy id) when Campus
keeps a legacy id, else the 1.2 sourcedId (a district that started on 1.2 has no 1.1 history).
The first 1.2 sync after a move therefore lands on the very results 1.1 wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

from destination_campus_grades.reasons import Reason

Role = Literal["student", "teacher"]
LEGACY_PREFIX: dict[str, str] = {"student": "s", "teacher": "t"}  # 1.1 Campus's role prefixes
ROLE_OF_PREFIX = {prefix: role for role, prefix in LEGACY_PREFIX.items()}


@dataclass(frozen=True, slots=True)
class User:
    """A Campus user as the identity question needs it: its sourcedId, roles, 1.1 id without prefix."""

    sourced_id: str
    roles: frozenset[str] = frozenset()
    legacy_id: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """An Otus id resolved: the provider's sourcedId, and the version-independent key ids derive from."""

    sourced_id: str
    key: str


@dataclass(frozen=True, slots=True)
class Unresolved:
    """An id that names no single user: the reason code and which id it was."""

    reason: Reason
    detail: str


Found = Person | Unresolved | None  # None: no such user (the asking rule reports it in its own words)


def user_of(record: Mapping[str, Any]) -> User | None:
    """A users record (1.1 `role`, 1.2 `roles[].role`, `metadata.ic.legacysourceId`) as a `User`."""
    sourced_id = record.get("sourcedId")
    if not isinstance(sourced_id, str) or not sourced_id:
        return None
    roles = {record["role"]} if isinstance(record.get("role"), str) else set()
    for entry in record.get("roles") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("role"), str):
            roles.add(entry["role"])
    metadata = record.get("metadata")
    ic = metadata.get("ic") if isinstance(metadata, Mapping) else None
    legacy = ic.get("legacysourceId") if isinstance(ic, Mapping) else None
    legacy = str(legacy).strip() if isinstance(legacy, (str, int)) and not isinstance(legacy, bool) else None
    return User(sourced_id, frozenset(roles), legacy or None)


def legacy_form(user: User, role: Role) -> str | None:
    """The user's 1.1 sourcedId in a role (`s` + legacy id), when Campus keeps the legacy id."""
    return None if user.legacy_id is None else LEGACY_PREFIX[role] + user.legacy_id


class People:
    """Campus users as one OneRoster version serves them, answering which one an Otus id names.

    `legacy=False` (1.1): an id names the user with that sourcedId and is its own key. `legacy=True`
    (1.2): also the 1.1 form through the legacy id, and keys are 1.1 forms where Campus has them.
    """

    def __init__(self, users: Iterable[User], *, legacy: bool) -> None:
        self.legacy = legacy
        self._by_id: dict[str, User] = {}
        self._by_legacy: dict[str, list[User]] = {}
        for user in users:
            self._by_id[user.sourced_id] = user
            if legacy and user.legacy_id is not None:
                for role in user.roles & LEGACY_PREFIX.keys():
                    self._by_legacy.setdefault(LEGACY_PREFIX[role] + user.legacy_id, []).append(user)

    @classmethod
    def of_ids(cls, sourced_ids: Iterable[str]) -> "People":
        """1.1's users: their sourcedIds are all there is to know."""
        return cls((User(sid) for sid in sourced_ids), legacy=False)

    def __contains__(self, sourced_id: object) -> bool:
        return sourced_id in self._by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def find(self, otus_id: str, role: Role) -> Found:
        """The one user `otus_id` names (`role`: which 1.1 prefix the key takes), or why none."""
        direct = self._by_id.get(otus_id)
        if not self.legacy:
            return Person(otus_id, otus_id) if direct is not None else None
        matches = {u.sourced_id: u for u in self._by_legacy.get(otus_id, ())}
        if direct is not None:
            matches[direct.sourced_id] = direct
        if len(matches) > 1:
            return Unresolved(Reason.USER_ID_AMBIGUOUS,
                              f"{otus_id} names {len(matches)} Campus users: {', '.join(sorted(matches))}")
        if not matches:
            if otus_id[:1] in ROLE_OF_PREFIX and len(otus_id) > 1:
                return Unresolved(Reason.LEGACY_ID_NOT_MATCHED,
                                  f"{otus_id} is a OneRoster 1.1 id and no Campus {ROLE_OF_PREFIX[otus_id[0]]} here "
                                  f"has legacysourceId {otus_id[1:]}")
            return None
        user = next(iter(matches.values()))
        if direct is None:  # named by its 1.1 form: that form is the key
            return Person(user.sourced_id, otus_id)
        return Person(user.sourced_id, legacy_form(user, role) or user.sourced_id)

    def role_of(self, otus_id: str) -> str | None:
        """The role of the user an id names: "student" for a student only, else a staff role (or "");
        None when it names no single user."""
        found = self.find(otus_id, "teacher")
        if not isinstance(found, Person):
            return None
        roles = self._by_id[found.sourced_id].roles
        return "student" if roles == {"student"} else min(roles - {"student"}, default="")

    def members(self, otus_ids: Iterable[str]) -> frozenset[str]:
        """The sourcedIds of the users a list of Otus ids names (a teacher group); ids naming no single user drop out."""
        found = (self.find(otus_id, "teacher") for otus_id in otus_ids)
        return frozenset(person.sourced_id for person in found if isinstance(person, Person))
