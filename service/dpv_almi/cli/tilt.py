"""``dpv-almi import tilt`` and ``dpv-almi export tilt``: TILT notices in, TILT documents out."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dpv_almi.errors import EXIT_OK, InputError


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    tilt = formats.add_parser("tilt", help="TILT JSON notices -> one DPV Turtle file per notice")
    tilt.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="TILT files, or folders of *.tilt.json")
    tilt.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the <id>.ttl files")
    tilt.add_argument(
        "--strict", action="store_true", help="refuse any breach of the TILT schema (default: tolerate the corpus's)"
    )
    tilt.add_argument("--summary", type=Path, metavar="FILE", help="also write the summary as JSON to FILE")
    tilt.add_argument("--quiet", action="store_true", help="print only the totals")
    tilt.set_defaults(func=run_import)


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    tilt = formats.add_parser("tilt", help="a DPV policy -> a TILT JSON document (valid against the TILT schema)")
    tilt.add_argument("policy", metavar="POLICY", help="a policy file (.ttl …) or a policy id found in --data")
    tilt.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="files or folders to look a policy id up in (default: the packaged ontology)",
    )
    tilt.add_argument("--out", type=Path, metavar="FILE", help="write here instead of standard output")
    tilt.set_defaults(func=run_export)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def totals(summaries: list[Any]) -> dict[str, Any]:
    """The corpus figures: sums over the notices and the shares mapped."""
    keys = ("processes", "categories", "categories_specific", "purposes", "purposes_specific")
    total: dict[str, Any] = {key: sum(getattr(s, key) for s in summaries) for key in keys}
    total["notices"] = len(summaries)
    total["basis_statements"] = sum(s.basis_statements for s in summaries)
    total["bases_normalised"] = sum(s.bases_normalised for s in summaries)
    total["countries"] = sum(len(s.countries) for s in summaries)
    total["kept_as_text"] = sum(len(s.kept_as_text) for s in summaries)
    total["schema_deviations"] = sum(s.deviations for s in summaries)
    return total


def run_import(args: argparse.Namespace) -> int:
    from dpv_almi.importers import tilt

    try:
        summaries = tilt.import_files(args.paths, args.out, strict=args.strict)
    except OSError as exc:  # e.g. --out names a file, or a folder that cannot be made
        raise _unwritable(exc) from None
    total = totals(summaries)
    if not args.quiet:
        for s in summaries:
            print(
                f"{s.policy}: {s.processes} processes; categories {s.categories_specific}/{s.categories} "
                f"under a specific DPV concept; purposes {s.purposes_specific}/{s.purposes}; legal bases "
                f"{s.bases_normalised}/{s.basis_statements} normalised; countries {' '.join(sorted(set(s.countries))) or '-'}; "
                f"kept as text {len(s.kept_as_text)}; schema deviations tolerated {s.deviations}"
            )
            for pointer, text in s.kept_as_text:
                print(f"  kept as text {pointer}: {' '.join(text.split())[:100]}")
    print(
        f"{total['notices']} notices -> {args.out}: {total['processes']} processes; categories "
        f"{total['categories_specific']}/{total['categories']} ({_percent(total['categories_specific'], total['categories'])}) "
        f"under a specific DPV concept; purposes {total['purposes_specific']}/{total['purposes']} "
        f"({_percent(total['purposes_specific'], total['purposes'])}); legal-basis statements "
        f"{total['bases_normalised']}/{total['basis_statements']} normalised to eu-gdpr; "
        f"{total['countries']} links to a country; {total['kept_as_text']} values kept as text; "
        f"{total['schema_deviations']} schema deviations tolerated"
    )
    if args.summary:
        document = {"total": total, "notices": [s.as_dict() for s in summaries]}
        _write(args.summary, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


def _unwritable(exc: OSError) -> InputError:
    """A file system refusal (a folder where a file should go, a missing parent) is the user's: exit 2."""
    return InputError(f"{exc.filename or exc}: {exc.strerror or exc}", "Cannot write")


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _unwritable(exc) from None


def _policy_file(policy: str, data: list[Path]) -> Path:
    candidate = Path(policy)
    if candidate.is_file():
        return candidate
    if "/" in policy or candidate.suffix:
        raise InputError(f"{policy}: no such file", "No input")
    from dpv_almi.identifiers import check_policy_id
    from dpv_almi.loading import expand_paths
    from dpv_almi.resources import ontology_dir
    from dpv_almi.store.dataset import graph_id_for

    check_policy_id(policy)
    for path in expand_paths(data or [ontology_dir()]):
        if graph_id_for(path) == policy:
            return Path(path)
    raise InputError(f"{policy}: neither a file nor a policy id in the data", "Unknown policy")


def run_export(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from dpv_almi.importers.tilt_export import export
    from dpv_almi.loading import RdfLoadError, read_input

    path = _policy_file(args.policy, args.data)
    try:
        raw = read_input(path)
    except OSError as exc:
        raise RdfLoadError(path, None, None, f"cannot read file: {exc.strerror or exc}") from None
    try:
        graph = Graph().parse(data=raw, format="turtle" if path.suffix in (".ttl", "") else None, publicID=str(path))
    except Exception as exc:  # noqa: BLE001 - any parser failure is the input's fault: one line, exit 2
        raise RdfLoadError(path, None, None, f"not readable RDF: {exc}") from None
    try:
        document = export(graph, raw)
    except ValueError as exc:
        raise InputError(f"{path}: {exc}", "Not a policy") from None
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        _write(args.out, text)
    else:
        sys.stdout.write(text)
    return EXIT_OK
