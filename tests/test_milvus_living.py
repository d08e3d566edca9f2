"""Living-corpus writes on the Milvus backend (Milvus Lite in a temporary file): documents added, replaced, repealed
and removed through the library, the CLI and the API reach the collection, only their rows are written, a reader
opened before a write stays on its revision, and a second reader (or serving process) over the same URI sees it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("milvus_lite")
pytest.importorskip("pymilvus")

from policyqa.assistant.api import create_app  # noqa: E402
from policyqa.assistant.reloading import AssistantHolder  # noqa: E402
from policyqa.assistant.service import Assistant  # noqa: E402
from policyqa.corpus.errors import UserError  # noqa: E402
from policyqa.index import living, load_index, milvus_writes  # noqa: E402
from policyqa.index.backends import URI_ENV, MilvusLocation  # noqa: E402
from policyqa.index.milvus import current_version, load_milvus_index, upload_index  # noqa: E402

from test_api import LiveServer, _settings  # noqa: E402
from test_index import QUESTIONS  # noqa: E402
from test_living_api import AMENDED, MEAL, NOTICE  # noqa: E402

SEED = [json.loads(line)["question"] for line in
        (Path(__file__).resolve().parents[1] / "eval" / "seed_questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()][:30]


@pytest.fixture(scope="module")
def local_index(bundled_index_dir):
    return load_index(bundled_index_dir)


@pytest.fixture
def location(tmp_path, local_index) -> MilvusLocation:
    """The bundled index uploaded into a fresh Milvus Lite file."""
    location = MilvusLocation(str(tmp_path / "m.db"))
    upload_index(local_index, location, progress=False)
    return location


@pytest.fixture
def notice(tmp_path) -> Path:
    (tmp_path / "files").mkdir()
    path = tmp_path / "files" / "zhucan.txt"
    path.write_text(NOTICE, encoding="utf-8")
    return path


def _amended(tmp_path) -> Path:
    path = tmp_path / "files" / "zhucan-2025修订.txt"
    path.write_text(AMENDED, encoding="utf-8")
    return path


def _open(location, local_index):
    return load_milvus_index(location, embedder=local_index.embedder)


def assert_same_rankings(milvus, local, questions, modes=("bm25", "dense", "hybrid")) -> None:
    """The same clauses in the same order with the same fused scores (within float32 rounding)."""
    for mode in modes:
        for question in questions:
            a, b = milvus.search(question, k=10, mode=mode), local.search(question, k=10, mode=mode)
            assert [h.clause.clause_id for h in a] == [h.clause.clause_id for h in b], (mode, question)
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4)


def test_writes_reach_the_collection_and_each_reader_keeps_its_revision(location, local_index, notice, tmp_path):
    before = _open(location, local_index)
    added = milvus_writes.add_documents(location, [notice], embedder=local_index.embedder)
    assert added.generation == current_version(location) != before.version
    assert added.embedded > 0 and added.documents == len(local_index.documents) + 1
    after = Assistant(_open(location, local_index))  # a second reader over the same URI
    answer = after.ask(MEAL)
    assert answer.citations[0].doc_id == "zhucan" and "三元" in answer.answer
    assert len(after.index.clauses) == added.clauses == len(local_index.clauses) + added.reports[0].clauses
    # the reader opened before the write answers from its own revision, untouched
    assert "zhucan" not in {d["doc_id"] for d in before.documents}
    assert_same_rankings(before, local_index, SEED[:10], ["hybrid"])

    replaced = milvus_writes.replace_document(location, "zhucan", _amended(tmp_path), embedder=local_index.embedder)
    assert replaced.removed == ["zhucan"]
    answer = Assistant(_open(location, local_index)).ask(MEAL)
    assert answer.citations[0].doc_id == "zhucan" and "五元" in answer.answer and "三元" not in answer.answer
    assert Assistant(after.index).ask(MEAL).citations[0].doc_id == "zhucan"  # one revision behind: still answers

    milvus_writes.set_document_status(location, "zhucan", "2025-01-01")
    repealed = _open(location, local_index)
    entry = {d["doc_id"]: d for d in repealed.documents}["zhucan"]
    assert entry[living.USER_REPEALED] == "2025-01-01" and len(repealed.clauses) == added.clauses

    removed = milvus_writes.remove_documents(location, ["zhucan"])
    back = _open(location, local_index)
    assert back.documents == local_index.documents
    assert [c.clause_id for c in back.clauses] == [c.clause_id for c in local_index.clauses]
    assert removed.clauses == len(local_index.clauses)
    # the BM25 statistics are the uploaded index's again: same rankings and scores in every mode
    assert_same_rankings(back, local_index, SEED, ["bm25", "hybrid"])


def test_a_collection_mirroring_a_folder_takes_its_vectors_and_ranks_as_it(tmp_path, bundled_index_dir, local_index,
                                                                           notice):
    """--index DIR --uri URI: the folder written first, the collection from it (nothing embedded for it), and the two
    rank the same clauses with the same scores after every write."""
    folder = Path(shutil.copytree(bundled_index_dir, tmp_path / "folder"))
    location = MilvusLocation(str(tmp_path / "mirror.db"))
    upload_index(load_index(folder), location, progress=False)
    questions = [MEAL, *SEED[:15]]

    def same() -> None:
        milvus, local = _open(location, local_index), load_index(folder, embedder=local_index.embedder)
        assert milvus.documents == local.documents
        assert_same_rankings(milvus, local, questions)

    added = milvus_writes.add_documents(location, [notice], embedder=local_index.embedder, folder=folder)
    assert added.generation == current_version(location) and added.embedded > 0  # by the folder's write
    assert _open(location, local_index).manifest["backend"]["folder_generation"] == living.current_generation(folder)
    same()
    milvus_writes.replace_document(location, "zhucan", _amended(tmp_path), embedder=local_index.embedder,
                                   folder=folder)
    same()
    milvus_writes.remove_documents(location, ["yanglao-tuoyu-2020"], folder=folder)
    same()
    # a write to the folder alone: the collection no longer mirrors it, and says so before writing anything
    living.set_document_status(folder, "zhucan", "2025-01-01")
    version = current_version(location)
    with pytest.raises(UserError, match="publish"):
        milvus_writes.remove_documents(location, ["zhucan"], folder=folder)
    assert current_version(location) == version


def test_refusals_change_nothing_and_a_failed_write_is_undone(location, local_index, notice, monkeypatch):
    from policyqa.index.milvus import MilvusUnavailable

    version = current_version(location)
    loaded = notice.with_name("yanglao-gaige-2024.txt")
    loaded.write_text(NOTICE, encoding="utf-8")
    with pytest.raises(living.DocumentExists):
        milvus_writes.add_documents(location, [loaded])
    with pytest.raises(living.DocumentNotFound):
        milvus_writes.remove_documents(location, ["no-such-doc"])
    with pytest.raises(living.DocumentNotFound):
        milvus_writes.replace_document(location, "no-such-doc", notice)
    with pytest.raises(UserError):
        milvus_writes.remove_documents(location, [d["doc_id"] for d in local_index.documents])
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        milvus_writes.set_document_status(location, "yanglao-gaige-2024", "2025/01/01")
    bad = notice.with_name("empty.txt")
    bad.write_text("\n", encoding="utf-8")
    with pytest.raises(living.FileRefused):
        milvus_writes.add_documents(location, [bad])
    assert current_version(location) == version

    monkeypatch.setattr(milvus_writes, "write_bm25", _milvus_gone)  # after the new rows are inserted
    with pytest.raises(MilvusUnavailable, match="not changed"):
        milvus_writes.add_documents(location, [notice], embedder=local_index.embedder)
    assert current_version(location) == version
    monkeypatch.undo()
    index = _open(location, local_index)
    assert len(index.clauses) == len(local_index.clauses)  # the failed write's rows are gone
    milvus_writes.add_documents(location, [notice], embedder=local_index.embedder)
    assert Assistant(_open(location, local_index)).ask(MEAL).citations[0].doc_id == "zhucan"


def _milvus_gone(*args, **kwargs):
    from pymilvus.exceptions import MilvusException

    raise MilvusException(message="Milvus went away")


def test_the_api_on_milvus_writes_to_the_collection_and_a_second_server_follows(location, local_index, notice,
                                                                                 tmp_path):
    """POST/PUT/DELETE /v1/documents on a server over the collection; a second holder over the same URI (another
    replica's) picks up each write by polling, without a restart."""
    def holder() -> AssistantHolder:
        return AssistantHolder.for_index(location, poll_s=0.0)

    replica = holder()
    replica.load_now()

    def replica_answer(question: str, version: str):
        deadline = time.monotonic() + 120
        while replica.generation != version and time.monotonic() < deadline:
            replica.current()
            time.sleep(0.1)
        return replica.current().ask(question)

    app = create_app(_settings(None, allow_writes=True), holder=holder(), bind_host="127.0.0.1")
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=120) as c:
        live.wait_ready()
        added = c.post("/v1/documents", files={"file": ("zhucan.txt", NOTICE.encode("gb18030"))})
        assert added.status_code == 201, added.text
        assert added.json()["generation"] == current_version(location)
        answer = c.post("/v1/ask", json={"question": MEAL}).json()
        assert answer["citations"][0]["doc_id"] == "zhucan"
        assert replica_answer(MEAL, added.json()["generation"]).citations[0].doc_id == "zhucan"

        replaced = c.put("/v1/documents/zhucan", files={"file": ("zhucan.txt", AMENDED.encode())})
        assert replaced.status_code == 200, replaced.text
        assert "五元" in c.post("/v1/ask", json={"question": MEAL}).json()["answer"]
        assert "五元" in replica_answer(MEAL, replaced.json()["generation"]).answer

        assert c.delete("/v1/documents/no-such-doc").status_code == 404
        with pytest.MonkeyPatch.context() as patch:  # Milvus failing during a write: 503, and nothing changed
            patch.setattr(milvus_writes, "insert_rows", _milvus_gone)
            failed = c.delete("/v1/documents/zhucan")
        assert failed.status_code == 503 and failed.json()["error"]["code"] == "index_not_writable"
        assert current_version(location) == replaced.json()["generation"]
        removed = c.delete("/v1/documents/zhucan")
        assert removed.status_code == 200, removed.text
        cited = {cite["doc_id"] for cite in c.post("/v1/ask", json={"question": MEAL}).json()["citations"]}
        assert "zhucan" not in cited
        assert "zhucan" not in {cite.doc_id for cite in replica_answer(MEAL, removed.json()["generation"]).citations}
    assert not list(Path(tmp_path).glob("**/generations"))  # no folder was written


