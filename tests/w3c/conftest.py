"""Print the W3C suites' counts at the end of the run."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.w3c.test_w3c_suites import SUMMARY

    for line in SUMMARY:
        terminalreporter.write_line(line)
