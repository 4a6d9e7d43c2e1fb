"""Where rule 4's Gradebook Passback Teacher Group comes from in one sync, and when it is complete.

The group lives in Otus, where Otus admins change it. When the connection carries a stream in the
`teacher_group` role (one record per member, full refresh), that stream is the group, and the
`passback_teacher_group` setting is ignored (the report says so). Otherwise the setting is the
group, and an empty setting means no group: every Campus user passes rule 4.

A group from a stream must be whole before any assessment or grade is decided, but records arrive
in any order and the platform interleaves states. So the group is *complete* when every group
stream has sent its STREAM_STATUS COMPLETE, or when the input ends; until then `passback.py`
holds the assessments and grades back (their ledger positions stay unsettled, so no state after
them is echoed), and the scores wait for their assessments as they always do. An empty group that
is complete means nobody passes back, and the report says so first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from destination_campus_grades.routing import StreamRoutes
from destination_campus_grades.spec import GROUP_ROLE, DestinationConfig

SETTING = "passback_teacher_group"


@dataclass
class TeacherGroup:
    """The group's source, its members so far, and which of its streams have not completed."""

    streams: tuple[str, ...]  # the connection's streams in the teacher_group role
    setting: tuple[str, ...]  # passback_teacher_group
    open_streams: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)
    completed: bool = False

    @classmethod
    def of(cls, config: DestinationConfig, routes: StreamRoutes) -> "TeacherGroup":
        streams = tuple(s for s in routes.catalog_streams if routes.role_of(s) == GROUP_ROLE)
        return cls(streams, tuple(config.passback_teacher_group), set(streams))

    @property
    def from_stream(self) -> bool:
        return bool(self.streams)

    @property
    def waiting(self) -> bool:
        """A group stream is carried and not complete yet: rule 4 cannot be decided."""
        return self.from_stream and not self.completed

    @property
    def configured(self) -> frozenset[str] | None:
        """Rule 4's group before any member arrived: the setting (None when empty: no group), or
        for a stream an empty group (nothing is decided with it before the stream completes)."""
        if self.from_stream:
            return frozenset()
        return frozenset(self.setting) or None

    @property
    def source(self) -> str:
        if self.from_stream:
            return "stream " + ", ".join(self.streams)
        return SETTING if self.setting else "none"

    def stream_complete(self, stream: str) -> bool:
        """A group stream's COMPLETE status: True when it was the last one the group waited for."""
        if not self.waiting or stream not in self.open_streams:
            return False
        self.open_streams.discard(stream)
        return not self.open_streams

    def complete(self) -> None:
        self.completed = True

    def notices(self, incomplete: Iterable[str] = ()) -> list[str]:
        """What the report says first about the group: an empty one, one whose stream the platform
        said did not complete (`incomplete`: streams whose last STREAM_STATUS was not COMPLETE), an
        ignored setting."""
        said = []
        partial = sorted(set(incomplete) & set(self.streams))
        if partial:
            said.append(f"The teacher group stream {', '.join(partial)} did not complete, so the group may miss members: "
                        "their assessments and grades were skipped as teacher_not_in_group and pass back at the next "
                        "sync that reads the whole group.")
        if self.from_stream and not self.members:
            said.append(f"The Gradebook Passback Teacher Group ({self.source}) arrived complete and empty, so "
                        "nobody passes back: every assessment and grade is skipped as teacher_not_in_group. Add the "
                        "teachers who assign assessments to the group in Otus.")
        if self.from_stream and self.setting:
            said.append(f"{SETTING} ({len(self.setting)} ids) was ignored: the connection carries the teacher group "
                        f"({self.source}), which is the group Otus admins keep. Empty the setting to silence this.")
        return said

    def summary(self) -> dict[str, Any]:
        """The report's `teacher_group`: where the group came from and how many members count."""
        if self.from_stream:
            return {"source": "stream", "streams": list(self.streams), "members": len(self.members),
                    "setting_ignored": bool(self.setting), "complete": self.completed}
        return {"source": "setting" if self.setting else "none", "streams": [], "members": len(self.setting),
                "setting_ignored": False, "complete": True}
