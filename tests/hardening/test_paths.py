"""Policy ids and versions are names of folders: no id or version reaches outside the archive.

Before these checks, ``PUT /v1/admin/policies/%2E%2E?version=x`` removed a folder beside the
archive, ``?version=..`` emptied it, ``id=..&version=..`` on a disk store deleted the store's parent,
and a version with a newline wrote N-Triples into the registry.  Every case runs against a real
``dpv-almi serve`` (memory and disk) whose archive sits in a box with sentinel folders beside it.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from dpv_almi.errors import InputError
from dpv_almi.identifiers import check_policy_id, check_version
from dpv_almi.store.backends import Archive
from dpv_almi.store.registry import new_record

TOKEN = "paths-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
BODY = b"@prefix ex: <http://example.org/acme/> .\nex:s ex:p ex:o .\n"

BAD_IDS = [".", "..", "-x", "_x", "a.b", "a b", "a/b", "x" * 65, "x" * 300, "registry", "dpv", "vocab"]
BAD_VERSIONS = [".", "..", "../x", "1.0/beta", "a b", ">", '"', "\\", "{", "1\n2", "1\r2", ".hidden", "v" * 65]


def _tree(box: Path) -> set[str]:
    """Every path under *box* (relative), to see that nothing was added or removed."""
    return {str(p.relative_to(box)) for p in box.rglob("*")}


@pytest.fixture(params=["memory", "disk"])
def boxed(request: pytest.FixtureRequest, tmp_path: Path, serve) -> tuple[str, Path]:
    """A service with its archive (memory) or store (disk) inside a box that also holds sentinels."""
    box = tmp_path / "box"
    for sentinel in ("sentinel-a", "sentinel-b/inner"):
        (box / sentinel).mkdir(parents=True)
        (box / sentinel / "keep.txt").write_text("keep")
    env = {"DPV_ALMI_ADMIN_TOKEN": TOKEN}
    if request.param == "disk":
        env["DPV_ALMI_STORE"] = str(box / "store")
    else:
        env["DPV_ALMI_ARCHIVE"] = str(box / "archive")
    server = serve([], env)
    loaded = httpx.put(f"{server.url}/v1/admin/policies/acme", params={"version": "1"}, content=BODY, headers=AUTH)
    assert loaded.status_code == 200, loaded.text
    return server.url, box


def _raw_put(url: str, path: str) -> tuple[int, bytes]:
    """A PUT with the path sent byte for byte (no client-side normalisation of ``%2E%2E`` or ``..``)."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("PUT", path, body=BODY, headers=AUTH)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_dot_segments_and_bad_names_never_touch_a_folder(boxed) -> None:
    url, box = boxed
    before = _tree(box)
    raw_paths = [
        "/v1/admin/policies/%2E%2E?version=x",
        "/v1/admin/policies/%2e%2e?version=x",
        "/v1/admin/policies/acme?version=..",
        "/v1/admin/policies/acme?version=%2E%2E",
        "/v1/admin/policies/%2E%2E?version=%2E%2E",
        "/v1/admin/policies/%2E?version=%2E",
        "/v1/admin/policies/acme?version=1.0%2Fbeta",
        "/v1/admin/policies/acme?version=a%0Ab",
        "/v1/admin/policies/" + "x" * 300 + "?version=1",
    ]
    for path in raw_paths:
        status, body = _raw_put(url, path)
        assert 400 <= status < 500, (path, status, body)
        assert b"Traceback" not in body
    for bad in BAD_IDS:
        response = httpx.put(f"{url}/v1/admin/policies/{bad}", params={"version": "2"}, content=BODY, headers=AUTH)
        assert 400 <= response.status_code < 500, (bad, response.status_code)
    for bad in BAD_VERSIONS:
        response = httpx.put(f"{url}/v1/admin/policies/acme", params={"version": bad}, content=BODY, headers=AUTH)
        assert response.status_code == 400, (bad, response.status_code, response.text)
        assert response.json()["title"] == "Invalid version"
    assert _tree(box) == before, "a refused request wrote or removed something"
    versions = httpx.get(f"{url}/v1/policies/acme/versions").json()
    assert [v["version"] for v in versions["items"]] == ["1"]
    assert httpx.get(f"{url}/readyz").status_code == 200


def test_similar_versions_keep_folders_of_their_own(boxed) -> None:
    url, _box = boxed
    for version, body in (("1.0_beta", BODY), ("1.0-beta", BODY + b"ex:s ex:p ex:o2 .\n")):
        response = httpx.put(f"{url}/v1/admin/policies/acme", params={"version": version}, content=body, headers=AUTH)
        assert response.status_code == 200, response.text
    diff = httpx.get(f"{url}/v1/policies/acme/diff", params={"from": "1.0_beta", "to": "1.0-beta"})
    assert diff.status_code == 200, diff.text


def test_the_cli_refuses_dot_ids_before_opening_the_store(tmp_path: Path) -> None:
    box = tmp_path / "box"
    (box / "sentinel").mkdir(parents=True)
    notice = tmp_path / "acme.ttl"
    notice.write_bytes(BODY)
    before = _tree(box)
    for policy, version in ((("..", "1")), ("acme", ".."), ("..", ".."), ("acme", "1.0/beta")):
        command = [sys.executable, "-m", "dpv_almi.cli.main", "load", str(notice), "--policy", policy]
        done = subprocess.run(
            [*command, "--version", version, "--store", str(box / "store")], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2, (policy, version, done.stderr)
        assert "Traceback" not in done.stderr and "invalid" in done.stderr
    assert _tree(box) == before


def test_the_archive_checks_every_path_it_writes(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "archive")
    for policy, version in (("..", "1"), ("acme", ".."), ("acme", "../../x"), ("a/b", "1")):
        with pytest.raises(InputError):
            archive.folder(policy, version)
        assert archive.find(policy, version) is None
    record = new_record("acme", BODY, "acme.ttl", "1.0_beta")
    assert archive.put(record, BODY, ".ttl") == tmp_path / "archive" / "acme" / "1.0_beta" / "acme.ttl"


@pytest.mark.parametrize("bad", BAD_IDS)
def test_one_id_pattern(bad: str) -> None:
    with pytest.raises(InputError):
        check_policy_id(bad)


@pytest.mark.parametrize("bad", BAD_VERSIONS)
def test_one_version_pattern_and_the_registry_uses_it(bad: str) -> None:
    with pytest.raises(InputError):
        check_version(bad)
    with pytest.raises(InputError):
        new_record("acme", BODY, "acme.ttl", bad)
