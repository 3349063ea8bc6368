"""The console handler of the logging configuration."""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO


class ConsoleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the standard error of the moment, not to the one there was when the
    logging was configured (as the standard library's last-resort handler does): a
    server thread still logging after a test runner swapped or closed the stream it
    had then wrote "--- Logging error --- I/O operation on closed file"."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """The stream is always the current standard error."""
