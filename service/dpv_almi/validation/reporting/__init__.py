"""Output formats for a validation :class:`~dpv_almi.validation.core.Report`, one module each.

Every format is a function ``(report, fail_on) -> str``; *fail_on* decides which results count as
failures (SARIF levels and GitHub annotation levels follow the severity, JUnit failures follow
*fail_on*).  Paths in SARIF and GitHub output are relative to the working directory, as CI
checkouts expect.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dpv_almi.validation.core import Report, Severity, ValidationResult

Formatter = Callable[[Report, Severity], str]


def relative_path(path: Path) -> str:
    """*path* relative to the working directory when it is inside it, else absolute; '/' separators."""
    resolved, cwd = path.resolve(), Path.cwd()
    return resolved.relative_to(cwd).as_posix() if resolved.is_relative_to(cwd) else resolved.as_posix()


def where(result: ValidationResult) -> str:
    """``file:line:col`` of a result's focus node, as much as is known ('' when nothing is)."""
    loc = result.location
    if loc is None:
        return ""
    return ":".join([relative_path(loc.path)] + [str(n) for n in (loc.line, loc.column) if n is not None])


def _formatters() -> dict[str, Formatter]:
    from dpv_almi.validation.reporting import github, json_format, junit, sarif, text, turtle

    return {
        "text": text.render,
        "json": json_format.render,
        "turtle": turtle.render,
        "junit": junit.render,
        "sarif": sarif.render,
        "github": github.render,
    }


FORMATS: tuple[str, ...] = ("text", "json", "turtle", "junit", "sarif", "github")


def render(report: Report, format: str, fail_on: Severity = Severity.VIOLATION) -> str:
    """Render *report* in one of :data:`FORMATS`."""
    try:
        formatter = _formatters()[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})") from None
    return formatter(report, fail_on)
