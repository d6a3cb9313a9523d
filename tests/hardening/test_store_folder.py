"""``--store DIR`` never adopts a folder that holds other files: its pruning removes ``gen-*`` folders (#12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dpv_almi.cli.main import main
from dpv_almi.errors import EXIT_USAGE


def test_a_folder_with_other_files_is_not_made_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "mine"
    (folder / "gen-000001").mkdir(parents=True)
    (folder / "gen-000001" / "thesis.txt").write_text("precious\n")
    (folder / "notes.txt").write_text("precious\n")
    policy = tmp_path / "p.ttl"
    for value in range(3):  # before: the third load pruned gen-000001, the user's folder
        policy.write_text(f'<urn:a> <urn:b> "{value}" .\n')
        assert main(["load", str(policy), "--policy", "p", "--store", str(folder)]) == EXIT_USAGE
        assert "not a store" in capsys.readouterr().err
    assert (folder / "gen-000001" / "thesis.txt").read_text() == "precious\n"
    assert sorted(p.name for p in folder.iterdir()) == ["gen-000001", "notes.txt"]


def test_an_empty_or_new_folder_becomes_a_store(tmp_path: Path) -> None:
    policy = tmp_path / "p.ttl"
    policy.write_text("<urn:a> <urn:b> <urn:c> .\n")
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new" / "store"):
        assert main(["load", str(policy), "--policy", "p", "--store", str(folder)]) == 0
        assert main(["load", str(policy), "--policy", "q", "--store", str(folder)]) == 0
        assert (folder / "CURRENT").is_file()
