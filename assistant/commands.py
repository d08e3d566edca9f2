"""``policyqa search`` and ``policyqa ask``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from policyqa.corpus.errors import UserError
from policyqa.corpus.titles import book_title
from policyqa.corpus.validity import parse_as_of
from policyqa.index.backends import add_index_options, index_location

if TYPE_CHECKING:
    from .models import Answer


def _questions(question: str) -> list[str]:
    """The question, or with ``-`` one question per line from stdin."""
    return [question] if question != "-" else [line.strip() for line in sys.stdin if line.strip()]


def search(args: argparse.Namespace) -> int:
    from .service import Assistant

    assistant = Assistant.load(index_location(args))
    as_of = parse_as_of(args.as_of)
    for question in _questions(args.question):
        hits = assistant.search(question, k=args.k, doc_ids=args.doc or None, mode=args.mode, as_of=as_of)
        if args.json or args.question == "-":
            print(json.dumps({"question": question, "hits": [
                h.to_dict() | assistant.standing(h.clause.doc_id, as_of) for h in hits]}, ensure_ascii=False))
            continue
        print(f"问：{question}")
        for rank, hit in enumerate(hits, 1):
            c = hit.clause
            text = c.text.replace("\n", " ")
            print(f"{rank:>2}. {hit.score:.4f}  {book_title(c.doc_title)}{c.label}  {text[:70]}{'…' if len(text) > 70 else ''}")
            if warning := assistant.standing(c.doc_id, as_of)["warning"]:
                print(f"    注意：{warning}")
    return 0


def _read_history(path: str | None) -> list | None:
    """``--history FILE``: the conversation so far, ``[{"question": str, "clause_ids": [str]}]`` oldest first."""
    from .followup import HistoryTurn

    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [HistoryTurn(str(t["question"]), tuple(str(c) for c in t.get("clause_ids", []))) for t in data]
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UserError(f"无法读取对话历史 {path}：应为 [{{\"question\": …, \"clause_ids\": […]}}] "
                        f"(cannot read the history: {exc})") from None


def ask(args: argparse.Namespace) -> int:
    from .service import Assistant

    assistant = Assistant.load(index_location(args), answerer=args.answerer)
    history = _read_history(args.history)
    for question in _questions(args.question):
        answer = assistant.ask(question, k=args.k, doc_ids=args.doc or None, mode=args.mode, explain=args.explain,
                               history=history, as_of=args.as_of)
        if args.json or args.question == "-":
            print(json.dumps(answer.model_dump(), ensure_ascii=False))
            continue
        _print_answer(answer)
    return 0


def chat(args: argparse.Namespace) -> int:
    """An interactive conversation: each question is read in the light of the ones before (readline history)."""
    import readline  # noqa: F401  (line editing and ↑ for earlier questions)

    from .followup import HistoryTurn
    from .service import Assistant

    assistant = Assistant.load(index_location(args), answerer=args.answerer)
    history: list[HistoryTurn] = []
    as_of = parse_as_of(args.as_of)
    print("政策问答对话（空行或 Ctrl-D 结束；「/新对话」重新开始） policyqa chat: empty line or Ctrl-D to quit")
    while True:
        try:
            question = input("问> ").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        if question in ("/新对话", "/new"):
            history = []
            print("（已开始新对话）")
            continue
        try:
            answer = assistant.ask(question, k=args.k, mode=args.mode, explain=args.explain, history=history,
                                   as_of=as_of)
        except UserError as exc:
            print(f"错误：{exc}")
            continue
        _print_answer(answer)
        if not answer.needs_clarification:
            history.append(HistoryTurn(question, tuple(c.clause_id for c in answer.citations)))
        print()


def _print_answer(answer: "Answer") -> None:
    print(answer.answer)
    if answer.refused and answer.related:
        print("\n相关条款（仅供参考，并非答案）：")
    elif answer.citations:
        print("\n引用：")
    for c in answer.citations:
        print(f"  {book_title(c.doc_title)}{c.label}  [{c.clause_id}]{f'  〔{c.status}〕' if c.warning else ''}")
    for r in answer.related if answer.refused else []:
        print(f"  {book_title(r.doc_title)}{r.label}  [{r.clause_id}]")
    for w in answer.warnings:
        print(f"注意：{w}")
    if answer.trace:
        print("\n" + explanation(answer.trace))


def explanation(trace: dict) -> str:
    """The trace of an answer in a few lines: what was read, which clause won and why, whether to answer and why."""
    lines = ["为什么是这条 (why):"]
    analysis = trace.get("analysis", {})
    asked = [name for name in ("asks_who", "asks_role", "asks_penalty") if analysis.get(name)]
    if analysis.get("figure"):
        asked.append(f"figure={analysis['figure']}")
    lines.append(f"  问题解读 analysis: terms={' '.join(analysis.get('terms', [])[:8])}"
                 f"{'; asks ' + ', '.join(asked) if asked else ''}"
                 f"{'; documents ' + ', '.join(analysis['named_documents']) if analysis.get('named_documents') else ''}")
    if "lookup" in trace:
        lines.append(f"  直接查找 lookup: the question names {', '.join(trace['lookup'])}")
    for position, item in enumerate(trace.get("ranking", [])[:3], 1):
        why = ", ".join(f"{w['feature']} {w['contribution']:+.2f}" for w in item["why"])
        lines.append(f"  {position}. {item['clause_id']}  score {item['score']:+.3f} (retrieval rank "
                     f"{item['retrieval_rank']}, fused {item['fused']:.3f}) ← {why}")
    if decision := trace.get("decision"):
        why = ", ".join(f"{w['feature']} {w['contribution']:+.2f}" for w in decision["why"])
        verdict = "answer" if decision["answerable"] else "refuse"
        lines.append(f"  决定 decision: {verdict} — P(answerable) {decision['probability']:.3f} vs threshold "
                     f"{decision['threshold']:.3f} ← {why}")
    if trace.get("refusal_reason"):
        lines.append(f"  拒答原因 refusal reason: {trace['refusal_reason']}")
    return "\n".join(lines)


def _add_question_options(p: argparse.ArgumentParser, k_help: str) -> None:
    p.add_argument("question", help="the question, or - to read one question per line from stdin (JSON lines out)")
    add_index_options(p)
    p.add_argument("-k", type=int, default=5, help=k_help)
    p.add_argument("--mode", choices=("hybrid", "bm25", "dense"),
                   help="retrieval (default: hybrid; bm25 on an index built with --embedder none)")
    p.add_argument("--doc", action="append", metavar="DOC_ID", help="restrict to a document; repeatable")
    p.add_argument("--as-of", metavar="DATE", help="the law as it stood on DATE (YYYY-MM-DD; default today): the "
                                                   "version in force then, see docs/versions.md")
    p.add_argument("--json", action="store_true")


def register(subparsers) -> None:
    p = subparsers.add_parser("search", help="retrieve the clauses that best match a question")
    _add_question_options(p, k_help="number of clauses (default 5)")
    p.set_defaults(handler=search)

    p = subparsers.add_parser("ask", help="answer a question in Chinese with verified citations")
    _add_question_options(p, k_help="number of evidence clauses (default 5)")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive",
                   help="extractive (offline, default) or llm (OpenAI-compatible endpoint from POLICYQA_LLM_* settings)")
    p.add_argument("--explain", action="store_true",
                   help="show why the first clause won and why an answer was refused (the trace; in --json too)")
    p.add_argument("--history", metavar="FILE",
                   help='the conversation so far, JSON [{"question": …, "clause_ids": […]}] oldest first: a follow-up '
                        "(「那托育机构呢？」) is read in its light")
    p.set_defaults(handler=ask)

    p = subparsers.add_parser("chat", help="an interactive conversation in which follow-up questions are understood")
    add_index_options(p)
    p.add_argument("-k", type=int, default=5, help="number of evidence clauses (default 5)")
    p.add_argument("--mode", choices=("hybrid", "bm25", "dense"),
                   help="retrieval (default: hybrid; bm25 on an index built with --embedder none)")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive")
    p.add_argument("--explain", action="store_true", help="show the trace of every answer")
    p.add_argument("--as-of", metavar="DATE", help="the law as it stood on DATE (YYYY-MM-DD; default today)")
    p.set_defaults(handler=chat)
