"""Load a corpus from files and folders; unreadable files are reported and skipped."""
from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from .models import Corpus, SkippedFile
from .parse import doc_id_for, parse_file
from .reading import SUPPORTED_SUFFIXES, UnreadableDocument, unsupported_type

BUNDLED_DIR = Path(__file__).parent / "documents"


def discover(paths: list[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Expand folders (recursively) into document files, in a stable order."""
    files: list[Path] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                if f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(f)
                else:
                    skipped.append(SkippedFile(str(f), unsupported_type(f.suffix)))
        elif path.is_file():
            files.append(path)
        else:
            skipped.append(SkippedFile(str(path), "文件不存在 (no such file or folder)"))
    return files, skipped


def _unique_doc_ids(files: list[Path]) -> dict[Path, str]:
    """File stems, with a short path hash added where two files share a stem."""
    counts = Counter(doc_id_for(f) for f in files)
    ids = {}
    for f in files:
        stem = doc_id_for(f)
        if counts[stem] > 1:
            stem = f"{stem}@{hashlib.sha1(str(f.resolve()).encode()).hexdigest()[:6]}"
        ids[f] = stem
    return ids


def _without_copies(files: list[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """``files`` less any whose bytes repeat an earlier file's (a law filed under two categories): one document
    is indexed once, so an answer does not cite the same article twice under two ids."""
    first: dict[str, Path] = {}
    kept: list[Path] = []
    copies: list[SkippedFile] = []
    for f in files:
        try:
            digest = hashlib.sha256(f.read_bytes()).hexdigest()
        except OSError:
            kept.append(f)  # parse_file reports why it cannot be read
            continue
        if digest in first:
            copies.append(SkippedFile(str(f), f"与 {first[digest]} 内容相同 (same content as {first[digest]})"))
        else:
            first[digest] = f
            kept.append(f)
    return kept, copies


def load_corpus(paths: list[Path] | None = None) -> Corpus:
    """Parse every document under ``paths`` (default: the bundled corpus); a file repeating another's bytes is
    skipped and reported."""
    files, skipped = discover(list(paths) if paths else [BUNDLED_DIR])
    files, copies = _without_copies(files)
    skipped += copies
    ids = _unique_doc_ids(files)
    documents = []
    for f in files:
        try:
            documents.append(parse_file(f, ids[f]))
        except UnreadableDocument as exc:
            skipped.append(SkippedFile(str(f), str(exc)))
    return Corpus(documents=documents, skipped=skipped)
