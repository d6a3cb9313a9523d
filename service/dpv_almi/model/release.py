"""Release artefacts: the model in several serialisations, as ontology projects publish them.

``python -m dpv_almi.model.release OUT_DIR`` (or ``make release``) writes each packaged ontology file
as Turtle, N-Triples, JSON-LD and RDF/XML, so users of any RDF toolchain can take the data
without converting it themselves.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dpv_almi import loading, resources

SERIALISATIONS: dict[str, str] = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}
"""File suffix → rdflib serialiser."""


def write_release(out_dir: Path, sources: Sequence[Path] | None = None) -> list[Path]:
    """Serialise every source file (default: the packaged ontology) in every format; return the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources or resources.default_data_files():
        graph = loading.parse_rdf(source)
        for suffix, rdf_format in SERIALISATIONS.items():
            target = out_dir / f"{source.stem}.{suffix}"
            graph.serialize(destination=target, format=rdf_format, encoding="utf-8")
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dpv_almi.model.release", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the release files to")
    args = parser.parse_args(argv)
    try:
        for path in write_release(args.out_dir):
            print(path)
    except (loading.RdfLoadError, OSError) as exc:
        print(f"release: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
