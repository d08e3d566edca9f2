"""Property-based fuzzing of the live API from its own OpenAPI schema (schemathesis + hypothesis).

Each operation gets generated valid and invalid requests; every response must be no 5xx, carry a
documented status and content type, and match the documented schema (errors included).

The cases come from schemathesis' strategy API (``APIOperation.as_strategy``) rather than its
pytest plugin, whose ``parametrize`` relies on pytest internals (``Node._nodeid``) that pytest 9.2 removed.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode

from policyqa.assistant.api import create_app
from policyqa.assistant.settings import Settings
from test_api import LiveServer

OPERATIONS = [
    ("GET", "/livez"), ("GET", "/readyz"), ("POST", "/v1/ask"), ("POST", "/v1/ask/stream"), ("POST", "/v1/ask/batch"), ("POST", "/v1/search"),
    ("GET", "/v1/documents"), ("GET", "/v1/documents/{doc_id}"), ("GET", "/v1/clauses/{clause_id}"),
    ("POST", "/v1/eligibility"),
    # Document writes (api_documents.py), off on this server: each answer is the documented 403 (or a 4xx first).
    ("POST", "/v1/documents"), ("POST", "/v1/documents/preview"), ("PUT", "/v1/documents/{doc_id}"),
    ("PATCH", "/v1/documents/{doc_id}"), ("DELETE", "/v1/documents/{doc_id}"),
]


@pytest.fixture(scope="module")
def api_schema(bundled_index_dir, assistant):
    # A small batch bound keeps generated batches cheap; the bound itself is published in the schema.
    app = create_app(Settings(index=bundled_index_dir, api_key=None, cors_origins="", max_batch=3, rate_limit="",
                              client_concurrency=64),
                     loader=lambda: assistant)
    with LiveServer(app) as live:
        live.wait_ready()
        yield schemathesis.openapi.from_url(f"{live.url}/openapi.json")


def test_every_operation_is_fuzzed(api_schema):
    published = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert published == set(OPERATIONS)


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_operation_matches_its_schema(api_schema, method, path):
    operation = api_schema[path][method]
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))

    @settings(max_examples=30, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(case=cases)
    def check(case):
        case.call_and_validate(timeout=60)

    check()
