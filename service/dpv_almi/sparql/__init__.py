"""SPARQL as text: the catalogue of named queries (``named/*.rq``), the lexer that reads facts from a
query before any engine sees it, and the rewrites some remote engines need."""
