"""One error type for everything a caller can be told, carrying an MLflow error code.

    TrackdeckError                 error_code -> HTTP status from ERROR_CODE_TO_HTTP_STATUS
     ├── InvalidParameterValue     400 INVALID_PARAMETER_VALUE
     ├── ResourceAlreadyExists     400 RESOURCE_ALREADY_EXISTS
     ├── ResourceDoesNotExist      404 RESOURCE_DOES_NOT_EXIST
     ├── Unauthenticated           401 UNAUTHENTICATED (no or bad credentials)
     ├── PermissionDenied          403 PERMISSION_DENIED
     ├── InvalidState              500 INVALID_STATE (e.g. renaming a deleted experiment)
     ├── NotImplementedFeature     501 NOT_IMPLEMENTED
     └── TemporarilyUnavailable    503 TEMPORARILY_UNAVAILABLE (nothing committed; retry)

The store raises these; the API layer renders them as `{"error_code", "message"}` with the
status from the table, so the wire mapping lives in one place.
"""

from __future__ import annotations

ERROR_CODE_TO_HTTP_STATUS: dict[str, int] = {
    "INVALID_PARAMETER_VALUE": 400,
    "BAD_REQUEST": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "UNAUTHENTICATED": 401,
    "CUSTOMER_UNAUTHORIZED": 401,
    "PERMISSION_DENIED": 403,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "NOT_FOUND": 404,
    "ENDPOINT_NOT_FOUND": 404,
    "ABORTED": 409,
    "RESOURCE_CONFLICT": 409,
    "ALREADY_EXISTS": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL_ERROR": 500,
    "INVALID_STATE": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}


class TrackdeckError(Exception):
    """An error with an MLflow error code; its HTTP status follows from the code."""

    error_code = "INTERNAL_ERROR"

    def __init__(self, message: str, error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    @property
    def http_status(self) -> int:
        return ERROR_CODE_TO_HTTP_STATUS.get(self.error_code, 500)

    def to_json(self) -> dict[str, str]:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameterValue(TrackdeckError):
    error_code = "INVALID_PARAMETER_VALUE"


class ResourceAlreadyExists(TrackdeckError):
    error_code = "RESOURCE_ALREADY_EXISTS"


class ResourceDoesNotExist(TrackdeckError):
    error_code = "RESOURCE_DOES_NOT_EXIST"


class Unauthenticated(TrackdeckError):
    error_code = "UNAUTHENTICATED"


class PermissionDenied(TrackdeckError):
    error_code = "PERMISSION_DENIED"


class InvalidState(TrackdeckError):
    error_code = "INVALID_STATE"


class StateConflict(TrackdeckError):
    """A studio resource (server, endpoint, job) is not in a state the operation can
    begin from (HTTP 409)."""

    error_code = "RESOURCE_CONFLICT"


class NotImplementedFeature(TrackdeckError):
    error_code = "NOT_IMPLEMENTED"


class TemporarilyUnavailable(TrackdeckError):
    error_code = "TEMPORARILY_UNAVAILABLE"
