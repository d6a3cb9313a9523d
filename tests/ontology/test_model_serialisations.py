"""The model loads in both engines and round-trips through the usual serialisations."""

from __future__ import annotations

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from dpv_almi import resources


def test_the_model_loads_in_oxigraph_with_as_many_triples_as_in_rdflib(almi_graph: Graph) -> None:
    store = pyoxigraph.Store()
    store.load(path=str(resources.model_path()), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(almi_graph) > 1000


@pytest.mark.parametrize("rdf_format", ["turtle", "json-ld", "nt", "xml"])
def test_the_model_round_trips(almi_graph: Graph, rdf_format: str) -> None:
    text = almi_graph.serialize(format=rdf_format)
    again = Graph().parse(data=text, format=rdf_format)
    assert isomorphic(almi_graph, again)
