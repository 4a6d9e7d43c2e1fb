"""OneRoster statusInfoSet error bodies and the exception that carries one out of a handler.

codeMinor values follow the OneRoster 1.1 REST binding's vocabulary (`unknownobject`,
`invaliddata`, `unauthorisedrequest`, `forbidden`, `invalid_filter_field`, `invalid_sort_field`,
`invalid_selection_field`, `server_busy`, `internal_server_error`).
"""

import orjson


def status_info_set(code_minor: str, description: str) -> bytes:
    """A failure body in the OneRoster 1.1 statusInfoSet shape."""
    return orjson.dumps({"statusInfoSet": [{
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_CodeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": code_minor}]},
        "imsx_description": description,
    }]})


class SandboxError(Exception):
    """A refusal the server turns into an HTTP error response with a statusInfoSet body."""

    def __init__(self, status: int, code_minor: str, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.code_minor = code_minor
        self.description = description
        self.headers = headers or {}

    def body(self) -> bytes:
        return status_info_set(self.code_minor, self.description)


def unknown_object(what: str) -> SandboxError:
    return SandboxError(404, "unknownobject", f"{what} does not exist")


def invalid_data(description: str) -> SandboxError:
    """422 invalid data: the body was understood but Campus refuses what it says."""
    return SandboxError(422, "invaliddata", description)


def bad_request(code_minor: str, description: str) -> SandboxError:
    return SandboxError(400, code_minor, description)
