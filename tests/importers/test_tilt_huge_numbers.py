"""``import tilt`` given a JSON number Python refuses to read (an integer of more than 4,300 digits):
exit 2 with one line, not an internal error (#12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dpv_almi.cli.main import main
from dpv_almi.errors import EXIT_USAGE


def test_an_integer_of_5000_digits_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notice = tmp_path / "big.tilt.json"
    notice.write_text('{"meta": {"version": ' + "9" * 5000 + "}}", encoding="utf-8")
    assert main(["import", "tilt", str(notice), "--out", str(tmp_path / "out"), "--quiet"]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "internal error" not in error and "big.tilt.json" in error and "4300 digits" in error, error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
