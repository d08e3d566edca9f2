"""``policyqa ask`` and ``policyqa serve``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _answerer(args: argparse.Namespace):
    if args.answerer != "llm":
        return None
    from .llm import OpenAICompatibleAnswerer, load_llm_settings

    return OpenAICompatibleAnswerer.from_settings(load_llm_settings())


def ask(args: argparse.Namespace) -> int:
    from .service import Assistant

    assistant = Assistant.load(Path(args.index) if args.index else None, answerer=_answerer(args))
    questions = [args.question] if args.question != "-" else [l.strip() for l in sys.stdin if l.strip()]
    for question in questions:
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


def serve(args: argparse.Namespace) -> int:
    from .api import run_server

    run_server(Path(args.index) if args.index else None, host=args.host, port=args.port)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("ask", help="answer a question in Chinese with verified citations")
    p.add_argument("question", help="the question, or - to read one question per line from stdin (JSON lines out)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("-k", type=int, default=5, help="number of evidence clauses (default 5)")
    p.add_argument("--mode", choices=("hybrid", "bm25", "dense"), default="hybrid")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="restrict to a document; repeatable")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive",
                   help="extractive (offline, default) or llm (OpenAI-compatible endpoint from POLICYQA_LLM_* settings)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=ask)

    p = subparsers.add_parser("serve", help="run the HTTP API (and the web UI at /ui)")
    p.add_argument("--index", metavar="DIR")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=serve)
