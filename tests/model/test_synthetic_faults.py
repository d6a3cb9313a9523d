"""Generated notices pass the shapes; every injected fault is found by validation."""

from __future__ import annotations

import pytest

from dpv_almi.model import synthetic
from dpv_almi.validation.core import validate


def _violations(graph) -> list:
    report = validate(graph)
    return [r for r in report.results if r.severity.name == "VIOLATION"]


def test_clean_generated_notices_have_no_violations() -> None:
    assert _violations(synthetic.generate(3, seed=7)) == []


@pytest.mark.parametrize("fault", sorted(synthetic.FAULTS))
def test_each_injected_fault_is_found(fault: str) -> None:
    assert _violations(synthetic.generate(2, seed=7, faults={2: fault}))


def test_policies_are_one_graph_each_and_deterministic() -> None:
    first = list(synthetic.generate_policies(2, seed=3))
    again = list(synthetic.generate_policies(2, seed=3))
    assert [p for p, _ in first] == ["org-00001", "org-00002"]
    assert all(len(a) == len(b) for (_, a), (_, b) in zip(first, again, strict=False))
    assert len(synthetic.generate(2, seed=3)) == sum(len(g) for _, g in first)
