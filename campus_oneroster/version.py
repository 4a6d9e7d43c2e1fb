"""The one place that knows which OneRoster version a connection speaks, and what follows from it.

OneRoster 1.1 serves everything under one base URL. 1.2 splits it into sibling service roots under
`.../ims/oneroster`: `rostering/v1p2` (orgs, users, classes, ...), `gradebook/v1p2` (lineItems,
results, categories, score scales, and the assessment-results profile) and `resources/v1p2`; it
takes OAuth 2 client credentials only, with scopes under `https://purl.imsglobal.org/spec/or/v1p2/scope/`
enforced per call, and answers a PUT with 200, 201 or 204 (docs/architecture.md, "The version layer").

`OneRosterVersion` answers, for each request, which service root serves it (`route`), which scope
the call needs and what the district enables in Campus to grant it, which write statuses count as
done, and which scopes a connector asks the token endpoint for. The transport, the paging and both
connectors ask it and never compare version strings themselves.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal, Mapping, Optional

VersionName = Literal["1.1", "1.2"]
V1P1: VersionName = "1.1"
V1P2: VersionName = "1.2"

SCOPE_PREFIX = {V1P1: "https://purl.imsglobal.org/spec/or/v1p1/scope/",
                V1P2: "https://purl.imsglobal.org/spec/or/v1p2/scope/"}
ROSTERING_SUFFIX = "/rostering/v1p2"
GRADEBOOK_SUFFIX = "/gradebook/v1p2"
RESOURCES_SUFFIX = "/resources/v1p2"
ONEROSTER_ROOT_SUFFIX = "/ims/oneroster"
# The marker segment of each version's URLs: a base URL holding the other one was copied from the
# other kind of connection.
STATE_KEY = "oneroster_version"
VERSION_SEGMENT = {V1P1: "v1p1", V1P2: "v1p2"}

GRADEBOOK_COLLECTIONS = frozenset({"categories", "lineItems", "results", "scoreScales",
                                   "assessmentLineItems", "assessmentResults"})
ASSESSMENT_COLLECTIONS = frozenset({"assessmentLineItems", "assessmentResults"})
RESOURCE_COLLECTIONS = frozenset({"resources"})

# What a district turns on in Campus (the connection's lozenges) to grant a scope family.
CAMPUS_LOZENGE = {"roster": "Roster Sync", "resource": "Roster Sync", "gradebook": "Grade Book Sync",
                  "assessment": "Assessments"}


class Service(enum.Enum):
    """The OneRoster service a request belongs to; on 1.2 each has its own root."""

    ROSTERING = "rostering"
    GRADEBOOK = "gradebook"
    RESOURCES = "resources"


@dataclass(frozen=True)
class Route:
    """Where one request goes: its service, the root it is appended to, and the full path."""

    service: Service
    root: str
    path: str

    @property
    def url(self) -> str:
        return self.root + self.path


def collection_of(path: str) -> str:
    """The collection a resource path names: the last collection segment of `coll/{id}/coll/{id}/coll`
    (`/classes/{id}/results` → results, `/classes/{c}/academicSessions/{a}/results` → results)."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    return segments[(len(segments) - 1) // 2 * 2]


def service_of(path: str) -> Service:
    """The service of a resource path, read from its segments (never from substrings)."""
    collection = collection_of(path)
    if collection in GRADEBOOK_COLLECTIONS:
        return Service.GRADEBOOK
    if collection in RESOURCE_COLLECTIONS:
        return Service.RESOURCES
    return Service.ROSTERING


def required_scope(method: str, path: str) -> str:
    """The scope (without prefix) the 1.2 rules ask for this call: a 403 names what is missing."""
    collection = collection_of(path)
    family = ("assessment" if collection in ASSESSMENT_COLLECTIONS else
              {Service.GRADEBOOK: "gradebook", Service.RESOURCES: "resource"}.get(service_of(path), "roster"))
    if method == "PUT":
        return f"{family}.createput"
    if method == "POST":
        return f"{family}.createpost"
    if method == "DELETE":
        return f"{family}.delete"
    if collection == "demographics":
        return "roster-demographics.readonly"
    return f"{family}.readonly"


