"""A question about the penalty for breaking a duty, answered by the article that sets the penalty.

「开发商不把小区的养老用房交给民政，会怎么罚？」 shares its words with the duty (第十条: 建设单位…移交…民政部门),
so the duty ranks first; the penalty is in the 法律责任 article that names the duty by number:
「违反本条例第十条规定，建设单位未按期移交配套养老服务用房的，…处五万元以上十万元以下罚款」.
"""
from __future__ import annotations

import re

from policyqa.corpus.models import Clause
from policyqa.corpus.vocab import alternation, words
from policyqa.index import Hit

# 「会受到什么处理」 asks for a penalty; 「补贴怎么处理」 does not.
PENALTY_ASKED_RE = re.compile(r"罚|处分|后果|法律责任|追究|什么责任|受到?(?:什么|怎样|哪些)?处理")
PENALTY_RE = re.compile(r"罚款|处罚|处分|责令|追究|吊销|没收")  # what a penalty article does
_ARTICLE = r"第[零〇一二三四五六七八九十百千]+条"
# 「违反本条例第十条规定」「违反本法第二十条、第二十一条规定」: the duties a penalty article is about.
_BREACH_RE = re.compile(rf"违反本(?:{alternation(words('document_kinds', 'rules', 'policies'))})((?:{_ARTICLE}(?:第[一二三四五六七八九十]+款)?[、，和及或]?)+)")


def breached_articles(text: str) -> set[str]:
    """The labels of the articles whose breach a penalty article punishes (「第十条」)."""
    return {label for m in _BREACH_RE.finditer(text) for label in re.findall(_ARTICLE, m.group(1))}


def with_penalty_article(hits: list[Hit], document_clauses: list[Clause]) -> list[Hit]:
    """``hits`` with the article punishing a breach of the first hit just after it, when the first hit sets a duty
    and that article was not retrieved; ``document_clauses`` are the first hit's document's. Whether it answers is
    the ranker's call (the question asks about a penalty, the article punishes the first hit's duty)."""
    if not hits or PENALTY_RE.search(hits[0].clause.text):
        return hits
    duty = hits[0]
    penalty = next((c for c in document_clauses if duty.clause.label in breached_articles(c.text)), None)
    if penalty is None or any(h.clause.clause_id == penalty.clause_id for h in hits):
        return hits
    linked = Hit(clause=penalty, score=duty.score, dense_score=duty.dense_score)
    return [duty, linked] + hits[1:]
