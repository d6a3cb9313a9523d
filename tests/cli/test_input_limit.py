"""Input files are read with a bound (``loading.MAX_INPUT_BYTES``): ``/dev/zero``, a FIFO without a
writer, a file past the cap.  Before the cap ``load /dev/zero`` read until memory ran out (exit 3)
and a bulk ``load`` of a link to ``/dev/zero`` never ended; each run here has a timeout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dpv_almi.loading import MAX_INPUT_BYTES

pytestmark = pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")


def dpv_almi(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed console script, as users run it, stopped (and failed) after *timeout* seconds."""
    script = shutil.which("dpv-almi", path=str(Path(sys.executable).parent))
    assert script, "the dpv-almi console script is not installed next to this Python"
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=timeout)


def refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


TOO_LARGE = f"more than {MAX_INPUT_BYTES:,} bytes"


def test_load_of_dev_zero_is_refused_at_the_cap(tmp_path: Path) -> None:
    store = tmp_path / "store"
    refused(dpv_almi("load", "/dev/zero", "--policy", "p", "--store", str(store)), "/dev/zero", TOO_LARGE)
    assert not list(store.rglob("*.ttl")), "nothing is archived"


def test_bulk_load_of_an_endless_file_is_refused(tmp_path: Path) -> None:
    endless = tmp_path / "endless.trig"
    endless.symlink_to("/dev/zero")
    refused(dpv_almi("load", str(endless), "--store", str(tmp_path / "store")), "endless.trig", TOO_LARGE)


def test_import_of_an_endless_file_is_refused(tmp_path: Path) -> None:
    endless = tmp_path / "endless.tilt.json"
    endless.symlink_to("/dev/zero")
    out = tmp_path / "out"
    refused(dpv_almi("import", "tilt", str(endless), "--out", str(out)), "endless.tilt.json", TOO_LARGE)
    assert not out.exists() or not list(out.iterdir())


def test_a_file_past_the_cap_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.ttl"
    with big.open("wb") as handle:  # sparse: no disk used, and unread, since refused from its size
        handle.truncate(MAX_INPUT_BYTES + 1)
    refused(dpv_almi("validate", str(big), timeout=30), "big.ttl", TOO_LARGE)
    refused(dpv_almi("load", str(big), "--policy", "p", "--store", str(tmp_path / "s"), timeout=30), TOO_LARGE)
    refused(dpv_almi("import", "tilt", str(big), "--out", str(tmp_path / "o"), timeout=30), TOO_LARGE)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_nobody_writes_to_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "notice.ttl"
    os.mkfifo(fifo)
    refused(dpv_almi("load", str(fifo), "--policy", "p", "--store", str(tmp_path / "s"), timeout=30), "no triples")
    refused(dpv_almi("validate", str(fifo), timeout=30), "not a regular file")
    refused(dpv_almi("validate", "/dev/zero", timeout=30), "not a regular file")
