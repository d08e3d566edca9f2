"""``policyqa publish --index DIR --uri URI``: put a local index folder into Milvus as it is (nothing embedded).

A new build of the collection, holding the folder's current generation: the collection then mirrors that folder,
and ``policyqa add/replace/remove/repeal --index DIR --uri URI`` keep the two in step one change at a time
(:mod:`.milvus_writes`). Publishing again re-bases the collection on the folder, dropping changes written to the
collection alone. Readers follow the new build by themselves (they poll the aliases).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from policyqa.corpus.errors import UserError

from .backends import MilvusLocation, add_index_options, index_location


def _written_alone(location: MilvusLocation) -> int:
    """The newest revision of the collection when it was written without a folder (0: none, or no collection)."""
    from .milvus import _client, _names, current_build, read_revision

    client = _client(location)
    if not client.has_collection(_names(location)["meta"]):
        return 0
    backend = read_revision(client, _names(location, current_build(location, client))["meta"])["backend"]
    return backend["revision"] if backend["revision"] and backend.get("folder_generation") is None else 0


def publish(args: argparse.Namespace) -> int:
    from .milvus import upload_index
    from .retriever import load_index

    location = index_location(args, staging=True)
    if not isinstance(location, MilvusLocation) or not args.index:
        raise UserError("policyqa publish 需要 --index DIR 与 --uri URI (publish needs the folder, --index DIR, and "
                        "the Milvus to put it in, --uri URI)")
    index = load_index(Path(args.index))
    if alone := _written_alone(location):
        print(f"注意：集合中有直接写入的修改（版本 {alone}），发布后将被文件夹的内容取代 (note: the collection holds changes "
              f"written to it alone, up to revision {alone}; publishing replaces them with the folder's documents)",
              file=sys.stderr)
    manifest = upload_index(index, location, progress=not args.quiet)
    print(f"已发布 published: {args.index} → {location}, build {manifest['backend']['build']}: "
          f"{len(index.documents)} 个文件 documents, {len(index.clauses)} 个条款 clauses")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("publish", help="upload a local index folder into Milvus (nothing embedded again)")
    add_index_options(p, "the index folder to publish (its current generation)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=publish)
