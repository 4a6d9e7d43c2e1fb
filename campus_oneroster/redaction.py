"""The one redactor: every configured secret, in every form it can take, masked in what we emit.

A secret reaches text in more shapes than the one the admin typed: escaped by `repr` in a stack
trace (`'abc\\n'`), escaped again by JSON in a log line, percent-encoded in a form body, inside
`Basic base64(key:secret)`, or as the bearer token the token URL issued, which a hostile provider
can echo back in an error description. `REDACTOR` knows them all: the connectors teach it the
config's secrets when a run starts (`learn_config`), the client adds the Basic and bearer forms as
it makes them, and both console scripts pass every protocol line they print that carries free
text (logs, traces, connection status, the passback report) through `redact_line`. The CDK's own
secret filter (its log formatter, its traced exceptions, the uncaught-exception hook) is kept
holding the same forms (`sync_with_cdk`), so there is one list, wherever a line is formatted.

Records are not scanned: they are the provider's data, and the provider issued the secrets.
Forms shorter than `MIN_FORM_LENGTH` are not masked: masking every "abc" in every message would
make the messages useless without protecting anything a three-character secret could protect.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from typing import Any, Iterable, Mapping, Sequence, TextIO
from urllib.parse import quote, quote_plus

import orjson
from airbyte_cdk.utils.airbyte_secrets_utils import get_secret_paths, update_secrets

MASK = "****"
MIN_FORM_LENGTH = 4


def forms_of(secret: str) -> set[str]:
    """`secret` as typed, trimmed, and as repr, JSON and URL encodings (and JSON around those) write it."""
    plain = {secret, secret.strip()}
    escaped = set()
    for form in plain:
        escaped |= {
            json.dumps(form)[1:-1],
            json.dumps(form, ensure_ascii=False)[1:-1],
            repr(form)[1:-1],
            repr(form.encode())[2:-1],
            quote(form, safe=""),
            quote_plus(form),
        }
    nested = {json.dumps(form)[1:-1] for form in escaped}
    return {form for form in plain | escaped | nested if len(form) >= MIN_FORM_LENGTH}


class Redactor:
    """Masks every form of every secret it was given; thread-safe, secrets only ever added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: set[str] = set()
        self._ordered: tuple[str, ...] = ()

    def add(self, secret: Any) -> None:
        """A secret of any type (a config value of the wrong type is still the admin's secret)."""
        if secret is None or secret == "":
            return
        text = secret if isinstance(secret, str) else json.dumps(secret)
        self._add_forms(forms_of(text))

    def add_basic(self, user: str, secret: str) -> None:
        """HTTP Basic's `base64(user:secret)`, as an Authorization header carries it."""
        self.add(base64.b64encode(f"{user}:{secret}".encode("utf-8")).decode("ascii"))

    def learn_config(self, config: Mapping[str, Any], connection_specification: Mapping[str, Any]) -> None:
        """Every value at a spec's `airbyte_secret` path, and whatever stands where an object holding
        one belongs (`"credentials": "<the secret>"`): the admin typed a secret there."""
        for path in get_secret_paths(connection_specification.get("properties", {})):
            node: Any = config
            for key in path:
                if not isinstance(node, Mapping):
                    self.add(node)
                    break
                node = node.get(key)
            else:
                self.add(node)
        credentials = config.get("credentials")
        if isinstance(credentials, Mapping):
            user, secret = credentials.get("client_id"), credentials.get("client_secret")
            if isinstance(user, str) and isinstance(secret, str):
                self.add_basic(user, secret)

    def redact(self, text: str) -> str:
        for form in self._ordered:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def redact_line(self, line: str) -> str:
        """A protocol line with every secret masked in its text, its JSON structure untouched.

        Only string values are rewritten, so a secret that happens to spell a key cannot break
        the line the platform parses. Lines without any form are returned as they are.
        """
        ordered = self._ordered
        if not any(form in line for form in ordered):
            return line
        try:
            message = orjson.loads(line)
        except orjson.JSONDecodeError:
            return self.redact(line)
        return orjson.dumps(self._redact_values(message)).decode()

    def holds(self, text: str) -> bool:
        """Whether `text` carries any known form (for tests and a last check)."""
        return any(form in text for form in self._ordered)

    def sync_with_cdk(self) -> None:
        """Give the CDK's secret filter the same forms, longest first (it replaces in list order)."""
        update_secrets(list(self._ordered))

    @property
    def forms(self) -> Sequence[str]:
        return self._ordered

    def _add_forms(self, forms: Iterable[str]) -> None:
        with self._lock:
            new = set(forms) - self._forms
            if new:
                self._forms |= new
                self._ordered = tuple(sorted(self._forms, key=lambda form: (-len(form), form)))
        self.sync_with_cdk()  # also when nothing is new: the CDK may have replaced its list since

    def _redact_values(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self._redact_values(item) for item in value]
        if isinstance(value, dict):
            return {key: self._redact_values(item) for key, item in value.items()}
        return value


REDACTOR = Redactor()


class RedactedLines(io.TextIOBase):
    """A text stream that passes every complete line through `REDACTOR.redact_line` before writing it
    to `target`: installed as `sys.stdout`, it covers every `print` of a console script, the CDK's
    uncaught-exception hook included."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        if "\n" in self._pending:
            *lines, self._pending = self._pending.split("\n")
            self._target.write("".join(REDACTOR.redact_line(line) + "\n" for line in lines))
            self._target.flush()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._target.write(REDACTOR.redact_line(self._pending))
            self._pending = ""
        self._target.flush()
