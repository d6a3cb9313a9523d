"""Fixtures for the shape tests: the minimal conforming notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from dpv_almi.loading import parse_rdf

MINIMAL = Path(__file__).parent / "fixtures" / "minimal.ttl"


@pytest.fixture(scope="session")
def minimal_graph() -> Graph:
    """fixtures/minimal.ttl: conforms to every shape with no result."""
    return parse_rdf(MINIMAL)
