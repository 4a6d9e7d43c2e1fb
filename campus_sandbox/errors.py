"""OneRoster error bodies (in three shapes) and the exception that carries one out of a handler.

codeMinor values follow the OneRoster REST bindings' vocabulary (`unknownobject`, `invaliddata`,
`unauthorisedrequest`, `forbidden`, `invalid_filter_field`, `invalid_sort_field`,
`invalid_selection_field`, `server_busy`, `internal_server_error`), the same words on 1.1 and 1.2.
Shapes (`SandboxOptions.error_shape`): 1.1's `{"statusInfoSet": [info]}`, 1.2's one
`{"imsx_StatusInfo": info}` ("wrapped") and the info's fields at the top level ("bare"), all three
seen on the wire.
"""

import orjson

from campus_sandbox.versions import BARE, STATUS_INFO_SET, WRAPPED


def _status_info(code_minor: str, description: str) -> dict:
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_CodeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}]},
        "imsx_description": description,
    }


def status_info_set(code_minor: str, description: str) -> bytes:
    """A failure body in the OneRoster 1.1 statusInfoSet shape."""
    return orjson.dumps({"statusInfoSet": [_status_info(code_minor, description)]})


def error_body(shape: str, code_minor: str, description: str) -> bytes:
    """A failure body in `shape` (statusInfoSet, wrapped or bare)."""
    if shape == STATUS_INFO_SET:
        return status_info_set(code_minor, description)
    info = _status_info(code_minor, description)
    if shape == WRAPPED:
        return orjson.dumps({"imsx_StatusInfo": info})
    if shape == BARE:
        return orjson.dumps(info)
    raise ValueError(f"unknown error shape {shape!r}")


class SandboxError(Exception):
    """A refusal the server turns into an HTTP error response with a OneRoster error body."""

    def __init__(self, status: int, code_minor: str, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description
        self.headers = headers or {}

    def body(self, shape: str = STATUS_INFO_SET) -> bytes:
        return error_body(shape, self.code_minor, self.description)


def unknown_object(what: str) -> SandboxError:
    return SandboxError(404, "unknownobject", f"{what} does not exist")


def invalid_data(description: str) -> SandboxError:
    """422 invalid data: the body was understood but Campus refuses what it says."""
    return SandboxError(422, "invaliddata", description)


def bad_request(code_minor: str, description: str) -> SandboxError:
    return SandboxError(400, code_minor, description)
