from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dpv_almi import __version__ as dpv_almi_version


def dpv_almi(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script, the way users do."""
    script = shutil.which("dpv-almi", path=str(Path(sys.executable).parent))
    assert script, "the dpv-almi console script is not installed next to this Python (run `make venv`)"
    return subprocess.run([script, *args], capture_output=True, text=True, timeout=120)


def assert_usage_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


@pytest.mark.parametrize(
    "args",
    [(), ("bogus",), ("serve", "--port", "not-a-number"), ("concepts",), ("serve", "--unknown")],
)
def test_bad_arguments_exit_2_with_one_line(args: tuple[str, ...]) -> None:
    assert_usage_error(dpv_almi(*args), "error:")


def test_unreadable_data_exits_2_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    assert_usage_error(dpv_almi("serve", "--data", str(bad)), f"{bad}:2:")
    assert_usage_error(dpv_almi("serve", "--data", str(tmp_path / "missing.ttl")), "cannot read file")


def test_missing_release_exits_2(tmp_path: Path) -> None:
    assert_usage_error(dpv_almi("concepts", "--dpv", str(tmp_path), "--check"), "no DPV release")


def test_help_and_version() -> None:
    help_text = dpv_almi("--help")
    assert help_text.returncode == 0 and "serve" in help_text.stdout and "concepts" in help_text.stdout
    version = dpv_almi("--version")
    assert version.returncode == 0 and dpv_almi_version in version.stdout
