"""The Milvus backend (Milvus Lite in a temporary file) answers like the local index folder.

The retrieval tests here run on both backends (the ``backend`` parameter); the answer tests of
tests/test_assistant.py run again on Milvus by being imported into this module, where ``assistant`` is the
assistant over the Milvus collection (their originals run on the local folder).
"""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("milvus_lite")
pytest.importorskip("pymilvus")

import httpx  # noqa: E402
import test_assistant  # noqa: E402  (the answer tests, rerun below on Milvus)

from policyqa.assistant.eligibility import EligibilityChecker, profile_from  # noqa: E402
from policyqa.assistant.service import Assistant  # noqa: E402
from policyqa.corpus.errors import UserError  # noqa: E402
from policyqa.index import IndexIncompatible, IndexMissing, NoVectors, UnknownDocument, load_index  # noqa: E402
from policyqa.index.backends import MilvusLocation, URI_ENV, index_location  # noqa: E402
from policyqa.index.milvus import current_version, escape_term, load_milvus_index, upload_index  # noqa: E402
from policyqa.index.tokenizer import PolicyTokenizer  # noqa: E402

from conftest import REPO  # noqa: E402
from test_api import _free_port, wait_serving  # noqa: E402
from test_index import BLIND_RIDERS, QUESTIONS, assert_search_finds_the_article, national_and_local_law  # noqa: E402