def test_cli_writes_to_the_collection(tmp_path, bundled_index_dir, local_index, notice):
    """policyqa publish, add, ask, remove --uri, each in its own process (one process at a time opens a Milvus Lite
    file): ask answers from what add wrote."""
    location = MilvusLocation(str(tmp_path / "cli.db"))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop(URI_ENV, None)

    def policyqa(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "policyqa", *args], capture_output=True, text=True, env=env,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return done

    policyqa("publish", "--index", str(bundled_index_dir), "--uri", location.uri, "--quiet")
    added = policyqa("add", str(notice), "--uri", location.uri)
    assert "zhucan" in added.stdout and "/1:" in added.stdout  # revision 1 of the build
    answer = json.loads(policyqa("ask", MEAL, "--uri", location.uri, "--json").stdout)
    assert answer["citations"][0]["doc_id"] == "zhucan"
    policyqa("remove", "zhucan", "--uri", location.uri)
    env[URI_ENV] = location.uri  # the environment names the collection as --uri does
    answer = json.loads(policyqa("ask", QUESTIONS[0], "--json").stdout)
    assert answer["citations"][0]["clause_id"] == "yanglao-gaige-2024:（十四）"
    refused = subprocess.run([sys.executable, "-m", "policyqa", "remove", "zhucan"], capture_output=True, text=True,
                             env=env, timeout=300)
    assert refused.returncode != 0 and "zhucan" in refused.stderr
    # publishing the folder again re-bases the collection on it, and says that changes written alone are replaced
    assert "written to it alone" in policyqa("publish", "--index", str(bundled_index_dir), "--uri", location.uri,
                                             "--quiet").stderr
    assert [d["doc_id"] for d in _open(location, local_index).documents] == [d["doc_id"] for d in local_index.documents]


