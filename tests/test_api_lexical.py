"""A lexical index (``policyqa build --embedder none``) served over HTTP: it loads, answers in bm25 mode and refuses
dense and hybrid asked for by name with a 400 that says why; a request naming no mode is answered by bm25."""
from __future__ import annotations

import httpx

from policyqa.assistant.api import create_app
from policyqa.index import build_index
from tests.test_api import LiveServer, _settings


def test_the_api_serves_a_lexical_index(tmp_path, bundled_corpus):
    path = tmp_path / "lexical"
    build_index(bundled_corpus, path, "none", progress=False)
    with LiveServer(create_app(_settings(path))) as live:
        live.wait_ready()  # the warm-up search is bm25 when the index has no vectors
        with httpx.Client(base_url=live.url, timeout=60) as client:
            answer = client.post("/v1/ask", json={"question": "养老机构的水电气热能按居民价格收费吗？", "mode": "bm25"})
            assert answer.status_code == 200 and answer.json()["citations"], answer.text
            default = client.post("/v1/ask", json={"question": "养老机构的水电气热能按居民价格收费吗？"})
            assert default.status_code == 200 and default.json() == answer.json()  # bm25: the one side it has
            hybrid = client.post("/v1/ask", json={"question": "养老机构的水电气热能按居民价格收费吗？", "mode": "hybrid"})
            assert hybrid.status_code == 400 and "--embedder none" in hybrid.text
