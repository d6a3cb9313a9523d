"""``dpv-almi validate``: the thin command-line layer over :func:`dpv_almi.validation.core.validate`.

It cannot pass by mistake: no input file (a CI glob that matched nothing) and input without a
triple are usage errors, and the packaged Almi model is validated only when asked for by name
(``--example almi``).  Exit codes: 0 conforms at the chosen ``--fail-on`` level, 1 does not,
2 usage error or unreadable input (a syntax error names file:line:col, in data, shapes and
vocabulary files alike), 3 internal error (raised on to :func:`dpv_almi.cli.main.main`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dpv_almi import resources
from dpv_almi.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, InputError
from dpv_almi.loading import RdfLoadError, expand_paths
from dpv_almi.validation import reporting
from dpv_almi.validation.core import DEFAULT_ENGINE, ENGINES, LANGUAGES, Severity, validate

EXAMPLES = ("almi",)
"""Packaged notices ``--example`` can name."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILES",
        help="RDF files or directories holding the notice to validate (required, unless --example)",
    )
    parser.add_argument(
        "--example",
        choices=EXAMPLES,
        help="validate a packaged notice instead of FILES (almi: the Almi model this project ships)",
    )
    parser.add_argument(
        "--shapes",
        action="append",
        type=Path,
        metavar="DIR|FILE",
        help="a SHACL shapes file or directory; repeat the option for several (default: the packaged shapes)",
    )
    parser.add_argument(
        "--vocab",
        action="append",
        type=Path,
        metavar="DIR|FILE",
        help="a vocabulary the notice uses (your DPV extensions): read for types and hierarchy, never reported on; "
        "repeatable. All of DPV 2.3 is always known.",
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
        if not path.is_dir() and not path.is_file():  # validation reads a file more than once
            raise RdfLoadError(path, None, None, f"not a regular file (a device or a pipe): cannot read {what} from it")
    return paths


def _data(args: argparse.Namespace) -> list[Path]:
    if args.example and args.files:
        raise InputError("give FILES or --example, not both")
    if args.example:
        return resources.default_data_files()
    if not args.files:
        raise InputError("no input: give the notice's files or directories (or --example almi for the packaged model)")
    return _existing(args.files, "data")


def run(args: argparse.Namespace) -> int:
    fail_on = Severity.parse(args.fail_on)
    try:
        data = _data(args)
        shapes = _existing(args.shapes, "shapes") if args.shapes else None
        vocab = _existing(args.vocab, "vocabulary") if args.vocab else []
        report = validate(data, shapes, vocab=vocab, engine=args.engine, lang=args.lang)
    except (InputError, OSError) as exc:
        print(f"dpv-almi validate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(reporting.render(report, args.format, fail_on))
    return EXIT_OK if report.conforms(fail_on) else EXIT_FAILED
