"""Errors a store raises; each carries the HTTP status the protocol answers with."""

from __future__ import annotations


class StoreError(Exception):
    status = 500

    def __init__(self, status: int | None = None, message: str = ""):
        if status is not None:
            self.status = status
        self.message = message
        super().__init__(message)


class BadRequest(StoreError):
    """Malformed query, update or RDF (400), with the parser's message."""

    def __init__(self, message: str):
        super().__init__(400, message)


class Refused(StoreError):
    """SERVICE/LOAD to a host not allow-listed, or a write while writes are disabled (403)."""

    def __init__(self, message: str):
        super().__init__(403, message)


class NotFound(StoreError):
    def __init__(self, message: str):
        super().__init__(404, message)


class QueryTimeout(StoreError):
    """The query ran out of time and was stopped (503)."""

    def __init__(self, message: str):
        super().__init__(503, message)


class EngineUnavailable(StoreError):
    """The remote engine cannot be reached or failed (502)."""

    def __init__(self, message: str):
        super().__init__(502, message)


class InvalidData(StoreError):
    """The write would leave data that violates the SHACL shapes (422); nothing was stored."""

    def __init__(self, report):
        self.report = report
        super().__init__(422, "the data does not conform to the REGIO shapes; nothing was stored")
