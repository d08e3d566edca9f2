"""``policyqa search`` and ``policyqa ask``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _questions(question: str) -> list[str]:
    """The question, or with ``-`` one question per line from stdin."""
    return [question] if question != "-" else [line.strip() for line in sys.stdin if line.strip()]


def search(args: argparse.Namespace) -> int:
    from .service import Assistant

    assistant = Assistant.load(Path(args.index) if args.index else None)
    for question in _questions(args.question):
        hits = assistant.search(question, k=args.k, doc_ids=args.doc or None, mode=args.mode)
        if args.json or args.question == "-":
            print(json.dumps({"question": question, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
            continue
        print(f"问：{question}")
        for rank, hit in enumerate(hits, 1):
            c = hit.clause
            text = c.text.replace("\n", " ")
            print(f"{rank:>2}. {hit.score:.4f}  《{c.doc_title}》{c.label}  {text[:70]}{'…' if len(text) > 70 else ''}")
    return 0


def ask(args: argparse.Namespace) -> int:
    from .service import Assistant

    assistant = Assistant.load(Path(args.index) if args.index else None, answerer=args.answerer)
    for question in _questions(args.question):
        answer = assistant.ask(question, k=args.k, doc_ids=args.doc or None, mode=args.mode)
        if args.json or args.question == "-":
            print(json.dumps(answer.model_dump(), ensure_ascii=False))
            continue
        print(answer.answer)
        if answer.refused and answer.related:
            print("\n相关条款（仅供参考，并非答案）：")
        elif answer.citations:
            print("\n引用：")
        for c in answer.citations:
            print(f"  《{c.doc_title}》{c.label}  [{c.clause_id}]")
        for r in answer.related if answer.refused else []:
            print(f"  《{r.doc_title}》{r.label}  [{r.clause_id}]")
        for w in answer.warnings:
            print(f"注意：{w}")
    return 0


def _add_question_options(p: argparse.ArgumentParser, k_help: str) -> None:
    p.add_argument("question", help="the question, or - to read one question per line from stdin (JSON lines out)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("-k", type=int, default=5, help=k_help)
    p.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="restrict to a document; repeatable")
    p.add_argument("--json", action="store_true")


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="retrieve the clauses that best match a question")
    _add_question_options(p, k_help="number of clauses (default 5)")
    p.set_defaults(handler=search)

    p = subparsers.add_parser("ask", help="answer a question in Chinese with verified citations")
    _add_question_options(p, k_help="number of evidence clauses (default 5)")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive",
                   help="extractive (offline, default) or llm (OpenAI-compatible endpoint from POLICYQA_LLM_* settings)")
    p.set_defaults(handler=ask)
