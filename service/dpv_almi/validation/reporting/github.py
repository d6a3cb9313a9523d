"""GitHub Actions workflow commands: each result becomes an annotation on the file and line.

Violations are ``::error``, warnings ``::warning``, info ``::notice``; values are escaped as the
workflow-command syntax requires (``%``, CR, LF, and also ``:`` and ``,`` in properties).
"""

from __future__ import annotations

from dpv_almi.validation.core import Report, Severity
from dpv_almi.validation.reporting import relative_path

COMMANDS = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, fail_on: Severity) -> str:
    lines = []
    for r in report.results:
        props = []
        if r.location is not None:
            props.append(f"file={escape_property(relative_path(r.location.path))}")
            if r.location.line:
                props.append(f"line={r.location.line}")
            if r.location.column:
                props.append(f"col={r.location.column}")
        props.append(f"title={escape_property(f'{r.rule.id} {r.focus_text}')}")
        lines.append(f"::{COMMANDS[r.severity]} {','.join(props)}::{escape_data(r.message)}")
    return "".join(line + "\n" for line in lines)
