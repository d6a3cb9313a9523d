"""A client generated from ``/v1/openapi.json`` by openapi-python-client, as a user would make one,
calling three operations on a real service and reading typed fields (not dictionaries)."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.backends("memory")

GENERATOR = shutil.which("openapi-python-client") or str(Path(sys.executable).parent / "openapi-python-client")


@pytest.fixture(scope="module")
def generated(server_url: str, tmp_path_factory: pytest.TempPathFactory):
    if not Path(GENERATOR).exists():
        pytest.skip("openapi-python-client is not installed (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(httpx.get(f"{server_url}/v1/openapi.json", timeout=30).json()))
    done = subprocess.run(
        [
            GENERATOR,
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(folder / "dpv_almi_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("dpv_almi_client")
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == "dpv_almi_client"]:
            del sys.modules[name]


def test_a_generated_client_reads_typed_answers(generated, server_url: str) -> None:
    client = generated.Client(base_url=server_url, timeout=30)
    list_activities = importlib.import_module("dpv_almi_client.api.activities.list_activities")
    get_policy = importlib.import_module("dpv_almi_client.api.policies.get_policy")
    list_transfers = importlib.import_module("dpv_almi_client.api.transfers.list_transfers")
    models = importlib.import_module("dpv_almi_client.models")

    page = list_activities.sync(client=client, basis="consent", lang="sv")
    assert isinstance(page, models.PageActivitySummary)
    assert page.total == 4 and len(page.items) == 4 and page.next_ is None
    assert all(isinstance(item, models.ActivitySummary) and item.label for item in page.items)
    assert "almi/Nyhetsbrev" in {item.id for item in page.items}

    policy = get_policy.sync("almi", client=client, lang="en")
    assert isinstance(policy, models.Policy)
    assert policy.controller.label == "Almi AB" and policy.activities == 10

    transfers = list_transfers.sync(client=client, lang="sv")
    assert isinstance(transfers, models.PageTransfer) and transfers.total == 1
    transfer = transfers.items[0]
    assert transfer.likelihood.label == "Kan ske (i flera fall)" and len(transfer.activities) == 10
    assert {basis.label.split(" ")[0] for basis in transfer.bases} == {"Adekvansbeslut", "Standardavtalsklausuler"}
