"""``policyqa eval`` (run a question set, write the report) and ``policyqa eval-beir`` (BEIR export/import)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from policyqa.corpus.errors import UserError
from policyqa.index.backends import add_index_options, index_location

CONFIGS_HELP = "comma-separated retrieval modes to compare: bm25, dense, hybrid (default: all three)"


def _assistant(args: argparse.Namespace):
    from policyqa.assistant.service import Assistant

    return Assistant.load(index_location(args), answerer=getattr(args, "answerer", "extractive"))


def _print_summary(summaries: dict, out: Path) -> None:
    keys = ("hit@1", "hit@5", "recall@5", "mrr@10", "ndcg@10", "first_citation_accuracy", "refusal_recall",
            "false_refusal_rate", "latency_ask_p50_ms")
    print("config  " + "  ".join(keys))
    for config, s in summaries.items():
        cells = ("—" if s[k] is None else f"{s[k]:.1f}" if k.endswith("_ms") else f"{s[k]:.3f}" for k in keys)
        print(f"{config:<6}  " + "  ".join(f"{c:>{len(k)}}" for c, k in zip(cells, keys)))
    print(f"报告已写入 report written: {out / 'report.md'}")


def evaluate_conversations(args: argparse.Namespace) -> int:
    """A conversation set (eval/conversations.py): follow-ups asked with the conversation so far."""
    from .conversations import conversation_metrics, read_conversations, run_conversations

    conversations = read_conversations(Path(args.questions))
    metrics = conversation_metrics(run_conversations(_assistant(args), conversations))
    if args.json:
        print(json.dumps(metrics, ensure_ascii=False))
        return 0
    print(f"对话 conversations: {len(conversations)}, turns after the first: {metrics['turns']} "
          f"({metrics['followup']} followup, {metrics['standalone']} standalone, {metrics['unclear']} unclear)")
    for key, value in metrics.items():
        if isinstance(value, float) or value is None:
            print(f"  {key:<26} {_fmt(value)}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from .conversations import is_conversation_file
    from .metrics import summarize

    if is_conversation_file(Path(args.questions)):
        return evaluate_conversations(args)
    from .questions import read_questions
    from .report import write_outputs
    from .runner import check_relevant, parse_configs, run

    configs = parse_configs(args.configs)
    questions = read_questions(Path(args.questions))
    assistant = _assistant(args)
    check_relevant(assistant, questions)
    results = run(assistant, questions, configs, progress=not args.quiet)
    summaries = {config: summarize(rs) for config, rs in results.items()}
    out = Path(args.out) if args.out else Path("eval-out") / Path(args.questions).stem
    documents = assistant.documents()
    meta = {
        "question set": args.questions,
        "index": f"{getattr(assistant.index, 'location', assistant.index.path)} ({len(documents)} documents, "
                 f"{sum(d['clause_count'] for d in documents)} clauses, "
                 f"embedder {assistant.manifest.get('embedder', {}).get('name')})",
        "answerer": assistant.answerer.name,
        "configurations": ", ".join(configs),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    try:
        write_outputs(out, meta, questions, summaries, results)
    except OSError as exc:
        raise UserError(f"无法写入输出目录 {out} (cannot write the outputs: {exc})") from None
    if args.json:
        print(json.dumps(summaries, ensure_ascii=False))
    else:
        _print_summary(summaries, out)
    return 0


def beir_export(args: argparse.Namespace) -> int:
    from .beir import export_beir
    from .questions import read_questions
    from .runner import check_relevant

    questions = read_questions(Path(args.questions))
    assistant = _assistant(args)
    check_relevant(assistant, questions)
    clauses = (c for d in assistant.documents() for c in assistant.document(d["doc_id"])["clauses"])
    try:
        counts = export_beir(questions, clauses, Path(args.out), split=args.split)
    except OSError as exc:
        raise UserError(f"无法写入 {args.out} (cannot write the BEIR files: {exc})") from None
    print(f"BEIR 已写入 written to {args.out}: {counts['corpus']} corpus, {counts['queries']} queries, "
          f"{counts['qrels']} qrels rows (qrels/{args.split}.tsv)")
    return 0


def beir_import(args: argparse.Namespace) -> int:
    from .beir import import_beir
    from .questions import write_questions

    questions = import_beir(Path(args.folder), split=args.split)
    try:
        write_questions(Path(args.out), questions)
    except OSError as exc:
        raise UserError(f"无法写入 {args.out} (cannot write the question file: {exc})") from None
    unanswerable = sum(1 for q in questions if not q.answerable)
    print(f"已写入 written {args.out}: {len(questions)} questions ({unanswerable} unanswerable)", file=sys.stderr)
    return 0


DEFAULT_TRAINING_SETS = ("seed", "dev", "chat", "fresh", "holdout2", "holdout3", "holdout5", "holdout6", "holdout7",
                         "holdout8", "holdout9")


def train_ranker(args: argparse.Namespace) -> int:
    from .training import Assistants, cross_validate, read_sets

    specs = args.sets or [str(Path(__file__).parent / f"{name}_questions.jsonl") for name in DEFAULT_TRAINING_SETS]
    sets = read_sets(specs)
    baseline = _read_baseline(Path(args.baseline)) if args.baseline else {}
    cv = cross_validate(sets, Assistants(), progress=not args.quiet)
    keys = ("first_citation_accuracy", "refusal_recall", "false_refusal_rate")
    short = {"first_citation_accuracy": "first citation", "refusal_recall": "refusal recall",
             "false_refusal_rate": "false refusals"}
    head = "| held-out set | " + " | ".join(f"{short[k]} (ranker, CV)" + (f" | {short[k]} (baseline)" if baseline
                                                                          else "") for k in keys) + " |"
    print(head)
    print("|---|" + "---:|" * (len(keys) * (2 if baseline else 1)))

    def cells(metrics: dict, base: dict | None) -> str:
        out = []
        for k in keys:
            out.append(_fmt(metrics.get(k)))
            if baseline:
                out.append(_fmt((base or {}).get(k)))
        return " | ".join(out)

    for name, metrics in cv.per_set.items():
        print(f"| {name} | {cells(metrics, baseline.get(name))} |")
    means = {k: cv.mean(k) for k in keys}
    base_means = {k: _mean([b.get(k) for n, b in baseline.items() if n in cv.per_set]) for k in keys}
    print(f"| **mean** | {cells(means, base_means)} |")
    if args.out:
        cv.model.save(Path(args.out))
        print(f"模型已写入 model written: {args.out}", file=sys.stderr)
    return 0


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _read_baseline(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"无法读取基线 {path} (cannot read the baseline: {exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("sets"), dict):
        raise UserError(f"基线格式不符 {path} (a baseline is {{\"sets\": {{name: metrics}}}})")
    return data["sets"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="run a question set (JSONL) and report retrieval, answer and latency metrics per configuration",
        description="Run every question through Assistant.search and Assistant.ask for each configuration and write "
                    "report.md, metrics.json, run-<config>.trec, qrels.trec, results-<config>.jsonl and chart.png. "
                    "Formats and metric definitions: eval/README.md.",
        epilog="BEIR export/import of a question set: policyqa eval-beir --help")
    p.add_argument("questions", metavar="QUESTIONS.jsonl",
                   help='one {"id", "question", "relevant": [clause_id, …], "type", "note"?} per line')
    add_index_options(p, "index folder (default: the default index, as for policyqa ask)")
    p.add_argument("--configs", default="bm25,dense,hybrid", help=CONFIGS_HELP)
    p.add_argument("--out", metavar="DIR", help="output folder (default: eval-out/<question file name>)")
    p.add_argument("--answerer", choices=("extractive", "llm"), default="extractive",
                   help="as for policyqa ask: extractive (default) or llm (POLICYQA_LLM_* settings)")
    p.add_argument("--json", action="store_true", help="print the metrics as one JSON object keyed by configuration")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=evaluate)

    p = subparsers.add_parser(
        "train-ranker", help="fit the ranker on labelled question sets; report leave-one-set-out cross-validation",
        description="Fit the ranker and the answer-or-refuse model on question sets (each written by a different "
                    "writer), holding out each set in turn to measure it as a new writer's questions would find it, "
                    "then fit on all of them and write the model (JSON with its manifest). Use it with "
                    "POLICYQA_RANKER=FILE.")
    p.add_argument("sets", nargs="*", metavar="QUESTIONS.jsonl[@INDEX_DIR[+LARGER_DIR]]",
                   help="question sets, each optionally with the index it was written for and, after +, larger "
                        "indexes holding its documents among others, over which its questions are also fitted on "
                        "(default: the bundled development sets of eval/ on the default index)")
    p.add_argument("--out", metavar="FILE", help="where to write the fitted model (default: do not write one)")
    p.add_argument("--baseline", metavar="FILE",
                   help='per-set metrics to print beside the cross-validation ({"sets": {name: metrics}})')
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=train_ranker)

    p = subparsers.add_parser("eval-beir", help="convert a question set to or from the BEIR layout "
                              "(corpus.jsonl, queries.jsonl, qrels/<split>.tsv)")
    sub = p.add_subparsers(dest="beir_command", required=True, metavar="{export,import}")
    e = sub.add_parser("export", help="write a question set and the index's clauses in BEIR layout")
    e.add_argument("questions", metavar="QUESTIONS.jsonl")
    e.add_argument("out", metavar="DIR")
    add_index_options(e, "index whose clauses form corpus.jsonl (default: the default index)")
    e.add_argument("--split", default="test", help="qrels file name (default: test)")
    e.set_defaults(handler=beir_export)
    i = sub.add_parser("import", help="read a BEIR folder back as a question set (JSONL)")
    i.add_argument("folder", metavar="DIR")
    i.add_argument("out", metavar="QUESTIONS.jsonl")
    i.add_argument("--split", default="test", help="qrels file to read (default: test)")
    i.set_defaults(handler=beir_import)
