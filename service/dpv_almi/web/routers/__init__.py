"""One router per concern: health and metrics, the SPARQL protocol, and the versioned REST API."""
