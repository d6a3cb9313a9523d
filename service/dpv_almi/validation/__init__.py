"""SHACL validation of DPV notices: the library behind ``dpv-almi validate`` and ``/validation``.

The public entry point is :func:`validate`; ``core`` runs the engines, ``positions`` finds where a
resource is written, ``reporting`` prints a report in each output format.
"""

from dpv_almi.validation.core import (
    DEFAULT_ENGINE,
    ENGINES,
    LANGUAGES,
    Report,
    Severity,
    ShapesError,
    ValidationResult,
    validate,
)

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "LANGUAGES",
    "Report",
    "Severity",
    "ShapesError",
    "ValidationResult",
    "validate",
]
