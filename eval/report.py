"""The files an evaluation leaves behind: report.md, metrics.json, TREC runs and qrels, per-question results, chart.png."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from .metrics import ANSWER_KEYS, LATENCY_KEYS, RETRIEVAL_KEYS
from .questions import Question
from .results import QuestionResult
from .trec import qrels_lines, run_lines, write_lines

CHART_METRICS = ("hit@1", "hit@5", "recall@5", "mrr@10", "ndcg@10", "first_citation_accuracy", "citation_precision",
                 "refusal_recall", "false_refusal_rate")
FAILURE_TEXT = {
    "false_refusal": "拒答了可回答的问题 (refused an answerable question)",
    "wrong_first_citation": "首条引用不相关 (first citation not relevant)",
    "answered_unanswerable": "回答了无依据的问题 (answered an unanswerable question)",
}


def _fmt(value: float | None, ms: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, int):
        return str(value)
    return f"{value:.1f}" if ms else f"{value:.3f}"


def _cell(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[:limit] + "…"


def _table(keys: Sequence[str], summaries: Mapping[str, Mapping], ms: bool = False) -> list[str]:
    configs = list(summaries)
    keys = [k for k in keys if any(summaries[c].get(k) is not None for c in configs)]
    if not keys:
        return []
    lines = ["| metric | " + " | ".join(configs) + " |", "|---|" + "---:|" * len(configs)]
    lines += [f"| {k} | " + " | ".join(_fmt(summaries[c].get(k), ms) for c in configs) + " |" for k in keys]
    return lines + [""]


def _returned(r: QuestionResult) -> str:
    if r.refused:
        return "拒答 refused"
    if not r.citations:
        return "无引用 no citation"
    first = r.citations[0]
    others = list(dict.fromkeys(c.clause_id for c in r.citations[1:] if c.clause_id != first.clause_id))
    more = f"（另引 also: {', '.join(others)}）" if others else ""
    return f"{first.clause_id} 「{_cell(first.quote, 40)}」{more}"


def _failures(config: str, results: Sequence[QuestionResult]) -> list[str]:
    failed = [r for r in results if r.failure()]
    lines = [f"### {config}: {len(failed)} / {len(results)}", ""]
    if not failed:
        return lines
    lines += ["| id | type | question | why | expected | returned instead | first relevant in search@10 |",
              "|---|---|---|---|---|---|---:|"]
    for r in failed:
        rank = r.first_relevant_rank()
        lines.append(f"| {r.question.id} | {r.question.type} | {_cell(r.question.question)} | "
                     f"{FAILURE_TEXT[r.failure()]} | {', '.join(r.question.relevant) or '（拒答 refusal）'} | "
                     f"{_cell(_returned(r), 120)} | {rank if rank else '—'} |")
    return lines + [""]


def render_report(meta: Mapping[str, object], questions: Sequence[Question], summaries: Mapping[str, Mapping],
                  results: Mapping[str, Sequence[QuestionResult]]) -> str:
    answerable = sum(1 for q in questions if q.answerable)
    lines = ["# policyqa evaluation report", ""]
    lines += [f"- {key}: {value}" for key, value in meta.items()]
    lines += [f"- questions: {len(questions)} ({answerable} answerable, {len(questions) - answerable} unanswerable)",
              "- definitions: eval/README.md", "", "![configurations compared](chart.png)", "",
              "## Retrieval (answerable questions; Assistant.search, k=10)", ""]
    lines += _table(RETRIEVAL_KEYS, summaries)
    lines += ["## Answers (Assistant.ask)", ""]
    lines += _table(("questions", "refused", "citations", "failed") + ANSWER_KEYS, summaries)
    lines += ["## Latency (ms per call)", ""]
    lines += _table(LATENCY_KEYS, summaries, ms=True)
    lines += ["## Per question type", ""]
    types = sorted({t for s in summaries.values() for t in s["by_type"]})
    for t in types:
        by_type = {c: s["by_type"].get(t, {}) for c, s in summaries.items()}
        n = next(iter(by_type.values())).get("questions", 0)
        lines += [f"### {t} ({n})", ""]
        lines += _table(RETRIEVAL_KEYS + ANSWER_KEYS, by_type)
    lines += ["## Failed questions", "",
              ("A question fails when an answerable one is refused or its first citation is not relevant, "
               "or when an unanswerable one is answered."), ""]
    for config, rs in results.items():
        lines += _failures(config, rs)
    return "\n".join(lines)


def write_chart(path: Path, summaries: Mapping[str, Mapping]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = list(summaries)
    fig, (quality, latency) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [3, 1]})
    width = 0.8 / len(configs)
    for i, config in enumerate(configs):
        xs = [j + i * width for j in range(len(CHART_METRICS))]
        quality.bar(xs, [summaries[config].get(m) or 0.0 for m in CHART_METRICS], width, label=config)
        latency.bar([j + i * width for j in range(2)],
                    [summaries[config].get(k) or 0.0 for k in ("latency_ask_p50_ms", "latency_ask_p95_ms")],
                    width, label=config)
    quality.set_xticks([j + width * (len(configs) - 1) / 2 for j in range(len(CHART_METRICS))],
                       CHART_METRICS, rotation=30, ha="right")
    quality.set_ylim(0, 1)
    quality.set_title("quality (higher is better; false_refusal_rate: lower)")
    quality.legend()
    latency.set_xticks([j + width * (len(configs) - 1) / 2 for j in range(2)], ["ask p50", "ask p95"])
    latency.set_ylabel("ms")
    latency.set_title("latency")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(out: Path, meta: Mapping[str, object], questions: Sequence[Question],
                  summaries: Mapping[str, Mapping], results: Mapping[str, Sequence[QuestionResult]]) -> None:
    """Write every output file into ``out``; the report and metrics first, so a TREC format error loses neither."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(render_report(meta, questions, summaries, results), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(summaries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for config, rs in results.items():
        (out / f"results-{config}.jsonl").write_text(
            "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in rs), encoding="utf-8")
    write_chart(out / "chart.png", summaries)
    write_lines(out / "qrels.trec", qrels_lines(questions))
    for config, rs in results.items():
        write_lines(out / f"run-{config}.trec", run_lines(rs, tag=f"policyqa-{config}"))
