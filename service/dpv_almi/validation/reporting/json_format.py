"""JSON for programs and the service: the report's fields as plain values, results in report order."""

from __future__ import annotations

import json
from typing import Any

from dpv_almi.validation.core import Report, Severity, ValidationResult
from dpv_almi.validation.reporting import relative_path


def result_dict(r: ValidationResult) -> dict[str, Any]:
    loc = r.location
    return {
        "severity": r.severity.label,
        "rule": r.rule.id,
        "shape": r.rule.iri or None,
        "constraint": r.constraint,
        "focusNode": str(r.focus_node),
        "focus": r.focus_text,
        "path": r.path_text,
        "value": None if r.value is None else str(r.value),
        "message": r.message,
        "location": None if loc is None else {"file": relative_path(loc.path), "line": loc.line, "column": loc.column},
    }


def render(report: Report, fail_on: Severity) -> str:
    document = {
        "conforms": report.conforms(fail_on),
        "failOn": fail_on.label,
        "engine": report.engine,
        "lang": report.lang,
        "summary": {s.label: report.count(s) for s in reversed(Severity)},
        "results": [result_dict(r) for r in report.results],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