def test_bm25_changed_in_place_keeps_each_revision_apart(tmp_path, local_index, notice):
    """The server's way (bm25_in_place: one BM25 collection, rows inserted and retired like the others), run on
    Milvus Lite: a reader sees the BM25 rows of its own revision only. (Lite's per-segment BM25 statistics make the
    new rows' scores differ from a rebuilt index's here; a server's span the collection.)"""
    location = MilvusLocation(str(tmp_path / "inplace.db"))
    upload_index(local_index, location, progress=False, bm25_in_place=True)
    before = _open(location, local_index)

    def texts(index) -> list[str]:
        return [h.clause.text for h in index.search(MEAL, k=10, mode="bm25") if h.clause.doc_id == "zhucan"]

    milvus_writes.add_documents(location, [notice], embedder=local_index.embedder)
    added = _open(location, local_index)
    assert added.manifest["backend"]["bm25_collection"] == before.manifest["backend"]["bm25_collection"]
    assert any("三元" in t for t in texts(added)) and texts(before) == []
    milvus_writes.replace_document(location, "zhucan", _amended(tmp_path), embedder=local_index.embedder)
    replaced = _open(location, local_index)
    assert any("五元" in t for t in texts(replaced)) and not any("三元" in t for t in texts(replaced))
    assert any("三元" in t for t in texts(added)) and not any("五元" in t for t in texts(added))  # one behind
    milvus_writes.remove_documents(location, ["zhucan"])
    back = _open(location, local_index)
    assert texts(back) == [] and back.documents == local_index.documents
    assert_same_rankings(back, local_index, SEED[:15], ["bm25", "hybrid"])


def test_a_second_writer_is_told_and_the_first_write_stands(location, local_index, notice):
    """Two writers over one collection (two API replicas): while one holds its claim on the next revision, the other
    is refused before writing anything (WriterBusy, 409 over HTTP); the first write then completes."""
    from policyqa.index.generations import WriterBusy

    state = milvus_writes._Revision(location)
    claim = milvus_writes._claim(state)  # another process's write, in progress
    with pytest.raises(WriterBusy):
        milvus_writes.remove_documents(location, ["yanglao-tuoyu-2020"])
    assert [d["doc_id"] for d in _open(location, local_index).documents] == [d["doc_id"] for d in local_index.documents]
    state.client.delete(state.names["meta"], ids=[claim])  # that write ends
    milvus_writes.add_documents(location, [notice], embedder=local_index.embedder)
    assert "zhucan" in {d["doc_id"] for d in _open(location, local_index).documents}
