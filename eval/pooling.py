"""``policyqa eval-pool``: compare runs whose labels are incomplete, by judging blind what they answer differently.

Labels written for a few documents undercount once a run searches many more: another text states the same rule,
and a question "unanswerable" over 22 laws has an answer over 3,468. ``make`` pools, for every question the runs
answer differently (another first citation, or a refusal against an answer), the labelled clauses and each run's
first citation — shuffled, tagged, with their texts — into a file for a judge who sees neither the runs nor the
labels (TREC-style pooling). ``score`` reads the judge's verdicts back and scores each run on those questions: right
when its first citation was judged to answer the question, or when it refused and no pooled clause of its own index
was.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
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
    """The clause a results record cites first, None for a refusal (or an answer citing nothing)."""
    return None if record["refused"] or not record["citations"] else record["citations"][0]["clause_id"]


def _answer(record: dict) -> tuple[bool, str | None]:
    """What a run answered, as runs are compared: refused or not, and the first citation."""
    return bool(record["refused"]), first_citation(record)


def _valid(record) -> bool:
    return (isinstance(record, dict) and isinstance(record.get("id"), str) and isinstance(record.get("question"), str)
            and isinstance(record.get("relevant"), list) and isinstance(record.get("refused"), bool)
            and isinstance(record.get("citations"), list) and "failure" in record
            and all(isinstance(c, dict) and isinstance(c.get("clause_id"), str) for c in record["citations"]))


def _records(run: Run) -> dict[str, dict]:
    try:
        records = [json.loads(line) for line in run.results.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError) as exc:
        raise UserError(f"读不了结果文件 (cannot read the results {run.results}: {exc})")
    if not records or not all(_valid(r) for r in records):
        raise UserError(f"{run.results} 不是 policyqa eval 的结果文件 (not a results file of policyqa eval: each line "
                        f"an object with id, question, relevant, refused, citations, failure)")
    return {r["id"]: r for r in records}


def _write_folder(out: Path, files: dict[str, object]) -> None:
    """``out`` written whole or not at all: its files written into a temporary folder beside it, renamed into place
    (``out`` may exist only as an empty folder)."""
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        for name, data in files.items():
            (tmp / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise UserError(f"写不了 {out} (cannot write {out}: {exc})")


def _check_out(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out} 已存在且不是空目录 (exists and is not an empty folder: choose another --out)")
    if not out.parent.is_dir():
        raise UserError(f"找不到 {out.parent} (folder not found: {out.parent})")


def make_pool(runs: list[Run], out: Path, seed: int = 0) -> tuple[int, int]:
    """Write the judge's file and the key into ``out``; returns (questions pooled, questions answered alike)."""
    from policyqa.index.retriever import load_index

    if len(runs) < 2 or len({run.name for run in runs}) != len(runs):
        raise UserError("需要至少两个互不相同的运行 (pooling compares two or more different runs)")
    _check_out(out)
    records = [_records(run) for run in runs]
    ids = [qid for qid in records[0] if all(qid in r for r in records[1:])]
    if not ids:
        raise UserError("这些运行没有共同的问题 (the runs share no question id)")
    if any(sorted(r[qid]["relevant"]) != sorted(records[0][qid]["relevant"]) for r in records[1:] for qid in ids):
        raise UserError("这些运行的标注不同：不是同一个问题集 (the runs label a question differently: not one set)")
    differing = [qid for qid in ids if len({_answer(r[qid]) for r in records}) > 1]
    pools = {qid: list(dict.fromkeys([*records[0][qid]["relevant"],
                                      *(c for r in records if (c := first_citation(r[qid])))]))
             for qid in differing}
    wanted = {c for pool in pools.values() for c in pool}
    clauses, in_index = {}, {}
    for run, r in zip(runs, records):
        index = load_index(run.index)
        found = {c: clause for c in wanted if (clause := index.clause(c)) is not None}
        if foreign := sorted({c for qid in differing if (c := first_citation(r[qid]))} - set(found)):
            raise UserError(f"{run.results} 引用了 {run.index} 里没有的条款：结果与索引不配 (cites clauses its index "
                            f"lacks, e.g. {foreign[0]}: the results were not run on this index)")
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
    _write_folder(out, {JUDGE_FILE: {"instructions": INSTRUCTIONS, "questions": questions}, KEY_FILE: {
        "runs": [{"name": run.name, "results": str(run.results), "index": str(run.index)} for run in runs],
        "tags": tags, "in_index": in_index, "same": len(ids) - len(differing),
        "answers": {run.name: {qid: {"refused": r[qid]["refused"], "cited": first_citation(r[qid])}
                               for qid in differing} for run, r in zip(runs, records)},
        "labelled_right": {run.name: {qid: r[qid]["failure"] is None for qid in differing}  # as policyqa eval counts
                           for run, r in zip(runs, records)}}})
    return len(differing), len(ids) - len(differing)


def read_verdicts(path: Path, tags: dict[str, str]) -> dict[str, str]:
    """The judge's verdict per tag (``{"tag": "yes"}`` or ``{"tag": {"judgment": "yes", …}}``); every tag needed."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"读不了判断文件 (cannot read the judgments {path}: {exc})")
    if not isinstance(raw, dict):
        raise UserError(f"判断文件须是「标签 → 判断」的 JSON 对象 ({path} must be a JSON object: tag → verdict)")
    verdicts = {tag: (v.get("judgment") if isinstance(v, dict) else v) for tag, v in raw.items()}
    if unknown := sorted(set(verdicts) - set(tags)):
        raise UserError(f"判断文件里有这个池没有的标签 (tags this pool does not have, e.g. {unknown[0]}: "
                        f"judgments of another pool?)")
    if missing := sorted(set(tags) - set(verdicts)):
        raise UserError(f"还有 {len(missing)} 个候选未判断 ({len(missing)} tags not judged, e.g. {missing[0]})")
    if wrong := sorted(t for t in tags if verdicts[t] not in VERDICTS):
        raise UserError(f"判断只能是 yes/partly/no (verdicts are yes, partly or no; {wrong[0]}: {verdicts[wrong[0]]!r})")
    return {tag: verdicts[tag] for tag in tags}


def score_pool(out: Path, judgments: Path) -> dict:
    """Per run, on the pooled questions: right by the judge, right by the labels, out of how many."""
    try:
        key = json.loads((out / KEY_FILE).read_text(encoding="utf-8"))
        runs, tags, answers, labelled = key["runs"], key["tags"], key["answers"], key["labelled_right"]
        in_index = {run["name"]: set(key["in_index"][run["name"]]) for run in runs}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{out} 不是 eval-pool make 写的目录 (not a folder written by eval-pool make: {exc!r})")
    verdicts = read_verdicts(judgments, tags)
    answering: dict[str, set[str]] = {}
    for tag, clause_id in tags.items():
        if verdicts[tag] == "yes":
            answering.setdefault(tag.rsplit("#", 1)[0], set()).add(clause_id)
    scores = {}
    for run in runs:
        name = run["name"]
        judged = 0
        for qid, answer in answers[name].items():
            yes = answering.get(qid, set()) & in_index[name]  # what this run's index could have cited
            judged += not yes if answer["refused"] else answer["cited"] in yes
        scores[name] = {"pooled": len(answers[name]), "judged_right": judged,
                        "labelled_right": sum(labelled[name].values())}
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
