"""The whole REST API fuzzed from its own OpenAPI description (schemathesis, in process).

Every operation gets :data:`EXAMPLES_PER_OPERATION` generated requests -- valid and invalid
parameters, odd Unicode, huge values -- and every answer must be no 5xx and conform to the
schema (status code documented, content type and body as described).  The admin endpoint is
fuzzed without a token (401 or 404); loading itself is fuzzed in ``test_fuzz_rdf.py``.

One schemathesis check is left out: "a schema-valid request is accepted".  A schema cannot say
which policy ids exist or which strings are IRIs, and the API rightly answers those with a
400/404 problem; every other check (status documented, content type, body schema, headers) runs.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dpv_almi.settings import Settings
from dpv_almi.web import create_app

EXAMPLES_PER_OPERATION = int(__import__("os").environ.get("DPV_ALMI_FUZZ_EXAMPLES", "60"))
CASES: list[str] = []

app = create_app(Settings(workers=2, query_timeout=5))
schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
OPERATIONS = sum(1 for _ in schema.get_all_operations())


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
    database=None,
)
def test_api_never_fails_and_matches_its_schema(case: schemathesis.Case) -> None:
    CASES.append(case.operation.label)
    response = case.call()
    assert response.status_code < 500, f"{case.operation.label}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json"), response.headers
        assert "Traceback" not in response.text
    case.validate_response(response, excluded_checks=[positive_data_acceptance])


def test_at_least_a_thousand_cases_over_every_operation() -> None:
    """Runs after the fuzzer (file order): every operation tried, 1,000 requests or more in all."""
    if not CASES:
        pytest.skip("the fuzzer did not run in this session")
    assert len(set(CASES)) == OPERATIONS
    assert len(CASES) >= 1000, len(CASES)
