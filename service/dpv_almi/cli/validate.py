"""``dpv-almi validate``: the thin command-line layer over :func:`dpv_almi.validation.core.validate`.

Exit codes: 0 conforms at the chosen ``--fail-on`` level, 1 does not, 2 usage error or
unreadable input (a syntax error names file:line:col, in data and shapes files alike).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dpv_almi import resources
from dpv_almi.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from dpv_almi.loading import RdfLoadError, expand_paths
from dpv_almi.validation import reporting
from dpv_almi.validation.core import DEFAULT_ENGINE, ENGINES, LANGUAGES, Severity, ShapesError, validate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILES",
        help="RDF files or directories to validate (default: the packaged Almi model)",
    )
    parser.add_argument(
        "--shapes",
        nargs="+",
        type=Path,
        metavar="DIR|FILE",
        help="SHACL shapes files or directories (default: the packaged shapes)",
    )
    parser.add_argument(
        "--format", choices=reporting.FORMATS, default="text", help="report format (default: %(default)s)"
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.label for s in reversed(Severity)],
        default="violation",
        help="lowest severity that makes the command exit 1 (default: %(default)s)",
    )
    parser.add_argument(
        "--lang", choices=LANGUAGES, default="en", help="language of the messages (default: %(default)s)"
    )
    parser.add_argument(
        "--engine",
        choices=sorted(ENGINES),
        default=DEFAULT_ENGINE,
        help="SHACL engine (default: %(default)s; pyshacl is the slower reference implementation)",
    )


def _existing(paths: list[Path], what: str) -> list[Path]:
    """Fail early, with one line, on paths that do not exist or directories without RDF files."""
    for path in paths:
        if not path.exists():
            raise RdfLoadError(path, None, None, f"cannot read {what}: no such file or directory")
        if path.is_dir() and not expand_paths([path]):
            raise RdfLoadError(path, None, None, f"no RDF files in this {what} directory")
    return paths


def run(args: argparse.Namespace) -> int:
    fail_on = Severity.parse(args.fail_on)
    try:
        data = _existing(args.files, "data") if args.files else resources.default_data_files()
        shapes = _existing(args.shapes, "shapes") if args.shapes else None
        report = validate(data, shapes, engine=args.engine, lang=args.lang)
    except (RdfLoadError, ShapesError, OSError) as exc:
        print(f"dpv-almi validate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(reporting.render(report, args.format, fail_on))
    return EXIT_OK if report.conforms(fail_on) else EXIT_FAILED
