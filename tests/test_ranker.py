"""The fitted ranker: training by leave-one-set-out cross-validation through the real CLI, the shipped model, the
trace of an answer, and clear errors for a model file that cannot be used."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from policyqa.assistant.features import CANDIDATE_FEATURES, QUESTION_FEATURES
from policyqa.assistant.ranker import DEFAULT_MODEL, RankerModel
from policyqa.eval.fitting import choose_threshold, fit_logistic
from policyqa.corpus.errors import UserError

EVAL = Path(__file__).resolve().parents[1] / "eval"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "policyqa", *args], capture_output=True, text=True, timeout=900,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})


def _subset(source: Path, target: Path, answerable: int, unanswerable: int) -> Path:
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = [r for r in rows if r["relevant"]][:answerable] + [r for r in rows if not r["relevant"]][:unanswerable]
    target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
    return target


def test_train_ranker_reports_each_held_out_set_and_writes_a_usable_model(tmp_path, bundled_index_dir):
    first = _subset(EVAL / "chat_questions.jsonl", tmp_path / "a_questions.jsonl", 24, 6)
    second = _subset(EVAL / "holdout8_questions.jsonl", tmp_path / "b_questions.jsonl", 24, 6)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"sets": {"a": {"first_citation_accuracy": 0.5}}}), encoding="utf-8")
    model_path = tmp_path / "model.json"
    # The first set is also fitted on over a larger index (here the same one: the path is what is tested).
    result = _cli("train-ranker", f"{first}@{bundled_index_dir}+{bundled_index_dir}", f"{second}@{bundled_index_dir}",
                  "--baseline", str(baseline), "--out", str(model_path), "--quiet")
    assert result.returncode == 0, result.stderr
    table = result.stdout
    assert "| a |" in table and "| b |" in table and "**mean**" in table
    assert "0.500" in table  # the baseline's figure beside the cross-validation
    model = RankerModel.load(model_path)
    manifest = model.manifest
    assert set(manifest["cv_leave_one_set_out"]) == {"a", "b"}
    assert manifest["candidate_features"] == list(CANDIDATE_FEATURES)
    assert manifest["training_sets"]["a"]["questions"] == 30
    assert manifest["training_sets"]["a"]["also_fitted_over"] == [str(bundled_index_dir)]
    assert "also_fitted_over" not in manifest["training_sets"]["b"]
    assert set(model.thresholds) == {manifest["embedder"]} and 0.0 < model.thresholds[manifest["embedder"]] < 1.0
    # The written model answers through the same CLI when chosen by POLICYQA_RANKER.
    asked = _cli("ask", "养老机构的水电气热能按居民价格收费吗？", "--index", str(bundled_index_dir), "--json",
                 env={"POLICYQA_RANKER": str(model_path)})
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["citations"]


def test_train_ranker_needs_two_sets(tmp_path, bundled_index_dir):
    only = _subset(EVAL / "chat_questions.jsonl", tmp_path / "a_questions.jsonl", 5, 1)
    result = _cli("train-ranker", f"{only}@{bundled_index_dir}", "--quiet")
    assert result.returncode == 2 and "at least two" in result.stderr


def test_the_shipped_model_names_its_training_and_cross_validation():
    model = RankerModel.load(DEFAULT_MODEL)
    manifest = model.manifest
    assert manifest["candidate_features"] == list(CANDIDATE_FEATURES)
    assert manifest["question_features"] == list(QUESTION_FEATURES)
    assert len(manifest["training_sets"]) >= 5 and manifest["package_version"] and manifest["date"]
    assert {"first_citation_accuracy", "refusal_recall", "false_refusal_rate"} <= set(manifest["cv_mean"])
    assert set(model.thresholds) == {manifest["embedder"]}  # the threshold is the default embedder's


@pytest.mark.parametrize("content, message", [
    ("not json", "unreadable"),
    ("[]", "format"),
    ('{"format": 1, "ranking": {}}', "incomplete"),
])
def test_a_model_file_that_cannot_be_used_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        RankerModel.load(path)
    with pytest.raises(UserError, match="not found"):
        RankerModel.load(tmp_path / "absent.json")


def test_a_model_of_other_features_is_refused(tmp_path):
    data = json.loads(DEFAULT_MODEL.read_text(encoding="utf-8"))
    data["ranking"]["features"] = data["ranking"]["features"][:-1]
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(UserError, match="features differ"):
        RankerModel.load(path)


def test_saving_replaces_the_file_whole(tmp_path):
    model = RankerModel.load(DEFAULT_MODEL)
    target = tmp_path / "m.json"
    model.save(target)
    model.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert RankerModel.load(target).thresholds == model.thresholds


def test_logistic_fit_and_threshold_choice():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=400) > 0).astype(float)
    weights, bias = fit_logistic(x, y, l2=0.1)
    assert weights[0] > 0 > weights[1] and abs(bias) < 1
    probabilities = np.array([0.1, 0.2, 0.6, 0.7, 0.8, 0.9])
    answerable = np.array([0, 0, 1, 1, 1, 1])
    assert choose_threshold(probabilities, answerable, 0.0) == 0.6  # refuses no answerable question
    assert choose_threshold(probabilities, answerable, 0.25) == 0.7  # may refuse one of four


def test_explain_shows_why_the_first_clause_won_and_why_a_refusal_was_made(bundled_index_dir):
    answered = _cli("ask", "养老机构的水电气热能按居民价格收费吗？", "--index", str(bundled_index_dir), "--explain")
    assert answered.returncode == 0, answered.stderr
    assert "为什么是这条" in answered.stdout and "decision: answer" in answered.stdout
    assert "yanglao-gaige-2024:（十四）" in answered.stdout
    refused = _cli("ask", "育儿假一共有多少天？", "--index", str(bundled_index_dir), "--explain", "--json")
    data = json.loads(refused.stdout)
    assert data["refused"] and data["refusal_reason"]
    trace = data["trace"]
    assert trace["decision"]["answerable"] is False and trace["decision"]["probability"] < trace["decision"]["threshold"]
    assert trace["ranking"][0]["why"] and trace["analysis"]["terms"]
    plain = _cli("ask", "育儿假一共有多少天？", "--index", str(bundled_index_dir), "--json")
    assert json.loads(plain.stdout)["trace"] is None  # the trace is opt-in


def test_a_search_mode_without_one_side_is_scored_on_the_side_it_has(assistant):
    question = "养老机构的水电气热能按居民价格收费吗？"
    for mode in ("bm25", "dense"):
        answer = assistant.ask(question, mode=mode, explain=True)
        assert not answer.refused and answer.citations[0].clause_id == "yanglao-gaige-2024:（十四）", mode
        moved = {w["feature"] for item in answer.trace["ranking"] for w in item["why"]}
        assert not moved & ({"window_z", "clause_z"} if mode == "bm25" else {"bm25_z", "bm25_rank"})


def test_every_feature_has_a_name_in_the_why_panel():
    """「为什么是这条」 names what moved a clause in words: no feature is shown by its code name."""
    from policyqa.ui.render import FEATURE_NAMES

    assert set(CANDIDATE_FEATURES + QUESTION_FEATURES) <= set(FEATURE_NAMES)
    assert set(FEATURE_NAMES) <= set(CANDIDATE_FEATURES + QUESTION_FEATURES)  # none left from a retired feature


def test_a_place_no_loaded_document_names_is_a_question_feature(assistant):
    """The bundled corpus is national: a question about 上海 names a place no loaded text names; one about the
    country (全国) or with no place does not."""
    from policyqa.assistant.analysis import analyse
    from policyqa.assistant.features import candidates

    def flag(question: str) -> float:
        analysis = analyse(question, assistant.index)
        hits = assistant.index.search(analysis.search_text, k=10)
        return candidates(analysis, hits, assistant.index).flags["unloaded_place"]

    assert flag("上海市的养老机构水电气热按居民价格收费吗？") == 1.0
    assert flag("养老机构的水电气热能按居民价格收费吗？") == 0.0
    assert flag("全国的养老机构水电气热按居民价格收费吗？") == 0.0


def test_a_leave_tax_or_card_no_clause_names_is_a_question_feature(assistant):
    """A named leave the bundled corpus does not cover (育儿假 is named there; 探亲假 is not) is read as unnamed; the
    colloquial tail 「真的假的」 (「really?」), which jieba cuts as 真的假, names no leave."""
    from policyqa.assistant.analysis import analyse

    assert analyse("职工的探亲假有几天？", assistant.index).unnamed == ("探亲假",)
    assert analyse("听说家庭托育点要登记备案，真的假的", assistant.index).unnamed == ()
