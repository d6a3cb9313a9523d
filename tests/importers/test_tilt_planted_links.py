"""``import tilt --out`` into a folder where someone planted a symbolic link at the name of the temporary
file: nothing is written where the link points (#12)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dpv_almi.cli.main import main


def test_a_planted_link_at_the_temporary_name_is_not_written_through(tilt_dir: Path, tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    shutil.copy(sorted((tilt_dir / "corpus").glob("*.tilt.json"))[0], inputs / "a.tilt.json")
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    (out / ".a.ttl.tmp").symlink_to(victim)
    assert main(["import", "tilt", str(inputs), "--out", str(out), "--quiet"]) == 0
    assert victim.read_text() == "precious\n"
    written = out / "a.ttl"
    assert not written.is_symlink() and "dpv-almi/a/" in written.read_text()
    umask = os.umask(0)
    os.umask(umask)
    assert written.stat().st_mode & 0o777 == 0o666 & ~umask  # as an ordinary new file, as before
