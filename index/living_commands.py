"""``policyqa add|replace|remove|repeal``: change the documents of an index, each a new generation."""
from __future__ import annotations

import argparse
from pathlib import Path

_INDEX_HELP = "index folder (default: $POLICYQA_INDEX or ~/.local/share/policyqa/index)"


def _index(args: argparse.Namespace) -> Path:
    from .store import default_index_dir

    return Path(args.index) if args.index else default_index_dir()


def _print(result) -> None:
    for r in result.reports:
        print(f"《{r.title}》 [{r.doc_id}] {r.doc_number or ''} {r.date or ''}  {r.clauses} 个条款 clauses: "
              f"{'、'.join(r.labels[:12])}{' …' if len(r.labels) > 12 else ''}")
        for problem in r.problems:
            print(f"  注意 problem: {problem}")
    replaced = {r.doc_id for r in result.reports}
    if removed := [d for d in result.removed if d not in replaced]:
        print(f"已移除 removed: {'、'.join(removed)}")
    print(f"新版本 generation {result.generation}: {result.documents} 个文件 documents, {result.clauses} 个条款 clauses; "
          f"{result.embedded} texts embedded, {result.reused} reused; {result.seconds:.1f} s")


def add(args: argparse.Namespace) -> int:
    from .living import add_documents

    _print(add_documents(_index(args), [Path(f) for f in args.files]))
    return 0


def replace(args: argparse.Namespace) -> int:
    from .living import replace_document

    _print(replace_document(_index(args), args.doc_id, Path(args.file)))
    return 0


def remove(args: argparse.Namespace) -> int:
    from .living import remove_documents

    _print(remove_documents(_index(args), args.doc_ids))
    return 0


def repeal(args: argparse.Namespace) -> int:
    from .living import set_document_status

    _print(set_document_status(_index(args), args.doc_id, None if args.clear else args.date))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("add", help="add documents to an index (doc_id: the file name without its suffix)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--index", metavar="DIR", help=_INDEX_HELP)
    p.set_defaults(handler=add)
    p = subparsers.add_parser("replace", help="replace a document of an index by a new file (it keeps its doc_id)")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--index", metavar="DIR", help=_INDEX_HELP)
    p.set_defaults(handler=replace)
    p = subparsers.add_parser("remove", help="remove documents from an index")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    p.add_argument("--index", metavar="DIR", help=_INDEX_HELP)
    p.set_defaults(handler=remove)
    p = subparsers.add_parser("repeal", help="mark a document repealed (废止) from a date, or --clear the mark")
    p.add_argument("doc_id", metavar="DOC_ID")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the day it is no longer in force")
    when.add_argument("--clear", action="store_true", help="remove a mark set before")
    p.add_argument("--index", metavar="DIR", help=_INDEX_HELP)
    p.set_defaults(handler=repeal)
