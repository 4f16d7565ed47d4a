"""Typed errors of the server extension, mapped to HTTP in one place (``routes.py``).

Every error carries a stable ``code`` for the frontend, a ``message`` that says what is
wrong and a ``hint`` that says what to do. None of them ever carries a traceback.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DockerizeError(Exception):
    """Base of every error this extension reports to a client."""

    status: ClassVar[int] = 500
    default_code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, hint: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code or self.default_code

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "hint": self.hint}}


class EngineUnavailable(DockerizeError):
    """The Docker engine cannot be reached or refuses to talk to us."""

    status = 503
    default_code = "engine_unreachable"


class BadRequest(DockerizeError):
    status = 400
    default_code = "bad_request"


class WorkspaceForbidden(DockerizeError):
    """A workspace path that leaves the Jupyter root, is hidden, or is not a file/directory."""

    status = 403
    default_code = "workspace_forbidden"


class WorkspaceNotFound(DockerizeError):
    status = 404
    default_code = "workspace_not_found"


class PayloadTooLarge(DockerizeError):
    """A request body or a bundle bigger than the configured limit."""

    status = 413
    default_code = "too_large"


class WorkspaceChanged(DockerizeError):
    """A file changed between planning a bundle and streaming it (the stream is aborted)."""

    status = 409
    default_code = "workspace_changed"


class JobNotFound(DockerizeError):
    status = 404
    default_code = "job_not_found"


class JobConflict(DockerizeError):
    """A job command its state does not allow (push before the build, a second run, ...)."""

    status = 409
    default_code = "job_conflict"


class UnsafeServer(DockerizeError):
    """Engine work refused because the server has no auth and listens beyond loopback."""

    status = 403
    default_code = "unsafe_server"
