"""Admin writes from several clients at once, each followed by a diff of the last two versions, on a
real uvicorn (uvloop): every write swaps the query workers while other threads read files.

Before the workers' channels were socket pairs, uvloop closed each retired worker's pipe twice (its
own close, then the file object's), and the second close could hit a file another thread had just
opened under the same number: diffs failed with "Bad file descriptor" and PUTs with a 500 ("File
exists" registering the next worker's pipe) -- in two of three runs of this test, once in CI."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.hardening.conftest import launch

TOKEN = "concurrent-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}
BODY = b"@prefix ex: <http://example.org/> .\nex:s ex:p ex:o .\n"
CLIENTS, ROUNDS = 4, 60


def test_concurrent_writes_and_diffs_never_fail(tmp_path: Path) -> None:
    server = launch(tmp_path, [], {"DPV_ALMI_ADMIN_TOKEN": TOKEN, "DPV_ALMI_ARCHIVE": str(tmp_path / "archive")})
    failures: list[tuple[str, int, str]] = []

    def client(policy: str) -> None:
        for round_ in range(ROUNDS):  # a connection per request, as scripts do: descriptors come and go
            body = BODY + f"ex:s ex:p ex:o{round_} .\n".encode()
            put = httpx.put(
                f"{server.url}/v1/admin/policies/{policy}",
                params={"version": f"v{round_}"},
                content=body,
                headers=AUTH,
                timeout=120,
            )
            if put.status_code != 200:
                failures.append(("PUT", put.status_code, put.text[:300]))
                continue
            if round_:
                diff = httpx.get(
                    f"{server.url}/v1/policies/{policy}/diff",
                    params={"from": f"v{round_ - 1}", "to": f"v{round_}"},
                    timeout=120,
                )
                if diff.status_code != 200 or "activities" not in diff.json():
                    failures.append(("diff", diff.status_code, diff.text[:300]))

    try:
        threads = [threading.Thread(target=client, args=(f"p{n}",)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures[:3]
        assert httpx.get(f"{server.url}/readyz", timeout=30).status_code == 200
        assert "Traceback" not in server.log.read_text(errors="replace")
    finally:
        server.stop()
