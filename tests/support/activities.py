"""What the REST API counts as activities, written as the tests' own SPARQL (an oracle beside the named query).

Every ``dpv:Process`` but one whose information is given elsewhere (``dpv:hasNotice`` a
``dpva:InformationElsewhere``), as ``dpvs:ProcessOfNotice`` in
shapes/structure.ttl: Almi's seven other processing areas are processes, not activities of its notice.
"""

COUNT_ACTIVITIES = """
PREFIX dpv:  <https://w3id.org/dpv#>
PREFIX dpva: <https://w3id.org/dpv-almi/vocab#>
SELECT (COUNT(DISTINCT ?a) AS ?n) {
  ?a a dpv:Process .
  MINUS { ?a dpv:hasNotice ?where . ?where a dpva:InformationElsewhere }
}
"""
