"""DPV-ALMI: a DPV model of the Almi privacy notice, with a read-only SPARQL service."""

__version__ = "0.2.0"
