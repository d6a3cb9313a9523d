"""The HTTP service: SPARQL 1.1 Protocol at ``/sparql`` and the REST API under ``/v1``."""

from dpv_almi.web.app import create_app

__all__ = ["create_app"]
