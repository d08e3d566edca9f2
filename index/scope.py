"""Which documents are outside a question's places: a local rule of a place the question does not name ranks lower.

The same national law is restated by many provinces' and cities' rules (「浙江省实施《残疾人保障法》办法」). Over a
whole national corpus their near-copies fill the candidates of a question that names no place, and the national
article it means falls out of them; a question about one province meets the same rules of every other province.
A document's reach is read once per index from its title and issuer (:func:`policyqa.corpus.supports.reach_of`); a
question's places are the provinces of the places it names (the caller reads them, see
:func:`question_provinces`). Out-of-scope clauses are demoted in the fused score, not removed: a rule of another
place still answers when nothing in scope comes close.
"""
from __future__ import annotations

from collections.abc import Collection

import numpy as np

from policyqa.corpus.models import Clause
from policyqa.corpus.supports import places, reach_of

OUT_OF_SCOPE_PENALTY = 1.0  # standard-score units, as SUPERSEDED_PENALTY (see index.fusion); measured in docs/results.md


def question_provinces(question: str) -> tuple[str, ...]:
    """The provinces of the places ``question`` names, in order (「杭州」→ 浙江省, 「山东」→ 山东省)."""
    province_of, pattern = places()
    return tuple(dict.fromkeys(province_of[m.group()] for m in pattern.finditer(question)))


class DocumentScopes:
    """Each document's reach: national, or local to a province (a city's rule: its province)."""

    def __init__(self, documents: list[dict]) -> None:
        reaches = [reach_of(d.get("title") or "", d.get("issuer")) for d in documents]
        self._number = {d["doc_id"]: i for i, d in enumerate(documents)}
        self._local = np.array([r.level != "national" for r in reaches], dtype=bool)
        self._province = [r.province or r.place or "" for r in reaches]
        self._code = {name: i for i, name in enumerate(dict.fromkeys(self._province))}
        self._province_code = np.array([self._code[p] for p in self._province], dtype=np.int32)

    def outside(self, provinces: Collection[str]) -> np.ndarray:
        """Per document: a local rule of none of ``provinces``."""
        wanted = [self._code[p] for p in provinces if p in self._code]
        return self._local & ~np.isin(self._province_code, wanted) if wanted else self._local

    def common_place(self, doc_ids: Collection[str]) -> str | None:
        """The one place ``doc_ids`` are all local rules of, as :meth:`outside` reads places (a city the place
        vocabulary does not hold, 「临州市」, by its own name); None where one is national, or they are of several."""
        numbers = [self._number.get(d) for d in doc_ids]
        if not numbers or None in numbers or not all(self._local[i] for i in numbers):
            return None
        places = {self._province[i] for i in numbers}
        return places.pop() if len(places) == 1 else None

    def is_outside(self, clause: Clause, provinces: Collection[str]) -> bool:
        """Whether ``clause`` is of a local rule of none of ``provinces`` (a clause of a document not in the index:
        read from its title)."""
        i = self._number.get(clause.doc_id)
        if i is None:
            reach = reach_of(clause.doc_title, None)
            return reach.level != "national" and (reach.province or reach.place) not in provinces
        return bool(self._local[i] and self._province[i] not in provinces)
