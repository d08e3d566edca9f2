"""``policyqa eval-pool``: compare runs whose labels are incomplete, by judging blind what they answer differently.

Labels written for a few documents undercount once a run searches many more: another text states the same rule,
and a question "unanswerable" over 22 laws has an answer over 3,468. ``make`` pools, for every question the runs
answer differently (another first citation, or a refusal against an answer), the labelled clauses and each run's
first citation — shuffled, tagged, with their texts — into a file for a judge who sees neither the runs nor the
labels (TREC-style pooling). ``score`` reads the judge's verdicts back and scores each run on those questions: right
when its first citation was judged to answer the question, or when it refused and no clause of its own index was.
"""
from __future__ import annotations

import argparse
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

from policyqa.corpus.errors import UserError

JUDGE_FILE = "judge.json"  # what the judge reads: questions and shuffled candidates, no runs, no labels
KEY_FILE = "key.json"  # what the judge must not read: tags → clauses, each run's answers, the labels
VERDICTS = ("yes", "partly", "no")
INSTRUCTIONS = (
    "For every candidate clause, judge whether the clause by itself answers the question as asked: "
    "yes (it states the rule, duty, right, figure or consequence the asker needs), partly (same subject, but it does "
    "not answer what is asked), no. Judge each clause on its own; several may be yes, or none. Write a JSON object "
    "mapping every tag to {\"judgment\": \"yes\"|\"partly\"|\"no\", \"reason\": \"…\"}.")


@dataclass(frozen=True)
class Run:
    """One ``policyqa eval`` results file and the index it was run on."""

    results: Path
    index: Path

    @property
    def name(self) -> str:
        return f"{self.results}@{self.index}"

    @classmethod
    def parse(cls, spec: str) -> "Run":
        results, sep, index = spec.partition("@")
        if not sep or not results or not index:
            raise UserError(f"运行须写成 RESULTS.jsonl@INDEX_DIR (a run is RESULTS.jsonl@INDEX_DIR, got {spec!r})")
        run = cls(Path(results), Path(index))
        if not run.results.is_file():
            raise UserError(f"找不到结果文件 (results file not found): {run.results}")
        if not run.index.is_dir():
            raise UserError(f"找不到索引 (index folder not found): {run.index}")
        return run


def first_citation(record: dict) -> str | None:
    """The clause a results record cites first, None for a refusal."""
    return None if record["refused"] or not record["citations"] else record["citations"][0]["clause_id"]


def _records(run: Run) -> dict[str, dict]:
    try:
        lines = run.results.read_text(encoding="utf-8").splitlines()
        return {r["id"]: r for r in (json.loads(line) for line in lines if line.strip())}
    except (ValueError, KeyError) as exc:
        raise UserError(f"{run.results} 不是 policyqa eval 的结果文件 (not a results file of policyqa eval: {exc})")


def _write_json(path: Path, data) -> None:
    """Written whole or not at all: a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def make_pool(runs: list[Run], out: Path, seed: int = 0) -> tuple[int, int]:
    """Write the judge's file and the key into ``out``; returns (questions pooled, questions answered alike)."""
    from policyqa.index.retriever import load_index

    if len({run.name for run in runs}) < 2:
        raise UserError("至少需要两个不同的运行 (pooling compares at least two different runs)")
    records = [_records(run) for run in runs]
    ids = [qid for qid in records[0] if all(qid in r for r in records[1:])]
    if not ids:
        raise UserError("这些运行没有共同的问题 (the runs share no question id)")
    differing = [qid for qid in ids if len({first_citation(r[qid]) for r in records}) > 1]
    pools = {qid: list(dict.fromkeys([*records[0][qid]["relevant"],
                                      *(c for r in records if (c := first_citation(r[qid])))]))
             for qid in differing}
    wanted = {c for pool in pools.values() for c in pool}
    clauses, in_index = {}, {}
    for run in runs:
        index = load_index(run.index)
        found = {c: clause for c in wanted if (clause := index.clause(c)) is not None}
        in_index[run.name] = sorted(found)
        for c, clause in found.items():
            clauses.setdefault(c, clause)
    if missing := sorted(wanted - set(clauses)):
        raise UserError(f"这些条款不在任何一个索引里 (clauses in no run's index): {', '.join(missing[:5])}")
    rng = random.Random(seed)
    questions, tags = [], {}
    for qid in differing:
        pool = pools[qid][:]
        rng.shuffle(pool)
        candidates = []
        for n, clause_id in enumerate(pool, 1):
            clause = clauses[clause_id]
            tags[f"{qid}#{n}"] = clause_id
            candidates.append({"tag": f"{qid}#{n}", "document": clause.doc_title, "label": clause.label,
                               "text": clause.text})
        questions.append({"question_id": qid, "question": records[0][qid]["question"], "candidates": candidates})
    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / JUDGE_FILE, {"instructions": INSTRUCTIONS, "questions": questions})
    _write_json(out / KEY_FILE, {
        "runs": [{"name": run.name, "results": str(run.results), "index": str(run.index)} for run in runs],
        "tags": tags, "in_index": in_index, "same": len(ids) - len(differing),
        "first": {run.name: {qid: first_citation(r[qid]) for qid in differing} for run, r in zip(runs, records)},
        "labels": {qid: records[0][qid]["relevant"] for qid in differing}})
    return len(differing), len(ids) - len(differing)


