"""An index's files, manifest and checksums.

Files of one index (one generation, see :mod:`policyqa.index.generations` for the folder around them)::

    manifest.json       format version, package version, embedder, tokenizer hash, checksums, generation
    clauses.jsonl       clause records, in index order
    documents.json      document metadata
    tokens.jsonl        each clause's BM25 tokens (a write reuses them instead of tokenizing every clause again)
    bm25/               bm25s arrays
    dense.faiss         FAISS index of passage (sentence window) embeddings
    passages.npy        passage → clause index
    clause_vectors.npy  one embedding of each clause as a whole, in index order
    embedded_hashes.json sha1 of each embedded passage and clause text (reuse on rebuild)

Loading validates the manifest as a whole (:class:`Manifest`): a structural fault, or a manifest without
checksums, is one clear error. :func:`read_manifest` and :func:`verify_checksums` accept the index folder the user
names and read its current generation.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from policyqa.corpus.errors import UserError

FORMAT_VERSION = 2
CLAUSE_VECTORS_FILE = "clause_vectors.npy"
HASHES_FILE = "embedded_hashes.json"
MANIFEST = "manifest.json"
TOKENS_FILE = "tokens.jsonl"


class IndexError_(UserError):
    """Base for index problems the user can fix (missing, incompatible, corrupted)."""


class IndexMissing(IndexError_):
    pass


class IndexIncompatible(IndexError_):
    pass


class IndexCorrupted(IndexError_):
    pass


Sha256 = Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
Count = Annotated[StrictInt, Field(ge=0)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")  # fields added by later builds are kept, not refused


class EmbedderEntry(_Part):
    name: StrictStr
    spec: StrictStr
    dim: Count


class TokenizerEntry(_Part):
    name: StrictStr
    dictionary_hash: StrictStr


class CountsEntry(_Part):
    documents: Count
    clauses: Count
    passages: Count


class SourceEntry(_Part):
    path: StrictStr | None = None
    sha256: Sha256 | None = None


class Manifest(_Part):
    """The structure of ``manifest.json``; ``files`` (the checksum of every index file) may not be empty."""

    format_version: StrictInt
    package_version: StrictStr | None = None
    built_at: StrictStr | None = None
    embedder: EmbedderEntry
    tokenizer: TokenizerEntry
    counts: CountsEntry
    sources: dict[str, SourceEntry] = Field(default_factory=dict)
    files: dict[StrictStr, Sha256] = Field(min_length=1)


def _schema_problem(error: ValidationError) -> str:
    """The first structural fault of a manifest as one line, with how many more there are."""
    errors = error.errors()
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = "missing" if first["type"] == "missing" else first["msg"]
    if first["loc"] == ("files",) and first["type"] in {"missing", "too_short"}:
        message = "no checksums (an index without them cannot be verified)"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {message}{more}"


def default_index_dir() -> Path:
    """``$POLICYQA_INDEX``, else ``$XDG_DATA_HOME/policyqa/index`` (``~/.local/share/policyqa/index``)."""
    if env := os.environ.get("POLICYQA_INDEX"):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "policyqa" / "index"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_checksums(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): sha256_file(p)
        for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST
    }


def check_index_target(target: Path) -> None:
    """Refuse to build into a file, or into a folder that holds something other than an index."""
    from .generations import CURRENT, own_entries

    if target.is_file() or (target.is_dir() and not (target / MANIFEST).is_file()
                            and not (target / CURRENT).is_file() and not own_entries(target)):
        raise IndexError_(
            f"目标不是索引文件夹，为免覆盖已拒绝：{target} (refusing to replace {target}: it is not an index folder)"
        )


def write_manifest(folder: Path, manifest: dict) -> None:
    """Write ``manifest.json`` with the checksum of every other file of ``folder``, flushed to disk with them."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
    manifest = dict(manifest, files=file_checksums(folder))
    with (folder / MANIFEST).open("w", encoding="utf-8") as f:
        f.write(json.dumps(manifest, ensure_ascii=False, indent=1))
        f.flush()
        os.fsync(f.fileno())


def _resolved(folder: Path) -> Path:
    from .generations import current_folder

    return current_folder(Path(folder))


def read_manifest(folder: Path) -> dict:
    path = _resolved(folder) / MANIFEST
    if not path.is_file():
        raise IndexMissing(
            f"索引不存在：{folder}，请先运行 policyqa build (no index at {folder}; run `policyqa build` first)"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorrupted(f"索引清单损坏：{path} (manifest is not valid JSON: {exc})") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupted(f"索引清单结构有误，请重建索引：{path} (manifest is a JSON {type(manifest).__name__}, "
                             f"not an object; rebuild with `policyqa build`)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexIncompatible(
            f"索引格式版本 {manifest.get('format_version')} 与本程序（{FORMAT_VERSION}）不符，请重建索引 "
            f"(index format {manifest.get('format_version')} is not {FORMAT_VERSION}; rebuild with `policyqa build`)"
        )
    try:
        Manifest.model_validate(manifest)
    except ValidationError as exc:
        raise IndexCorrupted(f"索引清单结构有误，请重建索引：{path} (manifest is malformed: {_schema_problem(exc)}; "
                             f"rebuild with `policyqa build`)") from None
    return manifest


def verify_checksums(folder: Path, manifest: dict) -> None:
    folder = _resolved(folder)
    expected = manifest.get("files")
    if not expected or not isinstance(expected, dict):  # never trust an index whose files cannot be checked
        raise IndexCorrupted(f"索引清单没有文件校验和，请重建索引 (the manifest of {folder} lists no checksums; "
                             f"rebuild with `policyqa build`)")
    actual = file_checksums(folder)
    for name, digest in expected.items():
        if name not in actual:
            raise IndexCorrupted(f"索引文件缺失：{name} (index file missing: {folder / name}); 请重建索引 (rebuild)")
        if actual[name] != digest:
            raise IndexCorrupted(
                f"索引文件校验失败：{name} (checksum mismatch for {folder / name}: the index is corrupted; rebuild it)"
            )
