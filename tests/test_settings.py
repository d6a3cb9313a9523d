"""Each setting is defined once: the environment, the flags and the README table all come from it."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import pytest

from dpv_almi.settings import Settings, SettingsError, add_arguments, env_name, flag_name, markdown_table

README = Path(__file__).resolve().parents[1] / "README.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser


def test_the_readme_table_is_the_settings() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- settings-table -->\n") + len("<!-- settings-table -->\n")
    assert text[start : text.index("<!-- /settings-table -->")] == markdown_table(), (
        "README's configuration table is stale: paste `python -m dpv_almi.settings` between its markers"
    )


def test_every_setting_reads_from_the_environment_and_its_flag() -> None:
    flags = {action.dest: action for action in _parser()._actions}
    for f in fields(Settings):
        if f.metadata["flag"]:
            assert flag_name(f) in flags[f.name].option_strings, f.name
            assert env_name(f) in flags[f.name].help, f"{f.name}: the help names its environment variable"
        else:
            assert f.name not in flags, f"{f.name} must not be a flag"


def test_types_come_from_the_fields() -> None:
    environ = {
        "DPV_ALMI_PORT": "8123",
        "DPV_ALMI_QUERY_TIMEOUT": "2.5",
        "DPV_ALMI_DATA": "a.ttl:b.ttl",
        "DPV_ALMI_CORS_ORIGINS": "https://a.example, https://b.example",
        "DPV_ALMI_ARCHIVE": "/tmp/archive",
        "DPV_ALMI_ADMIN_TOKEN": "s3cret",
    }
    settings = Settings.from_env(environ)
    assert settings.port == 8123 and settings.query_timeout == 2.5
    assert settings.data == (Path("a.ttl"), Path("b.ttl"))
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.archive == Path("/tmp/archive")
    assert settings.admin_token == "s3cret" and "s3cret" not in repr(settings)


def test_flags_override_the_environment() -> None:
    settings = Settings.from_env({"DPV_ALMI_PORT": "8123", "DPV_ALMI_HOST": "0.0.0.0"})
    args = _parser().parse_args(["--port", "9000", "--cors-origin", "https://a", "--cors-origin", "https://b"])
    merged = settings.with_args(args)
    assert (merged.port, merged.host, merged.cors_origins) == (9000, "0.0.0.0", ("https://a", "https://b"))


@pytest.mark.parametrize(
    ("name", "raw"), [("DPV_ALMI_PORT", "eighty"), ("DPV_ALMI_QUERY_TIMEOUT", "soon"), ("DPV_ALMI_LOG_LEVEL", "loud")]
)
def test_a_bad_value_names_its_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: raw})


def test_an_empty_variable_is_unset() -> None:
    settings = Settings.from_env({"DPV_ALMI_ARCHIVE": "", "DPV_ALMI_STORE": "", "DPV_ALMI_PORT": ""})
    assert (settings.archive, settings.store, settings.port) == (None, None, 8000)
