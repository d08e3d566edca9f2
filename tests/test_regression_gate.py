"""The regression gate: frozen question sets answered through the real pipeline must stay above their floors.

The sets were never used to fit the ranker or to write any rule (eval/README.md); the floors are what the shipped
model scored on them when it was fitted, less one question's worth, so a change that loses answers fails CI instead
of being noticed by hand. Raise a floor when a change earns it; never lower one without saying why in the commit.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from policyqa.eval.metrics import answer_metrics
from policyqa.eval.questions import read_questions
from policyqa.eval.runner import run_question

EVAL = Path(__file__).resolve().parents[1] / "eval"
# set → (first citation, refusal recall) at least, false refusals at most
FLOORS = {
    "holdout": (0.92, 0.90, 0.012),  # shipped model: 82/88 first citations, 21/22 refused, 0 falsely refused
    "holdout4": (0.92, 0.92, 0.016),  # 62/66, 13/14, 0
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_a_frozen_set_stays_above_its_floors(assistant, name):
    first, recall, false_refusals = FLOORS[name]
    questions = read_questions(EVAL / f"{name}_questions.jsonl")
    metrics = answer_metrics([run_question(assistant, q, "hybrid") for q in questions])
    assert metrics["first_citation_accuracy"] >= first, metrics
    assert metrics["refusal_recall"] >= recall, metrics
    assert metrics["false_refusal_rate"] <= false_refusals, metrics
    assert metrics["verbatim_quote_rate"] == 1.0
