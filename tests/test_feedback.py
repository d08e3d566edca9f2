"""The feedback log (assistant/feedback.py) and its conversion to a question set (policyqa eval-feedback)."""
from __future__ import annotations

import json
import threading

import pytest

from policyqa.assistant.cli import main
from policyqa.assistant.feedback import FeedbackRecord, feedback_dir, read_feedback, record_feedback
from policyqa.assistant.followup import HistoryTurn
from policyqa.corpus.errors import UserError
from policyqa.eval.questions import read_questions


def test_the_folder_is_configurable(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYQA_FEEDBACK_DIR", str(tmp_path / "fb"))
    assert feedback_dir() == tmp_path / "fb"
    monkeypatch.delenv("POLICYQA_FEEDBACK_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert feedback_dir() == tmp_path / "data" / "policyqa" / "feedback"


def test_concurrent_verdicts_are_whole_lines(assistant, tmp_path):
    answer = assistant.ask("养老机构的水电气热能按居民价格收费吗？")
    record = FeedbackRecord.of(answer, "up", "很清楚")
    threads = [threading.Thread(target=record_feedback, args=(record, tmp_path)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (path,) = tmp_path.iterdir()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and all(json.loads(line)["question"] == answer.question for line in lines)
    back = read_feedback(path)[0]
    assert back.verdict == "up" and back.comment == "很清楚" and back.citations[0].clause_id == \
        answer.citations[0].clause_id and back.citations[0].quote == answer.citations[0].quote


def test_an_unwritable_folder_is_a_clear_error(assistant, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    record = FeedbackRecord.of(assistant.ask("家庭托育点需要登记备案吗"), "down")
    with pytest.raises(UserError, match="反馈未能保存"):
        record_feedback(record, blocker / "sub")


def test_feedback_becomes_a_question_set_for_review(assistant, tmp_path, capsys):
    first = assistant.ask("养老机构用水用电按什么价格收费？")
    follow = assistant.ask("那托育机构呢？",
                           history=[HistoryTurn(first.question, tuple(c.clause_id for c in first.citations))])
    folder = tmp_path / "fb"
    record_feedback(FeedbackRecord.of(first, "up"), folder)
    record_feedback(FeedbackRecord.of(follow, "down", "答非所问", history=[first.question]), folder)
    record_feedback(FeedbackRecord.of(follow, "down"), folder)  # the same verdict twice: one question
    (log,) = folder.iterdir()
    out = tmp_path / "review.jsonl"
    assert main(["eval-feedback", str(log), str(out)]) == 0
    assert "👎 待审核 1" in capsys.readouterr().out
    up, down = read_questions(out)
    assert up.question == first.question and list(up.relevant) == [c.clause_id for c in first.citations]
    assert down.question == follow.resolved_question and down.relevant == ()
    assert "待审核" in down.note and "答非所问" in down.note and "那托育机构呢" in down.note


def test_a_broken_line_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"verdict": "up"}\n', encoding="utf-8")
    assert main(["eval-feedback", str(bad), str(tmp_path / "out.jsonl")]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err and not (tmp_path / "out.jsonl").exists()