def lozenge_of(scope: str) -> str:
    """What the district enables in Campus for `scope` (a bare name or a full scope URI)."""
    family = scope.rsplit("/", 1)[-1].split(".", 1)[0].split("-", 1)[0]
    return CAMPUS_LOZENGE.get(family, "the matching OneRoster permission")


@dataclass(frozen=True)
class OneRosterVersion:
    """One connection's version and service roots, derived from the config once."""

    name: VersionName
    rostering_root: str
    gradebook_root: str
    resources_root: str

    @classmethod
    def of(cls, name: VersionName, base_url: str, gradebook_base_url: Optional[str] = None) -> "OneRosterVersion":
        """The roots of a connection: 1.1 serves all from `base_url`; 1.2 derives the siblings of
        the rostering root (or of the `.../ims/oneroster` root), `gradebook_base_url` overriding one."""
        base = base_url.rstrip("/")
        if name == V1P1:
            return cls(V1P1, base, base, base)
        root = oneroster_root(base)
        gradebook = gradebook_base_url.rstrip("/") if gradebook_base_url else root + GRADEBOOK_SUFFIX
        return cls(V1P2, root + ROSTERING_SUFFIX, gradebook, root + RESOURCES_SUFFIX)

    @property
    def scoped(self) -> bool:
        """Whether token requests carry scopes (1.2); 1.1 requests stay as they always were."""
        return self.name == V1P2

    def token_scope(self, names: tuple[str, ...]) -> Optional[str]:
        """The `scope` form value for a token request (space-separated URIs), or None on 1.1."""
        if not self.scoped or not names:
            return None
        return " ".join(SCOPE_PREFIX[self.name] + name for name in names)

    def route(self, path: str) -> Route:
        """The root and full URL of a resource path."""
        service = service_of(path)
        root = {Service.ROSTERING: self.rostering_root, Service.GRADEBOOK: self.gradebook_root,
                Service.RESOURCES: self.resources_root}[service]
        return Route(service, root, path)

    @property
    def user_agent(self) -> str:
        """What every request says it is (1.1's is the one sent before versions existed)."""
        return f"campus-passback/0.1 (OneRoster {self.name} client)"

    @property
    def expires(self) -> bool:
        """Whether Campus expires this version's connections a year after creation (1.1 only)."""
        return self.name == V1P1

    @property
    def state_marker(self) -> dict[str, str]:
        """What a stream state records of the version: nothing on 1.1 (states saved before versions
        existed are 1.1 states), `{"oneroster_version": "1.2"}` on 1.2."""
        return {} if self.name == V1P1 else {STATE_KEY: self.name}

    def state_fits(self, state: Mapping[str, object]) -> bool:
        """Whether a saved stream state was written under this version (user ids change between them)."""
        return state.get(STATE_KEY, V1P1) == self.name

    def write_succeeded(self, status: int) -> bool:
        """Whether a PUT/DELETE answer counts as done: any 2xx on 1.1 (as ever); 200, 201, 204 on 1.2."""
        if self.name == V1P1:
            return 200 <= status < 300
        return status in (200, 201, 204)


def oneroster_root(base_url: str) -> str:
    """`.../ims/oneroster` from a 1.2 rostering root or from the root itself; ValueError otherwise."""
    base = base_url.rstrip("/")
    if base.endswith(ONEROSTER_ROOT_SUFFIX + ROSTERING_SUFFIX):
        return base[: -len(ROSTERING_SUFFIX)]
    if base.endswith(ONEROSTER_ROOT_SUFFIX):
        return base
    raise ValueError(
        "under oneroster_version 1.2, base_url must be the rostering root (ending in "
        "/ims/oneroster/rostering/v1p2) or the /ims/oneroster root it belongs to, as Campus shows it"
    )


def mismatch(name: VersionName, url: str, setting: str) -> Optional[str]:
    """Why `url` belongs to the other version's connection, naming both fields; None when it fits."""
    segments = url.split("?", 1)[0].rstrip("/").split("/")
    other = V1P2 if name == V1P1 else V1P1
    if VERSION_SEGMENT[other] in segments:
        return (f"{setting} is a OneRoster {other} address (it contains /{VERSION_SEGMENT[other]}), but "
                f"oneroster_version is {name}: set oneroster_version to {other}, or copy the OneRoster {name} "
                f"URL of the connection from Campus")
    return None
