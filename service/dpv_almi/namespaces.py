"""The one place that knows namespace IRIs.

Every module, script and test takes prefixes from here so a namespace change
is a one-line edit and SPARQL prologues always match the Turtle prefixes.
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import Graph, Namespace

DPV = Namespace("https://w3id.org/dpv#")
PD = Namespace("https://w3id.org/dpv/pd#")
EU_GDPR = Namespace("https://w3id.org/dpv/legal/eu/gdpr#")
LEGAL_EU = Namespace("https://w3id.org/dpv/legal/eu#")
LEGAL_SE = Namespace("https://w3id.org/dpv/legal/se#")
LOC = Namespace("https://w3id.org/dpv/loc#")
TECH = Namespace("https://w3id.org/dpv/tech#")

RESOURCE_BASE = "https://w3id.org/dpv-almi/"
"""Every policy's resources are ``RESOURCE_BASE + policy id + / + name``; the REST API and the pages
address an activity by that path (``/v1/activities/almi/Nyhetsbrev``)."""

ALMI = Namespace(RESOURCE_BASE + "almi/")
"""Resources described by the Almi privacy notice."""

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

DPVA = Namespace("https://w3id.org/dpv-almi/vocab#")
"""Project vocabulary: terms DPV lacks."""

STORED_DURATION = DPVA["xsdDuration"]
"""The datatype an ``xsd:duration`` literal is stored under where the store would keep only its value
(Virtuoso, :mod:`dpv_almi.store.remote`); never shown to clients."""

DPVS = Namespace("https://w3id.org/dpv-almi/shapes#")
"""The project's SHACL shapes (``shapes/``); a shape's local name is its rule id."""

GRAPH = Namespace("https://w3id.org/dpv-almi/graph/")
"""Named graphs of the service's dataset: ``GRAPH[policy_id]`` per policy, ``GRAPH.vocab``, ``GRAPH.dpv``."""

DPV_NAMESPACES: tuple[Namespace, ...] = (DPV, PD, EU_GDPR, LEGAL_EU, LEGAL_SE, LOC, TECH)
"""The DPV 2.3 namespaces whose concepts ``dpv-concepts.ttl`` mirrors."""

PREFIXES: dict[str, str] = {
    "dpv": str(DPV),
    "pd": str(PD),
    "eu-gdpr": str(EU_GDPR),
    "legal-eu": str(LEGAL_EU),
    "legal-se": str(LEGAL_SE),
    "loc": str(LOC),
    "tech": str(TECH),
    "almi": str(ALMI),
    "dpva": str(DPVA),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": "http://www.w3.org/ns/shacl#",
    "prov": "http://www.w3.org/ns/prov#",
}


def sparql_prologue(prefixes: Mapping[str, str] = PREFIXES) -> str:
    """Return ``PREFIX`` lines so queries can use the project's short names."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items())


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes on *graph* (replacing rdflib defaults) and return it."""
    for name, iri in PREFIXES.items():
        graph.bind(name, iri, override=True, replace=True)
    return graph
