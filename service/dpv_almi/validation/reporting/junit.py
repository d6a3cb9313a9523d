"""JUnit XML, which every CI shows as tests: one test case per result, failed at or above --fail-on.

Results below the failing level are passing test cases whose output carries the message, so a
warning stays visible without failing the build.  A conforming report with no results is one
passing test case.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dpv_almi.validation.core import Report, Severity
from dpv_almi.validation.reporting import where


def render(report: Report, fail_on: Severity) -> str:
    failures = report.failures(fail_on)
    suite = ET.Element(
        "testsuite",
        name="dpv-almi validate",
        tests=str(max(1, len(report.results))),
        failures=str(len(failures)),
        errors="0",
        skipped="0",
    )
    if not report.results:
        ET.SubElement(suite, "testcase", classname="dpv-almi", name="conforms")
    for r in report.results:
        location = where(r)
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"dpv-almi.{r.rule.id}",
            name=f"{r.rule.id} {r.focus_text}"
            + (f" {r.value_text}" if r.value_text and r.value != r.focus_node else ""),
        )
        if location:
            case.set("file", location.split(":")[0])
            if r.location and r.location.line:
                case.set("line", str(r.location.line))
        detail = f"{location + ': ' if location else ''}{r.severity.label}: {r.message}"
        if r.severity >= fail_on:
            failure = ET.SubElement(case, "failure", message=r.message, type=r.severity.label)
            failure.text = detail
        else:
            ET.SubElement(case, "system-out").text = detail
    root = ET.Element("testsuites", name="dpv-almi", tests=suite.get("tests", "0"), failures=suite.get("failures", "0"))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
