"""Index generations: one folder per write, a pointer file naming the current one, leases and the writer lock.

Layout of the index folder the user names (``--index DIR``)::

    CURRENT                  the name of the current generation (one line), switched by one os.replace
    generations/g000007/     a whole index folder (manifest.json, clauses.jsonl, …; see store.py)
    generations/.g000008.tmp-…  a generation being written (removed by the next write if the writer died)
    sources/<sha256><suffix> the files added through ``policyqa add``/``replace`` (kept for provenance)
    embedding-checkpoint/    vectors of a write in progress (see checkpoint.py)
    write.lock               flock'ed by the one writer

A folder written before generations existed holds the index files directly (``manifest.json`` in ``DIR``): it
loads as the generation :data:`FLAT`, and the next write turns it into the layout above without a moment without
an index (the new generation and the pointer first, the flat files removed after).

Readers hold a shared ``flock`` on the ``manifest.json`` of the generation they loaded (:class:`Lease`) for as
long as they use it; a writer removes an old generation only when it can take that lock exclusively.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import uuid
from pathlib import Path

from policyqa.corpus.errors import UserError

from .checkpoint import CHECKPOINT_DIR
from .store import MANIFEST, IndexCorrupted, IndexError_, IndexMissing

CURRENT = "CURRENT"
GENERATIONS = "generations"
SOURCES = "sources"
WRITE_LOCK = "write.lock"
FLAT = "flat"  # the name of a folder's own index files, written before generations existed
_NAME = re.compile(r"^g(\d{6,})$")
# Test hook: a write kills its own process (SIGKILL) when it reaches the step this variable names (see STEPS).
KILL_AT_ENV = "POLICYQA_TEST_KILL_AT"
STEPS = ("embedded", "written", "renamed", "pointer-written", "switched", "cleaned")


class WriterBusy(UserError):
    """Another write (add, replace, remove, build) holds the index folder."""


def step(name: str) -> None:
    """A point of a write where a kill test may stop the process (``POLICYQA_TEST_KILL_AT``)."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def current_generation(index_dir: Path) -> str:
    """The name of the current generation (cheap: reads the pointer); :data:`FLAT` for a folder written before
    generations. Raises :class:`IndexMissing` when there is no index."""
    index_dir = Path(index_dir)
    try:
        return (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        if (index_dir / MANIFEST).is_file():
            return FLAT
        raise IndexMissing(
            f"索引不存在：{index_dir}，请先运行 policyqa build (no index at {index_dir}; run `policyqa build` first)"
        ) from None


def generation_folder(index_dir: Path, name: str) -> Path:
    return Path(index_dir) if name == FLAT else Path(index_dir) / GENERATIONS / name


def current_folder(index_dir: Path) -> Path:
    """The folder holding the current generation's files (``index_dir`` itself for a flat or missing index)."""
    index_dir = Path(index_dir)
    try:
        return generation_folder(index_dir, current_generation(index_dir))
    except IndexMissing:
        return index_dir


class Lease:
    """A shared lock on one generation, which keeps writers from removing it until :meth:`release` (or until the
    object is collected or the process exits)."""

    def __init__(self, index_dir: Path, generation: str, fd: int | None) -> None:
        self.index_dir = Path(index_dir)
        self.generation = generation
        self.folder = generation_folder(index_dir, generation)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.release()


def lease_current(index_dir: Path) -> Lease:
    """Take a lease on the current generation. A writer may switch and remove it between reading the pointer and
    locking; then the pointer is read again."""
    index_dir = Path(index_dir)
    for _ in range(100):
        name = current_generation(index_dir)
        folder = generation_folder(index_dir, name)
        try:
            fd = os.open(folder / MANIFEST, os.O_RDONLY)
        except FileNotFoundError:
            if current_generation(index_dir) == name:
                raise IndexCorrupted(f"索引当前版本 {name or '(空)'} 缺失，请重建索引 (the current generation {name!r} named by "
                                     f"{index_dir / CURRENT} is missing; rebuild with `policyqa build`)") from None
            continue  # removed after the pointer moved on
        except OSError:
            return Lease(index_dir, name, None)  # not readable here: loading says why
        fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while a writer is removing this generation
        if os.fstat(fd).st_nlink:  # still there
            return Lease(index_dir, name, fd)
        os.close(fd)
    raise IndexMissing(f"索引在不断变化，无法加载：{index_dir} (the index at {index_dir} kept changing while loading)")


class WriteLock:
    """The one writer of an index folder: ``flock`` without waiting; a second writer gets :class:`WriterBusy`."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._fd: int | None = None

    def __enter__(self) -> "WriteLock":
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.index_dir / WRITE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except PermissionError as exc:
            raise IndexError_(f"无权写入索引文件夹：{self.index_dir} (cannot write to the index folder {self.index_dir}: "
                              f"{exc.strerror})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise WriterBusy(f"另一个写入正在进行（添加、替换、删除或重建），请稍后再试：{self.index_dir} (another write — "
                             f"add, replace, remove or build — is in progress on {self.index_dir}; try again when it "
                             f"has finished)") from None
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _number(name: str) -> int:
    match = _NAME.match(name)
    return int(match.group(1)) if match else 0


def new_generation_folder(index_dir: Path) -> tuple[str, Path]:
    """The next generation's name and a fresh temporary folder to write it in (under the writer lock)."""
    root = Path(index_dir) / GENERATIONS
    root.mkdir(parents=True, exist_ok=True)
    try:
        current = _number(current_generation(index_dir))
    except IndexMissing:
        current = 0
    name = f"g{max([current] + [_number(p.name) for p in root.iterdir()]) + 1:06d}"
    tmp = root / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return name, tmp


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, name: str, tmp: Path) -> None:
    """Make the written folder ``tmp`` the generation ``name`` and switch the pointer to it: the rename, then the
    pointer written aside, flushed and swapped in by one ``os.replace``. Until that replace the previous generation
    is the current one; after it, the new one."""
    index_dir = Path(index_dir)
    target = index_dir / GENERATIONS / name
    tmp.rename(target)
    _fsync_dir(target.parent)
    step("renamed")
    pointer = index_dir / f".{CURRENT}.tmp-{uuid.uuid4().hex[:8]}"
    with pointer.open("w", encoding="utf-8") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    step("pointer-written")
    os.replace(pointer, index_dir / CURRENT)
    _fsync_dir(index_dir)
    step("switched")


