"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

Each shape that reported is a rule (id = shape local name, descriptions from its label and
comment); each result points at the focus node's file and line where the input is Turtle, and
names the focus node as a logical location in every case.
"""

from __future__ import annotations

import json
from typing import Any

from dpv_almi import __version__
from dpv_almi.validation.core import Report, Severity, ValidationResult
from dpv_almi.validation.reporting import relative_path

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _result(r: ValidationResult, rule_index: int) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": str(r.focus_node), "name": r.focus_text, "kind": "resource"}]
    }
    if r.location is not None:
        physical: dict[str, Any] = {"artifactLocation": {"uri": relative_path(r.location.path)}}
        if r.location.line:
            physical["region"] = {"startLine": r.location.line, "startColumn": r.location.column or 1}
        location["physicalLocation"] = physical
    properties = {k: v for k, v in (("path", r.path_text), ("value", r.value_text), ("constraint", r.constraint)) if v}
    return {
        "ruleId": r.rule.id,
        "ruleIndex": rule_index,
        "level": LEVELS[r.severity],
        "message": {"text": r.message},
        "locations": [location],
        "properties": properties,
    }


def render(report: Report, fail_on: Severity) -> str:
    rule_ids = list(report.rules)
    rules = [
        {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": rule.label},
            "fullDescription": {"text": rule.description},
            **({"helpUri": rule.iri} if rule.iri.startswith("http") else {}),
        }
        for rule in report.rules.values()
    ]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dpv-almi",
                        "version": __version__,
                        "informationUri": "https://w3id.org/dpv-almi",
                        "rules": rules,
                    }
                },
                "results": [_result(r, rule_ids.index(r.rule.id)) for r in report.results],
                "properties": {"engine": report.engine, "lang": report.lang, "failOn": fail_on.label},
            }
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
