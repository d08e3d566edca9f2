"""``policyqa add|replace|remove|repeal``: change the documents of an index, each a new generation of a folder
(``--index DIR``) or a new revision of a Milvus collection (``--uri URI``; with ``--index DIR`` too, the folder is
written first and the collection takes its rows and vectors from it: :mod:`.milvus_writes`)."""
from __future__ import annotations

import argparse
from pathlib import Path

from policyqa.corpus.titles import book_title

from .backends import MilvusLocation, add_index_options, index_location

_INDEX_HELP = ("index folder (default: $POLICYQA_INDEX or ~/.local/share/policyqa/index); with --uri, the folder the "
               "collection mirrors, written first")


def _write(args: argparse.Namespace, name: str, *call_args):
    """The write ``name`` of :mod:`.living` on the folder, or of :mod:`.milvus_writes` on the collection."""
    from . import living

    location = index_location(args, staging=True)
    if isinstance(location, MilvusLocation):
        from . import milvus_writes

        return getattr(milvus_writes, name)(location, *call_args, folder=Path(args.index) if args.index else None)
    from .store import default_index_dir

    return getattr(living, name)(location or default_index_dir(), *call_args)


def _print(result) -> None:
    for r in result.reports:
        print(f"{book_title(r.title)} [{r.doc_id}] {r.doc_number or ''} {r.date or ''}  {r.clauses} 个条款 clauses: "
              f"{'、'.join(r.labels[:12])}{' …' if len(r.labels) > 12 else ''}")
        for problem in r.problems:
            print(f"  注意 problem: {problem}")
    replaced = {r.doc_id for r in result.reports}
    if removed := [d for d in result.removed if d not in replaced]:
        print(f"已移除 removed: {'、'.join(removed)}")
    print(f"新版本 generation {result.generation}: {result.documents} 个文件 documents, {result.clauses} 个条款 clauses; "
          f"{result.embedded} texts embedded, {result.reused} reused; {result.seconds:.1f} s")


def add(args: argparse.Namespace) -> int:
    _print(_write(args, "add_documents", [Path(f) for f in args.files]))
    return 0


def replace(args: argparse.Namespace) -> int:
    _print(_write(args, "replace_document", args.doc_id, Path(args.file)))
    return 0


def remove(args: argparse.Namespace) -> int:
    _print(_write(args, "remove_documents", args.doc_ids))
    return 0


def repeal(args: argparse.Namespace) -> int:
    _print(_write(args, "set_document_status", args.doc_id, None if args.clear else args.date))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("add", help="add documents to an index (doc_id: the file name without its suffix)")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_index_options(p, _INDEX_HELP)
    p.set_defaults(handler=add)
    p = subparsers.add_parser("replace", help="replace a document of an index by a new file (it keeps its doc_id)")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.add_argument("file", metavar="FILE")
    add_index_options(p, _INDEX_HELP)
    p.set_defaults(handler=replace)
    p = subparsers.add_parser("remove", help="remove documents from an index")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    add_index_options(p, _INDEX_HELP)
    p.set_defaults(handler=remove)
    p = subparsers.add_parser("repeal", help="mark a document repealed (废止) from a date, or --clear the mark")
    p.add_argument("doc_id", metavar="DOC_ID")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day it is no longer in force")
    when.add_argument("--clear", action="store_true", help="remove a mark set before")
    add_index_options(p, _INDEX_HELP)
    p.set_defaults(handler=repeal)
