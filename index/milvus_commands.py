"""``policyqa publish --index DIR --uri URI``: put a local index folder into Milvus as it is (nothing embedded).

A new build of the collection, holding the folder's current generation: the collection then mirrors that folder,
and ``policyqa add/replace/remove/repeal --index DIR --uri URI`` keep the two in step one change at a time
(:mod:`.milvus_writes`). Publishing again re-bases the collection on the folder, dropping changes written to the
collection alone. Readers follow the new build by themselves (they poll the aliases).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from policyqa.corpus.errors import UserError

from .backends import MilvusLocation, add_index_options, index_location


def publish(args: argparse.Namespace) -> int:
    from .milvus import upload_index
    from .retriever import load_index

    location = index_location(args, staging=True)
    if not isinstance(location, MilvusLocation) or not args.index:
        raise UserError("policyqa publish 需要 --index DIR 与 --uri URI (publish needs the folder, --index DIR, and "
                        "the Milvus to put it in, --uri URI)")
    index = load_index(Path(args.index))
    manifest = upload_index(index, location, progress=not args.quiet)
    print(f"已发布 published: {args.index} → {location}, build {manifest['backend']['build']}: "
          f"{len(index.documents)} 个文件 documents, {len(index.clauses)} 个条款 clauses")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("publish", help="upload a local index folder into Milvus (nothing embedded again)")
    add_index_options(p, "the index folder to publish (its current generation)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(handler=publish)
