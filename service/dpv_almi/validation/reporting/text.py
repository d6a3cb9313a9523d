"""Plain text for people: one line per result, like a compiler, then a summary in the report's language."""

from __future__ import annotations

from dpv_almi.validation.core import Report, Severity
from dpv_almi.validation.reporting import where

_WORDS: dict[str, dict[str, str]] = {
    "en": {"conforms": "conforms", "fails": "does not conform", "level": "at level"},
    "sv": {"conforms": "uppfyller kraven", "fails": "uppfyller inte kraven", "level": "på nivån"},
}
_SEVERITY: dict[str, dict[Severity, tuple[str, str]]] = {
    "en": {s: (s.label, s.label + "s") for s in Severity},
    "sv": {
        Severity.VIOLATION: ("fel", "fel"),
        Severity.WARNING: ("varning", "varningar"),
        Severity.INFO: ("upplysning", "upplysningar"),
    },
}


def summary(report: Report, fail_on: Severity) -> str:
    """``conforms at level violation: 0 violations, 2 warnings, 1 info (turbo)``, or its Swedish."""
    words, names = _WORDS.get(report.lang, _WORDS["en"]), _SEVERITY.get(report.lang, _SEVERITY["en"])
    counts = ", ".join(
        f"{report.count(s)} {names[s][0] if report.count(s) == 1 else names[s][1]}" for s in reversed(Severity)
    )
    verdict = words["conforms"] if report.conforms(fail_on) else words["fails"]
    return f"{verdict} {words['level']} {names[fail_on][0]}: {counts} ({report.engine})"


def render(report: Report, fail_on: Severity) -> str:
    lines = []
    for r in report.results:
        subject = " ".join(
            part for part in (r.focus_text, r.path_text, r.value_text if r.value != r.focus_node else None) if part
        )
        prefix = f"{where(r)}: " if where(r) else ""
        lines.append(f"{prefix}{r.severity.label} [{r.rule.id}] {subject}: {r.message}")
    lines.append(summary(report, fail_on))
    return "\n".join(lines) + "\n"
