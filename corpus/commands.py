"""``policyqa corpus inspect|check``: look at how documents are split into clauses."""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

from .coverage import coverage_problems
from .errors import UserError
from .loading import load_corpus
from .numerals import NUMERAL_CHARS
from .structure import own_articles
from .titles import book_title

ARTICLE_LINE_RE = re.compile(rf"^第[{NUMERAL_CHARS}\d]+条(?:之[{NUMERAL_CHARS}]+)?[\s\u3000]", re.M)
COUNTED_ARTICLE_RE = re.compile(r"^(?:附件\d*)?第.+条(?:之.+)?$")  # articles as the check counts them, an annex's too


def _fit(text: str, width: int) -> str:
    """Cut/pad ``text`` to ``width`` terminal cells (CJK characters take two)."""
    out, used = [], 0
    for ch in text.replace("\n", " "):
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def report_skipped(corpus) -> None:
    """Tell the user which files were skipped and why; stop if nothing was readable."""
    for skipped in corpus.skipped:
        print(f"跳过 skipped: {skipped.path}: {skipped.reason}", file=sys.stderr)
    if not corpus.documents:
        raise UserError("没有可读取的文件 (no readable documents)")


def inspect(args: argparse.Namespace) -> int:
    corpus = load_corpus([Path(p) for p in args.paths])
    report_skipped(corpus)
    if args.json:
        json.dump([c.to_dict() for c in corpus.clauses], sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    for doc in corpus.documents:
        m = doc.meta
        print(f"{book_title(m.title)} {m.doc_number or ''} {m.date or ''}  [{m.doc_id}]  {len(doc.clauses)} 条款")
        for c in doc.clauses:
            print(f"  {_fit(c.label, 16)} {_fit(c.part, 9)} {_fit(c.text, 60)}")
    return 0


def check(args: argparse.Namespace) -> int:
    """Coverage and article-count check over every file (the parser's regression check)."""
    corpus = load_corpus([Path(p) for p in args.paths])
    report_skipped(corpus)
    failures = 0
    for doc in corpus.documents:
        problems = coverage_problems(doc)
        # Articles quoted from other laws (a guide's 设定依据) are text, not the document's articles.
        expected = len(ARTICLE_LINE_RE.findall(doc.body)) if own_articles(doc.body.split("\n")) else 0
        found = sum(1 for c in doc.clauses if COUNTED_ARTICLE_RE.match(c.label))
        if expected != found:
            problems.append(f"{doc.doc_id}: {expected} 第X条 lines but {found} article clauses")
        if problems:
            failures += 1
            print("\n".join(problems))
    print(f"{len(corpus.documents)} documents, {len(corpus.clauses)} clauses, "
          f"{failures} with problems, {len(corpus.skipped)} skipped")
    return 1 if failures else 0


def register(subparsers) -> None:
    corpus_parser = subparsers.add_parser("corpus", help="inspect how documents are split into clauses")
    commands = corpus_parser.add_subparsers(dest="corpus_command", required=True)
    p = commands.add_parser("inspect", help="show the clauses of files or folders")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print one JSON array of clause objects")
    p.set_defaults(handler=inspect)
    p = commands.add_parser("check", help="check that parsing loses nothing and finds every 第X条")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(handler=check)