def read_verdicts(path: Path, tags: dict[str, str]) -> dict[str, str]:
    """The judge's verdict per tag (``{"tag": "yes"}`` or ``{"tag": {"judgment": "yes", …}}``); every tag needed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"读不了判断文件 (cannot read the judgments {path}: {exc})")
    verdicts = {tag: (v.get("judgment") if isinstance(v, dict) else v) for tag, v in raw.items()}
    if missing := sorted(set(tags) - set(verdicts)):
        raise UserError(f"还有 {len(missing)} 个候选未判断 ({len(missing)} tags not judged, e.g. {missing[0]})")
    if wrong := sorted(t for t in tags if verdicts[t] not in VERDICTS):
        raise UserError(f"判断只能是 yes/partly/no (verdicts are yes, partly or no; {wrong[0]}: {verdicts[wrong[0]]!r})")
    return {tag: verdicts[tag] for tag in tags}


def score_pool(out: Path, judgments: Path) -> dict:
    """Per run, on the pooled questions: right by the judge, right by the labels, out of how many."""
    try:
        key = json.loads((out / KEY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{out} 不是 eval-pool make 写的目录 (not a folder written by eval-pool make: {exc})")
    verdicts = read_verdicts(judgments, key["tags"])
    answering: dict[str, set[str]] = {}
    for tag, clause_id in key["tags"].items():
        if verdicts[tag] == "yes":
            answering.setdefault(tag.rsplit("#", 1)[0], set()).add(clause_id)
    scores = {}
    for run in key["runs"]:
        name, present = run["name"], set(key["in_index"][run["name"]])
        judged = labelled = 0
        for qid, cited in key["first"][name].items():
            yes = answering.get(qid, set()) & present  # what this run's index could have cited
            judged += (cited in yes) if cited else not yes
            labels = key["labels"][qid]
            labelled += (cited in labels) if cited else not labels
        scores[name] = {"pooled": len(key["first"][name]), "judged_right": judged, "labelled_right": labelled}
    return {"same": key["same"], "runs": scores}


def _make(args: argparse.Namespace) -> int:
    pooled, same = make_pool([Run.parse(s) for s in args.runs], Path(args.out), args.seed)
    print(f"{pooled} 个问题待判断，{same} 个问题各运行回答相同 ({pooled} questions pooled, {same} answered alike); "
          f"give {Path(args.out) / JUDGE_FILE} to the judge, keep {KEY_FILE} from them")
    return 0


def _score(args: argparse.Namespace) -> int:
    result = score_pool(Path(args.pool), Path(args.judgments))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['same']} questions answered alike by every run; on the others:")
    for name, s in result["runs"].items():
        print(f"  {name}\n    judged right {s['judged_right']:>4} / {s['pooled']}   "
              f"right by the labels {s['labelled_right']:>4} / {s['pooled']}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("eval-pool", help="judge blind what runs answer differently (labels incomplete)")
    commands = p.add_subparsers(dest="pool_command", required=True)
    make = commands.add_parser("make", help="pool the questions the runs answer differently, for a blind judge")
    make.add_argument("runs", nargs="+", metavar="RESULTS.jsonl@INDEX_DIR",
                      help="results files of policyqa eval (results-hybrid.jsonl …), each with the index it ran on")
    make.add_argument("--out", required=True, metavar="DIR", help=f"where to write {JUDGE_FILE} and {KEY_FILE}")
    make.add_argument("--seed", type=int, default=0, help="the shuffle of each question's candidates")
    make.set_defaults(handler=_make)
    score = commands.add_parser("score", help="score each run against the judge's verdicts")
    score.add_argument("pool", metavar="DIR", help="the folder eval-pool make wrote")
    score.add_argument("judgments", metavar="JUDGMENTS.json", help="tag → yes | partly | no")
    score.add_argument("--json", action="store_true", help="print the scores as JSON")
    score.set_defaults(handler=_score)
