"""A W3C SHACL validation report in Turtle, rebuilt from the typed report.

Rebuilding (rather than passing the engine's graph through) keeps the output identical for every
engine: one message per result in the chosen language, no engine-specific extras.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from dpv_almi.namespaces import bind_prefixes
from dpv_almi.validation.core import Report, Severity


def render(report: Report, fail_on: Severity) -> str:
    g = bind_prefixes(Graph())
    root = BNode("report")
    g.add((root, RDF.type, SH.ValidationReport))
    g.add((root, SH.conforms, Literal(report.conforms(fail_on), datatype=XSD.boolean)))
    for index, r in enumerate(report.results):
        node = BNode(f"r{index}")
        g.add((root, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, r.focus_node))
        g.add((node, SH.resultSeverity, r.severity.iri))
        g.add((node, SH.resultMessage, Literal(r.message, lang=report.lang)))
        g.add((node, SH.sourceConstraintComponent, SH[f"{r.constraint}ConstraintComponent"]))
        if r.rule.iri:
            g.add((node, SH.sourceShape, URIRef(r.rule.iri)))
        if r.path is not None:
            g.add((node, SH.resultPath, r.path))
            for triple in r.path_triples:
                g.add(triple)
        if r.value is not None:
            g.add((node, SH.value, r.value))
    return g.serialize(format="turtle")
