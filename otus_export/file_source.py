"""The Otus side as districts run it: a CSV export on an SFTP server, read by Airbyte's SFTP Bulk source.

One connection carries all the streams, because `source-sftp-bulk` (the CDK's file-based
framework) takes one stream per file pattern: `assessments.csv`, `scores.csv`, `grades.csv` and
the teacher group's `teacher_group.csv` arrive together, and the destination sees every
assessment beside its scores, and the whole group before it decides rule 4.

CSV has no types. What makes numbers and booleans arrive typed is the shaping here: each stream
is given an `input_schema` derived from the destination's own input schema (ids as strings,
`points` a number, `include_in_final_grade` a boolean), `null_values: [""]` with
`strings_can_be_null` turns empty cells into nulls, and `true`/`false` are the booleans. The
source casts every cell by that schema, and a cell it cannot cast ("ten" in `points`) arrives
as the text it was, so the destination reports it as `wrong_field_type` instead of the source
dropping it.

`sftp_server(directory)` serves a directory over SFTP on 127.0.0.1 with Debian's OpenSSH
(`openssh-server`, which dev.sh installs): a one-off host key and client key, public-key login
only, and read-only SFTP only (no shell, no forwarding). It is not chrooted: sshd refuses a chroot
under a world-writable directory such as /tmp, so the client reads the export by its absolute path.
"""

from __future__ import annotations

import csv
import getpass
import json
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from destination_campus_grades.records import schema_of
from destination_campus_grades.spec import STREAM_ROLES
from otus_export.loopback import ServerUnavailable, free_port, server_process

SFTP_BULK_PACKAGE = "airbyte-source-sftp-bulk==1.9.3"
SFTP_BULK_NAME = "source-sftp-bulk"
SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd")
CSV_FORMAT = {
    "filetype": "csv",
    "delimiter": ",",
    "quote_char": '"',
    "double_quote": True,
    "encoding": "utf8",
    "header_definition": {"header_definition_type": "From CSV"},
    "null_values": [""],
    "strings_can_be_null": True,
    "true_values": ["true"],
    "false_values": ["false"],
}


class SftpServerUnavailable(ServerUnavailable):
    """OpenSSH's server is not installed, or did not start; the message says how to fix it."""


@dataclass(frozen=True)
class SftpExport:
    """Where the export is served and how to log in: what source-sftp-bulk's config needs."""

    host: str
    port: int
    username: str
    private_key: str
    folder_path: str  # the export directory's absolute path

    def source_config(self, streams: Mapping[str, str]) -> dict[str, Any]:
        """source-sftp-bulk's config reading `<file stem>.csv` as each stream: {stream: role}."""
        return {
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "credentials": {"auth_type": "private_key", "private_key": self.private_key},
            "folder_path": self.folder_path,
            "delivery_method": {"delivery_type": "use_records_transfer"},
            "streams": stream_configs(streams),
        }


def csv_column_types(role: str) -> dict[str, str]:
    """The destination's input schema of `role` as the file source's type map: the first type a
    field allows (ids "string or integer" → string; "number or null" → number)."""
    types = {}
    for field, schema in schema_of(role)["properties"].items():
        allowed = schema.get("type", "string")
        allowed = [allowed] if isinstance(allowed, str) else allowed
        types[field] = next((kind for kind in allowed if kind != "null"), "string")
    return types


def stream_configs(streams: Mapping[str, str]) -> list[dict[str, Any]]:
    """The `streams` of any CDK file-based source (SFTP Bulk, S3, ...): one per {stream: role}."""
    return [stream_config(stream, role) for stream, role in streams.items()]


def stream_config(stream: str, role: str) -> dict[str, Any]:
    """One stream of the file source: `<stream>.csv`, typed by the role's input schema. Every
    record is emitted, also one that does not match the schema (the destination reports it)."""
    return {
        "name": stream,
        "globs": [f"**/{stream}.csv"],
        "format": CSV_FORMAT,
        "input_schema": json.dumps(csv_column_types(role)),
        "validation_policy": "Emit Record",
        "schemaless": False,
        "days_to_sync_if_history_is_full": 3,
    }


def write_csv_export(records: Iterable[tuple[str, Mapping[str, Any]]], directory: Path,
                     streams: Mapping[str, str] | None = None, roles: Iterable[str] = STREAM_ROLES) -> dict[str, int]:
    """Write (role, record) pairs as `<stream>.csv`, one per role of `roles` (the fourth,
    `teacher_group.csv`, is the Gradebook Passback Teacher Group), the way an Otus CSV export
    looks: the role's columns in schema order, empty cells for nulls, true/false for booleans.
    `streams` renames the files ({role: stream}); returns the rows written per stream."""
    names = {role: (streams or {}).get(role, role) for role in roles}
    directory.mkdir(parents=True, exist_ok=True)
    rows: dict[str, list[Mapping[str, Any]]] = {role: [] for role in names}
    for role, record in records:
        rows[role].append(record)
    for role, role_rows in rows.items():
        columns = list(schema_of(role)["properties"])
        with (directory / f"{names[role]}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(columns)
            writer.writerows([_cell(record.get(column)) for column in columns] for record in role_rows)
    return {names[role]: len(role_rows) for role, role_rows in rows.items()}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@contextmanager
def sftp_server(directory: Path) -> Iterator[SftpExport]:
    """Serve `directory` over SFTP on 127.0.0.1 (a free port) until the block ends."""
    sshd = next((path for path in SSHD_CANDIDATES if Path(path).exists()), shutil.which("sshd"))
    if sshd is None:
        raise SftpServerUnavailable("OpenSSH's sshd is not installed: run ./dev.sh (it installs openssh-server) "
                                    "or `apt-get install openssh-server`.")
    directory = directory.resolve()
    with tempfile.TemporaryDirectory(prefix="otus-sftp-") as work:
        work_dir = Path(work)
        _keygen(work_dir / "host_key")
        _keygen(work_dir / "client_key")
        (work_dir / "authorized_keys").write_text((work_dir / "client_key.pub").read_text())
        port = free_port()
        (work_dir / "sshd_config").write_text(_sshd_config(work_dir, port))
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        command = [sshd, "-D", "-e", "-f", str(work_dir / "sshd_config")]
        with server_process(command, port, work_dir / "sshd.log", "sshd", SftpServerUnavailable):
            yield SftpExport("127.0.0.1", port, getpass.getuser(), (work_dir / "client_key").read_text(), str(directory))


def _sshd_config(work_dir: Path, port: int) -> str:
    """Loopback only, this user's one-off key only, read-only SFTP only; no PAM, passwords or forwarding."""
    lines = [
        f"Port {port}",
        "ListenAddress 127.0.0.1",
        f"HostKey {work_dir / 'host_key'}",
        f"PidFile {work_dir / 'sshd.pid'}",
        f"AuthorizedKeysFile {work_dir / 'authorized_keys'}",
        f"AllowUsers {getpass.getuser()}",
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "StrictModes no",  # the key files live in a temporary directory, not a home
        "AllowTcpForwarding no",
        "X11Forwarding no",
        "Subsystem sftp internal-sftp",
        "ForceCommand internal-sftp -R",
        "LogLevel ERROR",
    ]
    return "\n".join(lines) + "\n"


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "otus-export", "-f", str(path)],
                   check=True, capture_output=True)
