"""The admin token is never logged, nor echoed: a real service with its access log on gets
authorised and unauthorised admin requests carrying the token in every form a client might try
(only ``Authorization: Bearer`` is accepted); the token appears nowhere in its output (stdout and
stderr, one log file) nor in any answer's body.
"""

from __future__ import annotations

import base64
import socket

import httpx

TOKEN = "tok-3b1f9c0e7d5a4e21-never-log-me"
POLICY = b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n"


def test_the_token_never_appears_in_logs_or_answers(serve, assert_problem) -> None:
    server = serve(["--log-level", "debug"], {"DPV_ALMI_ADMIN_TOKEN": TOKEN})
    url = f"{server.url}/v1/admin/policies/acme"
    bodies: list[str] = []

    def put(
        headers: dict[str, str],
        content: bytes = POLICY,
        params: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> httpx.Response:
        with httpx.Client(cookies=cookies, timeout=60) as client:
            response = client.put(
                url, content=content, params=params, headers={"Content-Type": "text/turtle", **headers}
            )
        bodies.append(response.text)
        return response

    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert put(bearer).status_code == 200  # authorised: loaded
    assert_problem(put(bearer, b"<http://e/s> <http://e/p> ."), 400)  # authorised, bad RDF
    assert_problem(put({**bearer, "Content-Type": "text/plain"}), 415)
    assert_problem(put(bearer, params={"version": TOKEN * 3}), 400)  # a parameter error must not echo it
    unauthorised = [
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer x{TOKEN}"},
        {"Authorization": f"Token {TOKEN}"},
        {"Authorization": TOKEN},
        {"Authorization": "Basic " + base64.b64encode(f"admin:{TOKEN}".encode()).decode()},
        {"X-Api-Key": TOKEN},
        {"X-Admin-Token": TOKEN},
    ]
    for headers in unauthorised:
        assert_problem(put(headers), 401)
    assert_problem(put({}, cookies={"token": TOKEN}), 401)
    assert_problem(put({}, params={"token": TOKEN, "access_token": TOKEN}), 401)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:  # a malformed request
        sock.sendall(
            f"PUT /v1/admin/policies/acme HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"bad header {TOKEN}\r\n\r\n".encode()
        )
        bodies.append(sock.recv(65536).decode("latin-1"))
    server.stop()
    log = server.log.read_text(errors="replace")
    assert '"path": "/v1/admin/policies/acme"' in log  # the access log was on and saw the requests
    assert log.count("/v1/admin/policies/acme") >= 12
    assert "[redacted]" in log  # the query-string forms were logged, blanked out
    assert TOKEN not in log, [line for line in log.splitlines() if TOKEN in line]
    assert not [body for body in bodies if TOKEN in body]
    print(
        f"\n{len(bodies)} admin requests with the token in {len(unauthorised) + 4} forms: "
        f"not in {len(log.splitlines())} log lines, not in any answer"
    )
