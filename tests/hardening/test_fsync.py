"""Power-cut safety of the on-disk store: every file and directory of a new generation, and the new
``CURRENT`` pointer, reach the disk (fsync) before the atomic rename, and the parent directory after it.

A power cut cannot be simulated here; what can be checked is the order of the calls, recorded by
wrapping the real ``os.fsync`` and ``os.replace`` (they still run).  The SIGKILL test
(``test_durability.py``) covers a crash of the process itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dpv_almi.store.backends import DiskBackend

POLICY = b"@prefix ex: <http://example.org/> .\n" + b"".join(b'ex:s%d ex:p "v%d" .\n' % (i, i) for i in range(2_000))


def test_new_generation_is_fsynced_before_current_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "store"
    backend = DiskBackend(store)
    backend.replace_policy("acme", POLICY, ".ttl", "1")
    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        calls.append(("replace", str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    backend.replace_policy("acme", POLICY.replace(b'"v', b'"w'), ".ttl", "2")
    monkeypatch.undo()

    live = backend.live()
    assert live.name == "gen-000003" and (store / "CURRENT").read_text().strip() == live.name
    rename = calls.index(("replace", str(store / "CURRENT")))
    before = {path for kind, path in calls[:rename] if kind == "fsync"}
    generation = {str(p) for p in live.rglob("*")} | {str(live)}
    assert generation <= before, sorted(generation - before)  # every file and directory of the generation
    assert str(store / "CURRENT.tmp") in before  # the pointer's content
    assert ("fsync", str(store)) in calls[rename + 1 :]  # the rename itself
    assert any(p.endswith(".sst") or "MANIFEST" in p for p in before)  # the database files, not just folders
    assert backend.info().graphs["https://w3id.org/dpv-almi/graph/acme"] == 2_000
