"""Plain text for people: one line per result, like a compiler, then a summary."""

from __future__ import annotations

from dpv_almi.validation.core import Report, Severity
from dpv_almi.validation.reporting import where


def render(report: Report, fail_on: Severity) -> str:
    lines = []
    for r in report.results:
        subject = " ".join(
            part for part in (r.focus_text, r.path_text, r.value_text if r.value != r.focus_node else None) if part
        )
        prefix = f"{where(r)}: " if where(r) else ""
        lines.append(f"{prefix}{r.severity.label} [{r.rule.id}] {subject}: {r.message}")
    counts = ", ".join(f"{report.count(s)} {s.label}{'s' if report.count(s) != 1 else ''}" for s in reversed(Severity))
    verdict = "conforms" if report.conforms(fail_on) else "does not conform"
    lines.append(f"{verdict} at level {fail_on.label}: {counts} ({report.engine})")
    return "\n".join(lines) + "\n"