SEED = [json.loads(line)["question"]
        for line in (REPO / "eval" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def milvus_location(tmp_path_factory, bundled_index_dir) -> MilvusLocation:
    """The bundled index uploaded into a Milvus Lite file (its vectors, nothing embedded again)."""
    location = MilvusLocation(str(tmp_path_factory.mktemp("milvus") / "policyqa.db"))
    upload_index(load_index(bundled_index_dir), location, progress=False)
    return location


@pytest.fixture(scope="module")
def local_index(bundled_index_dir):
    return load_index(bundled_index_dir)


@pytest.fixture(scope="module")
def milvus_index(milvus_location, local_index):
    return load_milvus_index(milvus_location, embedder=local_index.embedder)


@pytest.fixture(params=["local", "milvus"])
def index(request):
    return request.getfixturevalue(f"{request.param}_index")


@pytest.fixture(scope="module")
def assistant(milvus_index):
    """Overrides conftest's: the imported answer tests below run on the Milvus collection."""
    return Assistant(milvus_index)


globals().update({name: test for name, test in vars(test_assistant).items()
                  if name.startswith("test_") and "assistant" in inspect.signature(test).parameters})


# ---- retrieval, on both backends -------------------------------------------------------------------------
def test_search_finds_the_article(index):
    assert_search_finds_the_article(index)


def test_term_rarity_follows_document_frequency(index):
    assert 0 <= index.term_rarity("老年人") < index.term_rarity("助浴") < index.term_rarity("不存在的词") == 1.0


def test_a_candidates_terms_are_the_terms_bm25_indexed(index):
    """What the ranker reads of a clause's words: the terms BM25 indexed for it, stored (local) or segmented again
    (Milvus), the same either way; a clause from outside the index is segmented."""
    from policyqa.corpus import parse_text
    from policyqa.index.passages import lexical_text

    assert all(index.clause_terms(c) == index.tokenizer.terms(lexical_text(c)) for c in index.clauses)
    assert {"水电气热", "居民"} <= index.clause_terms(index.clause("yanglao-gaige-2024:（十四）"))
    outside = parse_text("# 某市办法\n\n养老院的用水按居民价格执行。\n", "x", ".md").clauses[0]
    assert {"养老机构", "居民"} <= index.clause_terms(outside)


def test_unknown_documents_and_modes_are_user_errors(index):
    with pytest.raises(UnknownDocument):
        index.search(QUESTIONS[0], doc_ids=["no-such-doc"])
    with pytest.raises(UserError):
        index.search(QUESTIONS[0], mode="fuzzy")
    with pytest.raises(UserError):
        index.search(QUESTIONS[0], k=0)


def test_both_backends_rank_and_score_alike(local_index, milvus_index):
    """Every seed question in every mode: the same clauses in the same order, the same fused scores and
    signals (BM25 computed by Milvus over the same terms, with the same k1 and b)."""
    assert [c.clause_id for c in milvus_index.clauses] == [c.clause_id for c in local_index.clauses]
    assert milvus_index.documents == local_index.documents
    for mode in ("hybrid", "bm25", "dense"):
        for question in SEED:
            local, milvus = local_index.search(question, k=10, mode=mode), milvus_index.search(question, k=10, mode=mode)
            assert [h.clause.clause_id for h in milvus] == [h.clause.clause_id for h in local], (mode, question)
            for a, b in zip(local, milvus):
                assert b.score == pytest.approx(a.score, abs=1e-5)
                assert b.dense_score == pytest.approx(a.dense_score, abs=1e-5)
                assert b.signals == pytest.approx(a.signals, abs=1e-4)
    for term in ("老年人", "养老机构", "托育", "助浴"):
        assert milvus_index.document_frequency(term) == local_index.document_frequency(term) > 0


def test_terms_survive_the_whitespace_split():
    assert escape_term("养老机构") == "养老机构"
    odd = ["3.5%", "c++", "a_b", "\u2205", "o2o"]
    assert [escape_term(t) for t in odd] == ["3_2e_5_25_", "c_2b__2b_", "a_5f_b", "_2205_", "o2o"]
    assert all(len(escape_term(t).split()) == 1 for t in odd)


def test_the_eligibility_check_reads_the_collection(bundled_index_dir, milvus_index):
    profile = profile_from(text="我们是济南的民办养老院，80张床")
    local = EligibilityChecker.from_folder(bundled_index_dir).check(profile)
    milvus = EligibilityChecker.for_index(milvus_index).check(profile)
    assert local.provisions and milvus.model_dump() == local.model_dump()


# ---- opening, replacing, refusing ------------------------------------------------------------------------
def test_missing_collection_and_other_dictionary_are_refused(tmp_path, milvus_location, local_index):
    with pytest.raises(IndexMissing, match="policyqa build --backend milvus"):
        load_milvus_index(MilvusLocation(str(tmp_path / "none.db")))
    assert not (tmp_path / "none.db").exists()  # opening does not create a database
    with pytest.raises(IndexMissing):
        load_milvus_index(MilvusLocation(milvus_location.uri, "other"))
    terms = tmp_path / "terms.txt"
    terms.write_text("养老新词 20\n", encoding="utf-8")
    with pytest.raises(IndexIncompatible, match="dictionary"):
        load_milvus_index(milvus_location, embedder=local_index.embedder, tokenizer=PolicyTokenizer(terms_file=terms))


def test_a_rebuild_switches_the_aliases_and_keeps_one_build_behind(tmp_path, local_index):
    from pymilvus import MilvusClient

    location = MilvusLocation(str(tmp_path / "m.db"), "pq")
    upload_index(local_index, location, progress=False)
    reader = load_milvus_index(location, embedder=local_index.embedder)
    assert reader.version == current_version(location)
    before = [h.clause.clause_id for h in reader.search(QUESTIONS[1], k=5)]
    upload_index(local_index, location, progress=False)
    assert current_version(location) != reader.version  # what a serving process polls
    assert [h.clause.clause_id for h in reader.search(QUESTIONS[1], k=5)] == before  # still on its own build
    upload_index(local_index, location, progress=False)
    fresh = load_milvus_index(location, embedder=local_index.embedder)
    assert fresh.version == current_version(location)
    assert [h.clause.clause_id for h in fresh.search(QUESTIONS[1], k=5)] == before
    collections = MilvusClient(location.uri).list_collections()
    assert len(collections) == 8 and not any(reader.build in name for name in collections)  # two builds kept


def test_a_serving_process_follows_a_new_build_of_the_collection(tmp_path, local_index):
    """What a replica behind a load balancer does after a policyqa publish elsewhere: it notices the aliases moved
    and swaps in the new build, answering from the old one meanwhile."""
    import time

    from policyqa.assistant.reloading import AssistantHolder

    location = MilvusLocation(str(tmp_path / "m.db"), "pq")
    upload_index(local_index, location, progress=False)
    holder = AssistantHolder.for_index(location, poll_s=0.0)
    first = holder.load_now()
    assert holder.generation == current_version(location) == first.index.version
    upload_index(local_index, location, progress=False)
    assert holder.current() is first  # the new build loads in the background; this request keeps the old one
    deadline = time.monotonic() + 300
    while holder.generation != current_version(location) and time.monotonic() < deadline:
        time.sleep(0.2)
        holder.current()
    assert holder.current().index.version == current_version(location) != first.index.version
    assert holder.current().ask(QUESTIONS[1]).citations


def test_a_lexical_index_in_milvus_searches_bm25_only(tmp_path, bundled_corpus):
    from policyqa.index import build_index

    build_index(bundled_corpus, tmp_path / "lexical", "none", progress=False)
    local = load_index(tmp_path / "lexical")
    location = MilvusLocation(str(tmp_path / "m.db"))
    upload_index(local, location, progress=False)
    milvus = load_milvus_index(location)
    assert not milvus.has_vectors and milvus.embedder is None
    assert ([h.clause.clause_id for h in milvus.search(QUESTIONS[0], mode="bm25")]
            == [h.clause.clause_id for h in local.search(QUESTIONS[0], mode="bm25")])
    with pytest.raises(NoVectors):
        milvus.search(QUESTIONS[0])


def test_options_and_environment_choose_the_backend(monkeypatch, tmp_path):
    import argparse

    def args(**kw):
        return argparse.Namespace(**({"index": None, "backend": None, "uri": None, "collection": None} | kw))

    monkeypatch.delenv(URI_ENV, raising=False)
    assert index_location(args()) is None
    assert index_location(args(index="x")) == Path("x")
    assert index_location(args(uri="m.db")) == MilvusLocation("m.db")
    assert index_location(args(backend="milvus", uri="http://h:19530", collection="c")) == MilvusLocation("http://h:19530", "c")
    with pytest.raises(UserError, match="--uri"):
        index_location(args(backend="milvus"))
    with pytest.raises(UserError):
        index_location(args(backend="local", uri="m.db"))
    with pytest.raises(UserError, match="--index"):
        index_location(args(index="x", uri="m.db"))
    assert index_location(args(index="x", uri="m.db"), staging=True) == MilvusLocation("m.db")  # build's folder
    monkeypatch.setenv(URI_ENV, "env.db")
    assert index_location(args()) == MilvusLocation("env.db")
    assert index_location(args(index="x")) == Path("x")  # an explicit folder wins


def test_cli_builds_into_milvus_and_answers_from_it(tmp_path, bundled_index_dir):
    """policyqa build --backend milvus (reusing a built folder's vectors), then ask, search and serve from it."""
    import shutil

    staging = tmp_path / "staging"
    shutil.copytree(bundled_index_dir, staging)
    uri = str(tmp_path / "cli.db")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop(URI_ENV, None)
    run = [sys.executable, "-m", "policyqa"]
    built = subprocess.run(run + ["build", "--backend", "milvus", "--uri", uri, "--index", str(staging), "--quiet"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "0 new" in built.stdout
    asked = subprocess.run(run + ["ask", QUESTIONS[0], "--uri", uri, "--json"], capture_output=True, text=True,
                           env=env, timeout=300)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert not answer["refused"] and answer["citations"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    missing = subprocess.run(run + ["search", QUESTIONS[0], "--backend", "milvus"], capture_output=True, text=True,
                             env=env, timeout=300)
    assert missing.returncode == 2 and "--uri" in missing.stderr
    # serve answers from the collection, not from the folder $POLICYQA_INDEX names (the staging folder was
    # rebuilt into a new generation above, so the two manifests' build times differ)
    port = _free_port()
    server = subprocess.Popen(run + ["serve", "--uri", uri, "--port", str(port), "--no-ui"],
                              env=env | {"POLICYQA_INDEX": str(bundled_index_dir)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_serving(server, url)
        ready = httpx.get(f"{url}/readyz").json()
        uploaded = load_index(staging).manifest["built_at"]  # (Milvus Lite: one process at a time opens the file)
        assert ready["index"]["built_at"] == uploaded != load_index(bundled_index_dir).manifest["built_at"]
        answer = httpx.post(f"{url}/v1/ask", json={"question": QUESTIONS[0]}, timeout=60).json()
        assert answer["citations"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_living_write_reaches_milvus_by_publishing_the_folder(tmp_path, bundled_index_dir, local_index):
    """policyqa publish a folder, policyqa remove on it, publish again: the collection's new build holds the change.
    (Each step in its own process: one process at a time opens a Milvus Lite file.)"""
    import shutil

    from policyqa.index.living import remove_documents

    folder = tmp_path / "living"
    shutil.copytree(bundled_index_dir, folder)
    uri = str(tmp_path / "m.db")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop(URI_ENV, None)

    def publish(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "policyqa", "publish", *options, "--quiet"], capture_output=True,
                              text=True, env=env, timeout=300)

    first = publish("--index", str(folder), "--uri", uri)
    assert first.returncode == 0 and "2 个文件" in first.stdout, first.stderr
    remove_documents(folder, ["yanglao-tuoyu-2020"])
    second = publish("--index", str(folder), "--uri", uri)
    assert second.returncode == 0, second.stderr
    milvus = load_milvus_index(MilvusLocation(uri), embedder=local_index.embedder)
    assert [d["doc_id"] for d in milvus.documents] == ["yanglao-gaige-2024"]
    assert {h.clause.doc_id for h in milvus.search("家庭托育点需要登记备案吗", k=5)} == {"yanglao-gaige-2024"}
    refused = publish("--uri", str(tmp_path / "other.db"))
    assert refused.returncode == 2 and "--index" in refused.stderr


def test_both_backends_hold_back_local_rules_of_other_places_alike(tmp_path):
    """A local rule of a province the question does not name ranks lower on Milvus as on the local folder."""
    from policyqa.index import build_index

    build_index(national_and_local_law(), tmp_path / "ix", progress=False)
    folder = load_index(tmp_path / "ix")
    location = MilvusLocation(str(tmp_path / "milvus.db"))
    upload_index(folder, location, progress=False)
    collection = load_milvus_index(location, embedder=folder.embedder)
    question = BLIND_RIDERS
    for places in (None, (), ("上海市",)):
        here, there = folder.search(question, k=4, places=places), collection.search(question, k=4, places=places)
        assert [h.clause.clause_id for h in there] == [h.clause.clause_id for h in here], places
        assert [h.score for h in there] == pytest.approx([h.score for h in here], abs=1e-5)
    assert folder.search(question, k=1, places=())[0].clause.doc_id == "残疾人保障法"
    assert collection.search(question, k=1, places=None)[0].clause.doc_id == "上海办法"
