"""The ``dpv-almi`` command line.

Each subcommand registers itself through an ``_add_<name>`` function that sets
``func`` (``args -> exit code``); add new ones (e.g. ``validate``) the same way
and list them in ``_SUBCOMMANDS``.  Exit codes: 0 ok, 1 check failed,
2 usage error or unreadable input.  Users get one-line errors, no tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from dpv_almi import __version__, concepts, resources
from dpv_almi.loading import RdfLoadError, load_store

EXIT_USAGE = 2

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[Any]


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are a single line on stderr, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_concepts(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("concepts", help="build or check ontology/dpv-concepts.ttl from a DPV release")
    concepts.add_arguments(parser)
    parser.set_defaults(func=concepts.run)


def _add_serve(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser("serve", help="run the read-only SPARQL service")
    parser.add_argument(
        "--data", nargs="+", type=Path, metavar="FILE", help="RDF files or directories to serve (default: packaged ontology)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default: %(default)s)")
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    """Load the data first so bad input is a one-line error, then hand over to uvicorn."""
    import uvicorn

    from dpv_almi.app import create_app

    try:
        files = args.data or resources.default_data_files()
        store = load_store(files)
    except (RdfLoadError, OSError) as exc:
        print(f"dpv-almi serve: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    uvicorn.run(create_app(files, store=store), host=args.host, port=args.port)
    return 0


_SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (_add_concepts, _add_serve)


def build_parser() -> argparse.ArgumentParser:
    """The full ``dpv-almi`` argument parser."""
    parser = OneLineParser(prog="dpv-almi", description="DPV model of the Almi privacy notice: tools and SPARQL service.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last line of defence: users never see tracebacks
        print(f"dpv-almi: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
