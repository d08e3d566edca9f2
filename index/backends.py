"""Where an index lives: a local folder (``--index DIR``) or a Milvus collection (``--backend milvus --uri URI``).

Every command that reads an index takes the same options (:func:`add_index_options`) and opens it through
:func:`index_location` and :func:`open_index`, so the assistant, API, UI, eval and eligibility check answer from
either backend. ``POLICYQA_MILVUS_URI`` (and ``POLICYQA_MILVUS_COLLECTION``) choose Milvus when no option does:
the way to point several API replicas at one Milvus.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

from policyqa.corpus.errors import UserError

BACKENDS = ("local", "milvus")
DEFAULT_COLLECTION = "policyqa"
URI_ENV = "POLICYQA_MILVUS_URI"
COLLECTION_ENV = "POLICYQA_MILVUS_COLLECTION"
INDEX_ENV = "POLICYQA_INDEX"


@dataclass(frozen=True)
class MilvusLocation:
    """A Milvus index: ``uri`` is a Milvus Lite file (``var/milvus.db``) or a server (``http://host:19530``)."""

    uri: str
    collection: str = DEFAULT_COLLECTION

    @property
    def is_lite(self) -> bool:
        return "://" not in self.uri

    def __str__(self) -> str:
        return f"milvus {self.uri} ({self.collection})"


IndexLocation = Path | MilvusLocation | None  # None: the default folder ($POLICYQA_INDEX)


def add_index_options(parser: argparse.ArgumentParser, index_help: str | None = None) -> None:
    """``--index DIR``, ``--backend local|milvus``, ``--uri URI`` and ``--collection NAME``."""
    parser.add_argument("--index", metavar="DIR",
                        help=index_help or "index folder (default: $POLICYQA_INDEX or ~/.local/share/policyqa/index)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help=f"local (an index folder, default) or milvus (a collection at --uri; default when "
                             f"${URI_ENV} is set)")
    parser.add_argument("--uri", metavar="URI",
                        help=f"Milvus: a Milvus Lite file (var/milvus.db) or a server address (http://host:19530); "
                             f"default ${URI_ENV}")
    parser.add_argument("--collection", metavar="NAME",
                        help=f"Milvus collection name prefix (default ${COLLECTION_ENV} or {DEFAULT_COLLECTION})")


def from_environment() -> MilvusLocation | None:
    """The Milvus index named by ``POLICYQA_MILVUS_URI``, if set."""
    uri = os.environ.get(URI_ENV, "").strip()
    return MilvusLocation(uri, os.environ.get(COLLECTION_ENV, "").strip() or DEFAULT_COLLECTION) if uri else None


def index_location(args: argparse.Namespace, staging: bool = False) -> IndexLocation:
    """The index the options name: ``--uri`` (or ``$POLICYQA_MILVUS_URI`` when no ``--index`` is given) means
    Milvus. ``staging``: the command takes ``--index`` beside Milvus as the local folder it builds in first
    (``policyqa build``); elsewhere both together, or ``--uri`` with ``--backend local``, is a :class:`UserError`."""
    backend = getattr(args, "backend", None)
    uri = getattr(args, "uri", None)
    collection = getattr(args, "collection", None)
    index = getattr(args, "index", None)
    env = from_environment()
    if backend is None:
        backend = "milvus" if uri or (env and not index) else "local"
    if backend == "local":
        if uri or collection:
            raise UserError("--uri 与 --collection 只用于 --backend milvus (--uri and --collection go with --backend milvus)")
        return Path(index) if index else None
    if index and not staging:
        raise UserError("--index 指本地索引文件夹，不能与 Milvus 同用 (--index names a local index folder; with "
                        "--backend milvus give --uri only)")
    uri = uri or (env.uri if env else None)
    if not uri:
        raise UserError(f"--backend milvus 需要 --uri（Milvus Lite 文件或服务器地址）或环境变量 {URI_ENV} "
                        f"(--backend milvus needs --uri: a Milvus Lite file or a server address, or ${URI_ENV})")
    return MilvusLocation(uri, collection or (env.collection if env else DEFAULT_COLLECTION))


def server_index(location: IndexLocation) -> Path | None:
    """The folder to hand the API server, whose settings name a folder: a Milvus location is put into this
    process's environment instead (``POLICYQA_MILVUS_URI``, and no ``POLICYQA_INDEX`` that the server's settings
    would read first), where the assistant's loader finds it."""
    if isinstance(location, MilvusLocation):
        os.environ[URI_ENV] = location.uri
        os.environ[COLLECTION_ENV] = location.collection
        os.environ.pop(INDEX_ENV, None)
        return None
    return location


def open_index(location: IndexLocation, **kwargs):
    """The loaded index at ``location``: :class:`~policyqa.index.Index` for a folder, else
    :class:`~policyqa.index.milvus.MilvusIndex` (the same search interface)."""
    if isinstance(location, MilvusLocation):
        from .milvus import load_milvus_index

        return load_milvus_index(location, **kwargs)
    from .retriever import load_index

    return load_index(location, **kwargs)


def build_milvus(corpus, location: MilvusLocation, args: argparse.Namespace) -> int:
    """``policyqa build --backend milvus``: embed into a local folder (``--index``, else a temporary one), then
    load the collection."""
    from .milvus import build_milvus_index

    report, manifest = build_milvus_index(corpus, location, Path(args.index) if args.index else None,
                                          progress=not args.quiet, embedder=args.embedder, dense_kind=args.dense,
                                          device=args.device)
    print(f"索引已写入 index written: {location}\n"
          f"  {report.documents} 个文件 documents, {report.clauses} 个条款 clauses, {report.passages} passages; "
          f"{report.texts} texts embedded ({report.embedded} new, {report.reused} reused)\n"
          f"  dense search {manifest['backend']['dense_kind']}; {report.seconds:.1f} s to embed and index locally")
    return 0
