"""The ``dpv-almi`` command line.

Each subcommand registers itself through an ``_add_<name>`` function that sets
``func`` (``args -> exit code``); add new ones (e.g. ``validate``) the same way
and list them in ``_SUBCOMMANDS``.  Exit codes (:mod:`dpv_almi.errors`): 0 ok, 1 check failed,
2 usage error or unreadable input, 3 internal error.  Users get one-line errors, no tracebacks.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from dpv_almi import __version__
from dpv_almi.errors import EXIT_INTERNAL, EXIT_USAGE, DpvAlmiError, InputError
from dpv_almi.loading import RdfLoadError
from dpv_almi.model import concepts

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
    from dpv_almi import settings

    parser = subparsers.add_parser("serve", help="run the read-only SPARQL endpoint and REST API")
    settings.add_arguments(parser)
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    """Load the data first so bad input is a one-line error, then hand over to uvicorn."""
    import logging

    import uvicorn

    from dpv_almi.settings import Settings, SettingsError
    from dpv_almi.store.backends import open_backend
    from dpv_almi.web.app import create_app
    from dpv_almi.web.serving import uvicorn_options

    try:
        config = Settings.from_env().with_args(args)
        backend = open_backend(config.store, config.data_files(), config.archive, config.dataset)
    except (InputError, RdfLoadError, OSError, SettingsError, ValueError) as exc:
        print(f"dpv-almi serve: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        uvicorn.run(
            create_app(config, backend=backend, close_backend=True),
            host=config.host,
            port=config.port,
            log_level=config.log_level,
            access_log=False,
            **uvicorn_options(config),
        )
    finally:  # the backend's temporary version archive goes with the process
        backend.close()
    return 0


def _add_validate(subparsers: Subparsers) -> None:
    from dpv_almi.cli import validate as validate_cli

    parser = subparsers.add_parser("validate", help="check DPV notices against the SHACL shapes (GDPR Art. 13/14)")
    validate_cli.add_arguments(parser)
    parser.set_defaults(func=validate_cli.run)


def _add_policies(subparsers: Subparsers) -> None:
    from dpv_almi.cli import policies as policies_cli

    parser = subparsers.add_parser("generate", help="write N synthetic DPV notices (tests, benchmarks)")
    policies_cli.add_generate_arguments(parser)
    parser.set_defaults(func=policies_cli.run_generate)
    parser = subparsers.add_parser("load", help="add or replace a policy in an on-disk or remote store")
    policies_cli.add_load_arguments(parser)
    parser.set_defaults(func=policies_cli.run_load)


def _add_tilt(subparsers: Subparsers) -> None:
    from dpv_almi.cli import tilt as tilt_cli

    parser = subparsers.add_parser("import", help="import notices from another format (tilt) as DPV Turtle")
    tilt_cli.add_import_arguments(parser)
    parser = subparsers.add_parser("export", help="export a policy to another format (tilt)")
    tilt_cli.add_export_arguments(parser)


_SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    _add_concepts,
    _add_serve,
    _add_validate,
    _add_policies,
    _add_tilt,
)


def build_parser() -> argparse.ArgumentParser:
    """The full ``dpv-almi`` argument parser."""
    parser = OneLineParser(
        prog="dpv-almi", description="DPV model of the Almi privacy notice: tools and SPARQL service."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


class IllTypedLiterals(logging.Filter):
    """rdflib logs a warning with a traceback for every literal whose text is not of its datatype
    (``"2024-13-45"^^xsd:date``; ``rdflib.term``, when the literal is made).  Such a literal is kept as
    written and the shapes judge it, so users get one line about the first and none about the rest;
    every other record of the logger passes untouched."""

    PREFIX = "Failed to convert Literal lexical form to value"

    def __init__(self, prog: str) -> None:
        super().__init__()
        self.prog = prog
        self.told = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.PREFIX):
            return True
        if self.told:
            return False
        self.told = True
        record.msg = f"{self.prog}: warning: {_ill_typed(record)}: kept as written (any others are not listed)"
        record.args, record.exc_info, record.exc_text, record.stack_info = (), None, None, None
        return True


def _ill_typed(record: logging.LogRecord) -> str:
    """``literal "2024-13-45"^^<…#date> (month must be in 1..12)`` from rdflib's record, as far as it says."""
    message = str(record.msg)
    datatype = message.partition("Datatype=")[2].partition(",")[0] or "its datatype"
    error = record.exc_info[1] if record.exc_info else None
    frame = error.__traceback__.tb_frame if error is not None and error.__traceback__ else None
    lexical = frame.f_locals.get("lexical") if frame is not None else None  # rdflib's converter's argument
    text = f'"{lexical[:60]}"' if isinstance(lexical, str) else "a literal"
    reason = f" ({' '.join(str(error).split())[:120]})" if error is not None and str(error) else ""
    return f"ill-typed literal {text}^^<{datatype}>{reason}"


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.getLogger("rdflib.term").addFilter(IllTypedLiterals(f"dpv-almi {args.command}"))
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except DpvAlmiError as exc:  # an error the user is told about: one line, its own exit code
        print(f"dpv-almi {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # last line of defence: users never see tracebacks, CI never reads "fails"  # noqa: BLE001 - a boundary: any failure here is reported, never raised further
        print(f"dpv-almi: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
