from __future__ import annotations

from typing import Any


class ConflictError(Exception):
    """A write was based on a stale version of the record."""

    def __init__(self, message: str, *, current: Any = None, current_version: int | None = None):
        super().__init__(message)
        self.message = message
        self.current = current
        self.current_version = current_version