def _unleased(manifest: Path) -> int | None:
    """An exclusive lock on a generation's manifest when no reader holds it (the caller closes it), else None."""
    try:
        fd = os.open(manifest, os.O_RDONLY)
    except FileNotFoundError:
        return -1  # an incomplete folder: nobody can have loaded it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _remove_flat_files(index_dir: Path) -> bool:
    """Remove the index files a flat folder held at its top (after it became generations), unless a reader holds
    them. The names are those its manifest lists, and the manifest last."""
    manifest = index_dir / MANIFEST
    fd = _unleased(manifest)
    if fd is None:
        return False
    try:
        try:
            names = list(json.loads(manifest.read_text(encoding="utf-8")).get("files", {}))
        except (OSError, ValueError, AttributeError):
            names = []
        for name in names:
            path = index_dir / name
            if path.is_file() and path.parent != index_dir / GENERATIONS:
                path.unlink()
        for folder in {(index_dir / n).parent for n in names} - {index_dir}:
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        manifest.unlink(missing_ok=True)
    finally:
        if fd >= 0:
            os.close(fd)
    return True


def remove_unused(index_dir: Path) -> list[str]:
    """Remove what no one uses any more (under the writer lock, after a write): generations that are not current
    and that no reader holds, folders and pointer files of writes that died, the flat files of a converted folder,
    and stored source files that no remaining generation names. Returns the names removed."""
    index_dir = Path(index_dir)
    current = current_generation(index_dir)
    removed = []
    for stale in index_dir.glob(f".{CURRENT}.tmp-*"):
        stale.unlink(missing_ok=True)
        removed.append(stale.name)
    # Temporary siblings of the single-folder layout's builds (store.commit_folder before generations).
    for stale in list(index_dir.parent.glob(f".{index_dir.name}.tmp-*")) + list(index_dir.parent.glob(f".{index_dir.name}.old-*")):
        shutil.rmtree(stale, ignore_errors=True)
        removed.append(stale.name)
    if current != FLAT and (index_dir / MANIFEST).is_file() and _remove_flat_files(index_dir):
        removed.append(FLAT)
    root = index_dir / GENERATIONS
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if folder.name == current:
            continue
        fd = -1 if folder.name.startswith(".") else _unleased(folder / MANIFEST)
        if fd is None:
            continue  # a reader still uses it: the next write removes it
        try:
            shutil.rmtree(folder)
            removed.append(folder.name)
            step("cleaned")
        finally:
            if fd >= 0:
                os.close(fd)
    if (index_dir / SOURCES).is_dir():
        keep = held_sources(index_dir)
        for path in (index_dir / SOURCES).iterdir():
            if path.name not in keep:
                path.unlink()
                removed.append(f"{SOURCES}/{path.name}")
    return removed


def held_sources(index_dir: Path) -> set[str]:
    """The stored source files named by every generation still on disk (current and leased ones)."""
    names: set[str] = set()
    root = Path(index_dir) / GENERATIONS
    for manifest in root.glob(f"g*/{MANIFEST}") if root.is_dir() else []:
        try:
            sources = json.loads(manifest.read_text(encoding="utf-8")).get("sources", {})
        except (OSError, ValueError):
            continue
        names.update(s["stored"] for s in sources.values() if isinstance(s, dict) and s.get("stored"))
    return names


def own_entries(index_dir: Path) -> bool:
    """Whether a folder holds only what an interrupted first write leaves (lock, checkpoint, unfinished
    generations): it may be written into."""
    ours = {WRITE_LOCK, GENERATIONS, SOURCES, CHECKPOINT_DIR}
    return all(p.name in ours or p.name.startswith(f".{CURRENT}.tmp-") for p in Path(index_dir).iterdir())
