"""``dpv-almi generate`` and ``dpv-almi load``: synthetic notices, and adding a policy to a store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dpv_almi.identifiers import check_policy_id, check_version
from dpv_almi.loading import RdfLoadError, read_input


def add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("organisations", type=int, metavar="N", help="number of synthetic notices")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0; same seed, same notices)")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="FILE.trig (one named graph per policy) or a directory (one org-NNNNN.ttl per policy)",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="INDEX:FAULT",
        help="inject a fault into organisation INDEX (no-purpose, two-bases, no-controller); repeatable",
    )


def run_generate(args: argparse.Namespace) -> int:
    from dpv_almi.model import synthetic

    faults: dict[int, str] = {}
    for item in args.fault:
        index, _, fault = item.partition(":")
        if not index.isdigit() or fault not in synthetic.FAULTS:
            print(
                f"dpv-almi generate: error: --fault {item!r}: expected INDEX:{'|'.join(synthetic.FAULTS)}",
                file=sys.stderr,
            )
            return 2
        faults[int(index)] = fault
    if args.organisations < 0:
        print("dpv-almi generate: error: N must be zero or more", file=sys.stderr)
        return 2
    triples = synthetic.write_policies(args.organisations, args.out, args.seed, faults)
    print(f"wrote {args.organisations} policies, {triples} triples, to {args.out}")
    return 0


def add_load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, metavar="FILE", help="the policy's RDF (Turtle, N-Triples, RDF/XML, JSON-LD)"
    )
    parser.add_argument(
        "--policy",
        metavar="ID",
        help="policy id (its graph is graph/<ID>); without it, FILE is "
        "data files' worth of graphs (TriG/N-Quads: its own; else graph/<file name>) bulk-loaded at once",
    )
    parser.add_argument("--version", dest="policy_version", metavar="V", help="version label (default: SHA-256 prefix)")
    parser.add_argument(
        "--store", required=True, help="on-disk store directory or sparql+http://host:port/query (env DPV_ALMI_STORE)"
    )
    parser.add_argument("--archive", type=Path, help="version archive directory (remote stores)")


def run_load(args: argparse.Namespace) -> int:
    """Add or replace one policy; a running service over a disk store picks it up on restart or reload."""
    import httpx

    from dpv_almi.store.backends import open_backend

    if args.policy is not None:  # checked before anything is opened, let alone written
        check_policy_id(args.policy)
    if args.policy_version is not None:
        check_version(args.policy_version)
    try:
        backend = open_backend(args.store, [], args.archive)
        if args.policy is None:  # many policies at once (a generated TriG file): one bulk load, one new generation
            records = backend.load_files([args.file])  # type: ignore[attr-defined]  # only the disk and remote backends bulk-load, and the CLI only opens those
            print(f"loaded {len(records)} graphs from {args.file} into {args.store}")
            return 0
        record = backend.replace_policy(
            args.policy, read_input(args.file), args.file.suffix.lower(), args.policy_version, args.file.name
        )
    except RdfLoadError as exc:  # name the user's file, not the copy that was parsed
        print(f"dpv-almi load: error: {RdfLoadError(args.file, exc.line, exc.column, exc.message)}", file=sys.stderr)
        return 2
    except (ValueError, OSError, httpx.HTTPError) as exc:
        print(f"dpv-almi load: error: {exc}", file=sys.stderr)
        return 2
    print(f"loaded {record.id} version {record.version} (sha256 {record.sha256[:12]}…) into {args.store}")
    return 0
