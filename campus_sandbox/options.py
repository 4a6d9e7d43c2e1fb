"""What a sandbox is configured to do (fixed at start) and which faults it injects (live)."""

import random
import threading
from dataclasses import dataclass, field

from campus_sandbox.versions import ERROR_SHAPES, version


@dataclass
class SandboxOptions:
    """Behaviour switches; defaults mimic Infinite Campus.

    `percent_metadata_key`: where a result carries its percent (`metadata[key]`), since how
    Campus takes a percent on a 1.1 result is undocumented (the destination uses the same key).
    `oauth1_timestamp_window_seconds`: accepted clock skew of OAuth 1.0a timestamps (±45 min,
    as the Microsoft reference provider); nonces are remembered for twice that long.
    `connection_enabled`: False plays a district that disabled the OneRoster connection: tokens
    are still issued, but every API request is refused with 403.
    `keep_vendor_metadata`: False plays a provider that does not round-trip metadata: a written
    object's metadata keeps only what the provider reads itself (a result's percent key).
    `strict`: play a provider that holds to the OneRoster 1.1 data model (`strict.py`): a PUT body
    that breaks it gets a 400 naming the field, and GETs serve no `null` or `""` values and
    date-times where 1.1 types them. Off (default), the sandbox is as lenient as Campus and copies
    its habits on purpose: `""` for an empty middleName, sms or phone, `parent: null`, bare days as
    grading-task assignDate/dueDate, `metadata: {"percent": null}` on every result.
    `letter_metadata_key`: where a score-group value (a letter such as "B") travels on a
    grading-task result. None (default): in `score`, as Campus serves its own grading tasks (how
    Campus takes one on a write is unverified); a key: in `metadata[key]`, with `score` the
    percent (a number), for providers that hold to 1.1's numeric score. The destination's
    `letter_grade_metadata_key` must match. With `strict`, None is the one Campus habit strict mode
    copies (`strict.py` gives the evidence); a key makes strict mode refuse a letter in `score`. On
    1.2 a letter always travels in `textScore`.
    `forbidden_sections`: class sourcedIds this key may not see (a connection limited to some
    schools): every `/classes/{id}...` request for them is refused with 403.
    `oneroster_version`: "1.1" (default: everything as before 1.2 existed) or "1.2" (three
    service roots, scopes, users without role prefixes, categories and score scales per class,
    1.2's write rules; see `versions.py`). `strict` left as None takes the version's default:
    off on 1.1, on on 1.2 (1.2's data model).
    `error_shape`: how errors are wrapped: "statusInfoSet" (`{"statusInfoSet": [{...}]}`),
    "wrapped" (`{"imsx_StatusInfo": {...}}`) or "bare" (the imsx_ fields at the top level);
    None: the version's default (statusInfoSet on 1.1; wrapped on 1.2, assumed: the shape Campus
    sends on 1.2 is unverified).
    `reject_scope_parameter`: play a provider that does no scopes: the token endpoint answers
    OAuth's 400 `invalid_scope` to any request carrying a `scope` parameter.
    `enforce_scopes` (1.2): False plays a provider that grants scopes but never checks them per
    call (whether Campus enforces them is unverified; True, the spec's 403, by default).
    `accept_learning_objectives` (1.2): False plays a Campus that does not take standards: a
    lineItem or result carrying `learningObjectiveSet` is refused 422 naming the field (whether
    Campus accepts it is unverified).
    """

    max_page_size: int = 50_000
    default_page_size: int = 100
    send_total_count: bool = True
    send_link: bool = True
    require_vendor_header: bool = True
    percent_metadata_key: str = "percent"
    token_lifetime_seconds: int = 3600
    app_name: str = "sandbox"
    oauth1_timestamp_window_seconds: int = 45 * 60
    port: int = 0
    connection_enabled: bool = True
    keep_vendor_metadata: bool = True
    strict: bool | None = None
    letter_metadata_key: str | None = None
    forbidden_sections: frozenset[str] = frozenset()
    oneroster_version: str = "1.1"
    error_shape: str | None = None
    reject_scope_parameter: bool = False
    enforce_scopes: bool = True
    accept_learning_objectives: bool = True

    def __post_init__(self) -> None:
        default = version(self.oneroster_version)  # refuses an unknown version
        if self.error_shape is not None and self.error_shape not in ERROR_SHAPES:
            raise ValueError(f"unknown error_shape {self.error_shape!r}: use one of {', '.join(ERROR_SHAPES)} or None")
        if self.strict is None:
            self.strict = default.default_strict

    @property
    def errors(self) -> str:
        """The error shape in force (the chosen one, else the version's default)."""
        return self.error_shape or version(self.oneroster_version).default_error_shape


@dataclass
class Faults:
    """Injected failures, settable while the server runs (`sb.faults.rate_429 = 0.2`).

    Rates are probabilities per API request, drawn from one RNG seeded with `seed`, so the same
    sequence of requests meets the same faults. Order of checks: drop, 429, 503, 500-before-write,
    then the request is served; 500-after-write applies to PUT/DELETE after the write is stored.
    `rate_500_before_write` also hits GETs (a 500 before anything is served).
    `retry_after_seconds` is sent as HTTP's integer seconds when whole ("0", "1"), otherwise as
    a decimal ("0.05") for fast tests; clients should parse it as a float.
    `rate_503`: 503 with codeMinor `server_busy` and `Retry-After` (a busy provider; 1.2's word
    for 429 and 503 alike). `token_expiry_after_requests`: each access token stops working after N API requests (401)
    until a new one is fetched. `include_token_endpoint`: faults also hit the token endpoint.
    """

    latency_ms: float = 0.0
    rate_429: float = 0.0
    rate_503: float = 0.0
    retry_after_seconds: float = 1.0
    rate_500_before_write: float = 0.0
    rate_500_after_write: float = 0.0
    rate_drop: float = 0.0
    token_expiry_after_requests: int | None = None
    include_token_endpoint: bool = False
    seed: int = 7
    _rng: random.Random = field(default=None, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def set(self, **switches) -> "Faults":
        """Change several switches at once and restart the seeded sequence."""
        for name, value in switches.items():
            if name.startswith("_") or not hasattr(self, name):
                raise ValueError(f"unknown fault switch {name!r}")
            setattr(self, name, value)
        with self._lock:
            self._rng = random.Random(self.seed)
        return self

    def clear(self) -> "Faults":
        """All switches off (the seed is kept)."""
        return self.set(latency_ms=0.0, rate_429=0.0, rate_503=0.0, rate_500_before_write=0.0, rate_500_after_write=0.0,
                        rate_drop=0.0, token_expiry_after_requests=None, include_token_endpoint=False)

    def roll(self, rate: float) -> bool:
        """True with probability `rate`; draws only when the switch is on, keeping runs reproducible."""
        if rate <= 0:
            return False
        with self._lock:
            return self._rng.random() < rate

    def retry_after_header(self) -> str:
        seconds = self.retry_after_seconds
        return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"
