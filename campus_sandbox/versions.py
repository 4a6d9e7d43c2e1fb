"""Which OneRoster version a sandbox speaks: its service roots, its scopes and its defaults.

The one module of the sandbox that knows how 1.1 and 1.2 differ at the edge (docs/architecture.md,
"campus_sandbox"):
- 1.1 serves rostering, gradebook and resources under one root
  (`/campus/api/oneroster/v1p1/<app>/ims/oneroster/v1p1`); 1.2 under three sibling roots
  (`/campus/api/oneroster/v1p2/<app>/ims/oneroster/{rostering,gradebook,resources}/v1p2`), and a
  path asked under the wrong one is a 404, as on a real 1.2 server.
- 1.2 tokens carry scopes (`https://purl.imsglobal.org/spec/or/v1p2/scope/<name>`), enforced per
  call as 1.2's scope table says (`needed_scopes`); 1.1 keys are all-or-roster as Campus grants.
- Errors default to 1.1's `statusInfoSet: [...]` and, on 1.2, to one wrapped
  `{"imsx_StatusInfo": {...}}` (an assumption: the shape Campus sends on 1.2 is unverified).
- 1.2 mode is strict by default (1.2's data model: no nulls, UTC date-times, GUIDRefs in full).
"""

from dataclasses import dataclass

ROSTERING, GRADEBOOK, RESOURCES = "rostering", "gradebook", "resources"
SERVICES = (ROSTERING, GRADEBOOK, RESOURCES)

STATUS_INFO_SET, WRAPPED, BARE = "statusInfoSet", "wrapped", "bare"
ERROR_SHAPES = (STATUS_INFO_SET, WRAPPED, BARE)

SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"


def scope(name: str) -> str:
    """The full 1.2 scope URI of a short name (`roster.readonly`)."""
    return SCOPE_PREFIX + name


ALL_SCOPES: tuple[str, ...] = tuple(scope(name) for name in (
    "roster-core.readonly", "roster.readonly", "roster-demographics.readonly", "resource-core.readonly",
    "resource.readonly", "gradebook-core.readonly", "gradebook.readonly", "gradebook.createput",
    "gradebook.createpost", "gradebook.delete", "assessment.readonly", "assessment.createput",
    "assessment.delete"))
"""Every 1.2 scope: what the full (Grade Book Sync + Assessments) key may be granted."""

ROSTER_KEY_SCOPES: tuple[str, ...] = tuple(scope(name) for name in (
    "roster-core.readonly", "roster.readonly", "roster-demographics.readonly", "resource-core.readonly",
    "resource.readonly"))
"""What the roster-only (Roster Sync) key may be granted."""

ASSESSMENT_COLLECTIONS = frozenset({"assessmentLineItems", "assessmentResults"})

# The Campus "lozenge" a district turns on for a scope: what a 403 tells the user to ask for.
_LOZENGE = {"roster": "Roster Sync", "resource": "Roster Sync", "gradebook": "Grade Book Sync",
            "assessment": "Assessments"}


def lozenge(scope_uri: str) -> str:
    """The Campus connection setting that grants a scope (`Grade Book Sync`)."""
    family = scope_uri[len(SCOPE_PREFIX):].split(".", 1)[0].split("-", 1)[0]
    return _LOZENGE.get(family, "the OneRoster connection")


@dataclass(frozen=True)
class Version:
    """One OneRoster version as the sandbox serves it."""

    name: str  # "1.1" | "1.2"
    segment: str  # "v1p1" | "v1p2"
    split_roots: bool
    default_error_shape: str
    default_strict: bool
    scoped: bool  # tokens carry 1.2 scopes, enforced per call

    def oneroster_root(self, app_name: str) -> str:
        """The path of `.../ims/oneroster`, the parent of every service root."""
        return f"/campus/api/oneroster/{self.segment}/{app_name}/ims/oneroster"

    def root(self, app_name: str, service: str) -> str:
        """The path of the root serving `service` (1.1: the one root)."""
        if not self.split_roots:
            return f"{self.oneroster_root(app_name)}/{self.segment}"
        return f"{self.oneroster_root(app_name)}/{service}/{self.segment}"

    def roots(self, app_name: str) -> dict[str, frozenset[str]]:
        """API path prefix → the services served under it."""
        if not self.split_roots:
            return {self.root(app_name, ROSTERING): frozenset(SERVICES)}
        return {self.root(app_name, s): frozenset({s}) for s in SERVICES}


V1P1 = Version("1.1", "v1p1", split_roots=False, default_error_shape=STATUS_INFO_SET, default_strict=False,
               scoped=False)
V1P2 = Version("1.2", "v1p2", split_roots=True, default_error_shape=WRAPPED, default_strict=True, scoped=True)
VERSIONS: dict[str, Version] = {v.name: v for v in (V1P1, V1P2)}


def version(name: str) -> Version:
    if name not in VERSIONS:
        raise ValueError(f"unknown OneRoster version {name!r}: use {' or '.join(VERSIONS)}")
    return VERSIONS[name]


def needed_scopes(method: str, service: str, collection: str, nested: bool) -> tuple[str, ...]:
    """The 1.2 scopes of which a call needs one (1.2's "scope per call" table).

    Collection reads and reads by id: the service's core scope or its full one; every nested read
    (`/classes/{id}/...`, `/schools/{id}/...`, `/users/{id}/classes`): the full one only;
    demographics: roster-demographics.readonly; the assessment-results profile: assessment.*;
    PUT: gradebook.createput; POST: gradebook.createpost; DELETE: gradebook.delete.
    """
    assessment = collection in ASSESSMENT_COLLECTIONS
    if method == "PUT":
        return (scope("assessment.createput" if assessment else "gradebook.createput"),)
    if method == "POST":
        return (scope("gradebook.createpost"),)
    if method == "DELETE":
        return (scope("assessment.delete" if assessment else "gradebook.delete"),)
    if assessment:
        return (scope("assessment.readonly"),)
    if collection == "demographics":
        return (scope("roster-demographics.readonly"),)
    family = {ROSTERING: "roster", GRADEBOOK: "gradebook", RESOURCES: "resource"}[service]
    if nested:
        return (scope(f"{family}.readonly"),)
    return scope(f"{family}-core.readonly"), scope(f"{family}.readonly")
