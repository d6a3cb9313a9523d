"""A release carries the model in four serialisations that all read back as the same graph."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph
from rdflib.compare import isomorphic

from dpv_almi import loading, resources
from dpv_almi.model.release import SERIALISATIONS, main


def test_every_ontology_file_is_released_in_every_format(tmp_path: Path) -> None:
    assert main([str(tmp_path)]) == 0
    for source in resources.default_data_files():
        original = loading.parse_rdf(source)
        for suffix, rdf_format in SERIALISATIONS.items():
            released = Graph().parse(tmp_path / f"{source.stem}.{suffix}", format=rdf_format)
            assert isomorphic(original, released), (source.name, suffix)
