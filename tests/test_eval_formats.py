"""The question-set JSONL format, the BEIR layout and TREC files, on the real question sets and corpus."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import ir_measures
import pytest

from policyqa.corpus.errors import UserError
from policyqa.eval.beir import export_beir, import_beir
from policyqa.eval.questions import Question, QuestionSetError, read_questions, write_questions
from policyqa.eval.results import QuestionResult
from policyqa.eval.trec import TrecFormatError, qrels_lines, run_lines, write_lines

EVAL = Path(__file__).resolve().parents[1] / "eval"


@pytest.mark.parametrize("name,total,unanswerable", [
    ("seed_questions.jsonl", 215, 40), ("dev_questions.jsonl", 150, 30), ("holdout_questions.jsonl", 110, 22),
    ("chat_questions.jsonl", 60, 8), ("law_questions.jsonl", 91, 15)])
def test_bundled_question_sets_read(name, total, unanswerable):
    questions = read_questions(EVAL / name)
    assert len(questions) == total
    assert sum(1 for q in questions if not q.answerable) == unanswerable
    assert all(q.type == "unanswerable" for q in questions if not q.answerable)


def test_write_then_read_gives_the_same_questions(tmp_path):
    questions = read_questions(EVAL / "seed_questions.jsonl")
    write_questions(tmp_path / "copy.jsonl", questions)
    assert read_questions(tmp_path / "copy.jsonl") == questions
    assert (tmp_path / "copy.jsonl").read_text(encoding="utf-8") == (EVAL / "seed_questions.jsonl").read_text(encoding="utf-8")


@pytest.mark.parametrize("line,message", [
    ('{"id": "a", "question": "q", "relevant": []', "invalid JSON"),
    ('["a"]', "expected a JSON object"),
    ('{"id": "a", "question": "q", "relevant": [], "type": "t", "relevent": []}', "unknown fields"),
    ('{"id": "a", "question": "", "relevant": [], "type": "t"}', "'question' must be a non-empty string"),
    ('{"id": "a 1", "question": "q", "relevant": [], "type": "t"}', "'id' must not contain whitespace"),
    ('{"id": "a", "question": "q", "type": "t"}', "'relevant' must be a list"),
    ('{"id": "a", "question": "q", "relevant": "x:一", "type": "t"}', "'relevant' must be a list"),
    ('{"id": "a", "question": "q", "relevant": ["x:一", "x:一"], "type": "t"}', "duplicate clause ids"),
    ('{"id": "a", "question": "q", "relevant": [], "type": "t", "note": 3}', "'note' must be a string"),
])
def test_malformed_lines_are_reported_with_their_line_number(tmp_path, line, message):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "ok", "question": "q", "relevant": [], "type": "t"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match=message) as info:
        read_questions(path)
    assert f"{path}:2" in str(info.value) and isinstance(info.value, UserError)


@pytest.mark.parametrize("reader", ["questions", "conversations", "profiles", "feedback"])
def test_every_record_file_names_the_line_that_is_not_json_and_the_file_that_is_missing(tmp_path, reader):
    """Question sets, conversation sets, eligibility profiles and feedback logs share one JSON-lines reader."""
    from policyqa.assistant.feedback import read_feedback
    from policyqa.eval.conversations import read_conversations
    from policyqa.eval.eligibility import read_cases
    read = {"questions": read_questions, "conversations": read_conversations, "profiles": read_cases,
            "feedback": read_feedback}[reader]
    path = tmp_path / "records.jsonl"
    path.write_text("\n{broken\n", encoding="utf-8")
    with pytest.raises(UserError, match="invalid JSON") as info:
        read(path)
    assert f"{path}:2" in str(info.value)
    with pytest.raises(UserError, match="file not found"):
        read(tmp_path / "absent.jsonl")


def test_duplicate_ids_missing_and_empty_files(tmp_path):
    row = '{"id": "a", "question": "q", "relevant": [], "type": "t"}\n'
    (tmp_path / "dup.jsonl").write_text(row * 2, encoding="utf-8")
    with pytest.raises(QuestionSetError, match="duplicate question id"):
        read_questions(tmp_path / "dup.jsonl")
    with pytest.raises(QuestionSetError, match="not found"):
        read_questions(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match="empty"):
        read_questions(tmp_path / "empty.jsonl")


def test_beir_round_trip(tmp_path, bundled_corpus):
    questions = read_questions(EVAL / "seed_questions.jsonl")
    clauses = [c.to_dict() for c in bundled_corpus.clauses]
    counts = export_beir(questions, clauses, tmp_path)
    relevant_rows = sum(len(q.relevant) for q in questions)
    assert counts == {"corpus": len(clauses), "queries": len(questions), "qrels": relevant_rows}

    corpus = [json.loads(line) for line in (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    first = bundled_corpus.clauses[0]
    assert corpus[0] == {"_id": first.clause_id, "title": f"《{first.doc_title}》{first.label}", "text": first.text,
                         "metadata": {"doc_id": first.doc_id, "label": first.label, "part": first.part}}
    rows = list(csv.reader((tmp_path / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t"))
    assert rows[0] == ["query-id", "corpus-id", "score"] and len(rows) == relevant_rows + 1
    assert import_beir(tmp_path) == questions


def test_beir_import_of_a_foreign_dataset(tmp_path):
    """A BEIR dataset with several splits, integer ids, graded and zero scores, and no header row."""
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": d, "title": "", "text": d}) + "\n" for d in ("d1", "d2", "d3")), encoding="utf-8")
    (tmp_path / "queries.jsonl").write_text(
        "".join(json.dumps({"_id": qid, "text": text}) + "\n"
                for qid, text in ((1, "一"), (2, "二"), (3, "三"), (4, "四"))), encoding="utf-8")
    (tmp_path / "qrels" / "test.tsv").write_text("1\td2\t2\n1\td1\t1\n3\td3\t0\n", encoding="utf-8")
    (tmp_path / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n2\td1\t1\n", encoding="utf-8")
    assert import_beir(tmp_path) == [Question("1", "一", ("d2", "d1"), "beir"), Question("3", "三", (), "beir")]
    assert import_beir(tmp_path, split="train") == [Question("2", "二", ("d1",), "beir")]

    (tmp_path / "qrels" / "test.tsv").write_text("1\td9\t1\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match="d9"):
        import_beir(tmp_path)
    (tmp_path / "qrels" / "test.tsv").write_text("1 d1 1\n", encoding="utf-8")
    with pytest.raises(QuestionSetError, match="tab-separated"):
        import_beir(tmp_path)
    with pytest.raises(QuestionSetError, match="not found"):
        import_beir(tmp_path, split="dev")


def _result(qid: str, relevant: tuple[str, ...], ranking: tuple[str, ...]) -> QuestionResult:
    return QuestionResult(Question(qid, "问", relevant, "t"), ranking, tuple(0.5 for _ in ranking), False, "",
                          (), 0.0, 0.0)


def test_trec_files_keep_our_order_when_read_by_ir_measures(tmp_path):
    # equal retrieval scores: the run file's score column must still encode our order
    results = [_result("q1", ("慈善法(2023-12-29):第二十六条",), ("甲:（二）", "慈善法(2023-12-29):第二十六条", "甲:（一）")),
               _result("q2", (), ("甲:（一）",))]
    lines = run_lines(results, tag="policyqa-hybrid")
    assert lines[0] == "q1 Q0 甲:（二） 1 3 policyqa-hybrid"
    assert qrels_lines([r.question for r in results]) == ["q1 0 慈善法(2023-12-29):第二十六条 1"]
    write_lines(tmp_path / "run.trec", lines)
    write_lines(tmp_path / "qrels.trec", qrels_lines([r.question for r in results]))
    run = sorted(ir_measures.read_trec_run(str(tmp_path / "run.trec")), key=lambda d: (d.query_id, -d.score))
    assert [(d.query_id, d.doc_id) for d in run] == [("q1", "甲:（二）"), ("q1", "慈善法(2023-12-29):第二十六条"),
                                                     ("q1", "甲:（一）"), ("q2", "甲:（一）")]
    value = ir_measures.calc_aggregate([ir_measures.RR @ 10], ir_measures.read_trec_qrels(str(tmp_path / "qrels.trec")),
                                       ir_measures.read_trec_run(str(tmp_path / "run.trec")))
    assert value == {ir_measures.RR @ 10: 0.5}


def test_a_clause_id_with_whitespace_is_written_alike_in_the_run_and_the_qrels(tmp_path):
    # A clause labelled by its heading (「第二节 推动…」) holds a space; TREC's columns are split at whitespace.
    label = "规划:第二节 推动居家社区养老服务提质增效"
    lines = run_lines([_result("q1", (), (label, "规划:第一节\u3000总体要求"))], tag="t")
    assert lines[0] == "q1 Q0 规划:第二节%20推动居家社区养老服务提质增效 1 2 t"
    assert lines[1].split()[2] == "规划:第一节%E3%80%80总体要求"
    write_lines(tmp_path / "run.trec", lines)
    write_lines(tmp_path / "qrels.trec", qrels_lines([Question("q1", "问", (label,), "t")]))
    value = ir_measures.calc_aggregate([ir_measures.RR @ 10], ir_measures.read_trec_qrels(str(tmp_path / "qrels.trec")),
                                       ir_measures.read_trec_run(str(tmp_path / "run.trec")))
    assert value == {ir_measures.RR @ 10: 1.0}
    with pytest.raises(TrecFormatError, match="empty"):
        qrels_lines([Question("q1", "问", ("",), "t")])
