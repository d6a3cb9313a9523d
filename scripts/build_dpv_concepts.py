#!/usr/bin/env python3
"""Regenerate ontology/dpv-concepts.ttl from the DPV 2.3 release next to the repository.

Thin wrapper over ``dpv_almi.model.concepts`` supplying this checkout's defaults;
any extra arguments (e.g. ``--check``, ``--dpv DIR``) are passed through.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "service"))  # works without installing the package

from dpv_almi.model.concepts import main  # noqa: E402

DEFAULTS = [
    "--dpv",
    str(REPO_ROOT.parent / "shared" / "dpv" / "2.3"),
    "--out",
    str(REPO_ROOT / "ontology" / "dpv-concepts.ttl"),
]

if __name__ == "__main__":
    sys.exit(main(DEFAULTS + sys.argv[1:]))
