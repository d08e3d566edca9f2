"""The BEIR layout: ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv``.

Export writes a question set with the clauses of an index; import reads a BEIR folder back as a question set.
Questions the corpus cannot answer have no qrels rows, so export marks every query with
``metadata.answerable``; import keeps the queries judged in the split (a query judged with no relevant clause
is unanswerable) plus those marked unanswerable, and skips the rest (in BEIR datasets, other splits' queries).
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path

from policyqa.corpus.titles import book_title

from .questions import Question, QuestionSetError, question_from_dict

QRELS_HEADER = ("query-id", "corpus-id", "score")
DEFAULT_TYPE = "beir"


def _write_jsonl(path: Path, rows: Iterable[dict]) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def corpus_row(clause: dict) -> dict:
    """A clause dict (``Clause.to_dict()``) as a BEIR corpus record."""
    return {
        "_id": clause["clause_id"],
        "title": f"{book_title(clause['doc_title'])}{clause['label']}",
        "text": clause["text"],
        "metadata": {"doc_id": clause["doc_id"], "label": clause["label"], "part": clause["part"]},
    }


def export_beir(questions: list[Question], clauses: Iterable[dict], out: Path, split: str = "test") -> dict[str, int]:
    """Write the three BEIR files; returns how many corpus rows, queries and qrels rows were written."""
    out = Path(out)
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    n_corpus = _write_jsonl(out / "corpus.jsonl", (corpus_row(c) for c in clauses))
    queries = []
    for q in questions:
        metadata = {"type": q.type, "answerable": q.answerable}
        if q.note is not None:
            metadata["note"] = q.note
        queries.append({"_id": q.id, "text": q.question, "metadata": metadata})
    n_queries = _write_jsonl(out / "queries.jsonl", queries)
    rows = [(q.id, cid, 1) for q in questions for cid in q.relevant]
    with (out / "qrels" / f"{split}.tsv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(QRELS_HEADER)
        writer.writerows(rows)
    return {"corpus": n_corpus, "queries": n_queries, "qrels": len(rows)}


def _read_jsonl(path: Path) -> Iterable[tuple[str, dict]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise QuestionSetError(f"找不到 {path} (BEIR file not found)") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}:{n}: 不是有效的 JSON (invalid JSON: {exc.msg})") from None
        if not isinstance(row, dict) or "_id" not in row:
            raise QuestionSetError(f"{path}:{n}: 缺少 _id (a BEIR record needs an '_id')")
        yield f"{path}:{n}", row


def read_qrels(path: Path) -> dict[str, list[str]]:
    """Relevant corpus ids (score > 0) per judged query id, in file order; the header row is optional."""
    relevant: dict[str, list[str]] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise QuestionSetError(f"找不到 {path} (BEIR qrels file not found)") from None
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), 1):
        if not row or (n == 1 and tuple(row) == QRELS_HEADER):
            continue
        try:
            qid, cid, score = row
            grade = float(score)
        except ValueError:
            raise QuestionSetError(f"{path}:{n}: 应为 query-id、corpus-id、score 三列 "
                                   "(expected three tab-separated columns: query-id, corpus-id, score)") from None
        cids = relevant.setdefault(qid, [])
        if grade > 0 and cid not in cids:
            cids.append(cid)
    return relevant


def import_beir(folder: Path, split: str = "test") -> list[Question]:
    folder = Path(folder)
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    corpus_path = folder / "corpus.jsonl"
    if corpus_path.exists():
        known = {str(row["_id"]) for _, row in _read_jsonl(corpus_path)}
        unknown = sorted({cid for cids in qrels.values() for cid in cids} - known)
        if unknown:
            raise QuestionSetError(f"qrels 引用了 corpus.jsonl 中没有的条款 (qrels name corpus ids missing from "
                                   f"corpus.jsonl): {', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}")
    questions = []
    for where, row in _read_jsonl(folder / "queries.jsonl"):
        qid = str(row["_id"])
        metadata = row.get("metadata") or {}
        if qid not in qrels and metadata.get("answerable") is not False:
            continue
        record = {"id": qid, "question": row.get("text"), "relevant": qrels.get(qid, []),
                  "type": metadata.get("type") or DEFAULT_TYPE}
        if metadata.get("note") is not None:
            record["note"] = metadata["note"]
        questions.append(question_from_dict(record, where))
    if not questions:
        raise QuestionSetError(f"{folder}: split {split} 中没有问题 (no queries with qrels in split {split!r})")
    return questions
