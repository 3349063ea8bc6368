"""The console handler follows the standard error of the moment."""

from __future__ import annotations

import io
import logging

from perno.core.logs import ConsoleHandler


def test_the_console_handler_writes_to_the_current_standard_error(monkeypatch):
    logger = logging.getLogger("perno.tests.console")
    handler = ConsoleHandler()
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "propagate", False)
    try:
        first = io.StringIO()
        monkeypatch.setattr("sys.stderr", first)
        logger.warning("one")
        first.close()  # a test runner closed the stream of the moment
        second = io.StringIO()
        monkeypatch.setattr("sys.stderr", second)
        logger.warning("two")
        assert second.getvalue() == "two\n"
    finally:
        logger.removeHandler(handler)
