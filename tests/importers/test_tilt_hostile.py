"""``import tilt`` / ``export tilt`` told to write where they cannot: exit 2 with one line, not an internal error (#12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dpv_almi.cli.main import main
from dpv_almi.errors import EXIT_USAGE


@pytest.fixture
def one_notice(tilt_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(sorted((tilt_dir / "corpus").glob("*.tilt.json"))[0], folder / "a.tilt.json")
    return folder


def test_import_into_a_file_is_a_usage_error(
    one_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("kept\n")
    assert main(["import", "tilt", str(one_notice), "--out", str(tmp_path / "afile"), "--quiet"]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "internal error" not in error and "afile" in error
    assert (tmp_path / "afile").read_text() == "kept\n"


def test_a_summary_in_a_missing_folder_is_a_usage_error(
    one_notice: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = tmp_path / "missing" / "summary.json"
    arguments = [
        "import",
        "tilt",
        str(one_notice),
        "--out",
        str(tmp_path / "out"),
        "--quiet",
        "--summary",
        str(summary),
    ]
    assert main(arguments) == EXIT_USAGE
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize("target", ["a-folder", "missing/x.json"])
def test_export_to_an_unwritable_place_is_a_usage_error(
    one_notice: Path, tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", "tilt", str(one_notice), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    (tmp_path / "a-folder").mkdir()
    assert main(["export", "tilt", str(tmp_path / "out" / "a.ttl"), "--out", str(tmp_path / target)]) == EXIT_USAGE
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "text",
    [
        '{"a":' * 50_000 + "1" + "}" * 50_000,  # Python's JSON parser: RecursionError
        '{"meta": ' + "[" * 900 + "]" * 900 + "}",  # parsed, then recursed over by the schema check
    ],
    ids=["parser", "schema"],
)
def test_deeply_nested_json_is_refused_in_one_line(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "deep.tilt.json").write_text(text)
    assert main(["import", "tilt", str(tmp_path / "deep.tilt.json"), "--out", str(tmp_path / "out")]) == EXIT_USAGE
    error = capsys.readouterr().err
    assert "internal error" not in error and "nested deeper" in error, error
    assert not (tmp_path / "out").exists()
