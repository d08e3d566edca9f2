"""The eligibility set: profiles with the provisions that must be listed and those that must not apply.

Metrics (micro-averaged over every listed id of the set):
``recall`` — share of ``must_list`` provisions listed (any verdict: applies, conditional, local_rules);
``wrongly_applying`` — share of ``must_not`` provisions listed with the verdict ``applies``;
``must_not_listed`` — share of ``must_not`` provisions listed at all (conditional or local_rules included);
``verbatim`` — share of listed provisions whose quote is a verbatim substring of its clause.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from policyqa.assistant.eligibility import EligibilityChecker, EligibilityResult, profile_from
from policyqa.corpus.errors import UserError
from policyqa.corpus.jsonlines import json_lines


@dataclass(frozen=True)
class EligibilityCase:
    id: str
    profile: dict | None
    text: str | None
    must_list: tuple[str, ...]
    must_not: tuple[str, ...]
    note: str = ""


def read_cases(path: Path) -> list[EligibilityCase]:
    cases = []
    for where, data in json_lines(path, "资格自查集"):
        try:
            cases.append(EligibilityCase(str(data["id"]), data.get("profile"), data.get("text"),
                                         tuple(data.get("must_list") or ()), tuple(data.get("must_not") or ()),
                                         data.get("note", "")))
        except (KeyError, TypeError) as exc:
            raise UserError(f"{where}: 格式错误 (not a profile record: {exc!r})") from None
    return cases


@dataclass
class CaseResult:
    id: str
    profile: dict
    missed: list[str]
    wrongly_applying: list[str]
    listed_must_not: list[str]
    must_list: int
    must_not: int
    provisions: int
    verbatim: int
    unknown_ids: list[str] = field(default_factory=list)
    error: str | None = None  # the profile could not be read: nothing listed, every must-list id missed


def run_case(checker: EligibilityChecker, case: EligibilityCase, known: set[str],
             clause_text: dict[str, str]) -> CaseResult:
    try:
        result: EligibilityResult = checker.check(profile_from(case.profile, case.text))
    except UserError as exc:
        must_list = [c for c in case.must_list if c in known]
        return CaseResult(id=case.id, profile=case.profile or {"text": case.text}, missed=must_list,
                          wrongly_applying=[], listed_must_not=[], must_list=len(must_list),
                          must_not=sum(c in known for c in case.must_not), provisions=0, verbatim=0,
                          unknown_ids=[c for c in case.must_list + case.must_not if c not in known], error=str(exc))
    listed = {p.clause_id for p in result.provisions}
    applying = {p.clause_id for p in result.provisions if p.verdict == "applies"}
    must_list = [c for c in case.must_list if c in known]
    must_not = [c for c in case.must_not if c in known]
    return CaseResult(
        id=case.id, profile=result.profile.model_dump(),
        missed=[c for c in must_list if c not in listed], wrongly_applying=[c for c in must_not if c in applying],
        listed_must_not=[c for c in must_not if c in listed], must_list=len(must_list), must_not=len(must_not),
        provisions=len(result.provisions),
        verbatim=sum(p.quote in clause_text.get(p.clause_id, "") for p in result.provisions),
        unknown_ids=[c for c in case.must_list + case.must_not if c not in known])


def evaluate(checker: EligibilityChecker, cases: list[EligibilityCase], clause_text: dict[str, str]) -> dict:
    known = set(clause_text)
    results = [run_case(checker, case, known, clause_text) for case in cases]
    must_list = sum(r.must_list for r in results)
    must_not = sum(r.must_not for r in results)
    provisions = sum(r.provisions for r in results)
    return {
        "profiles": len(results),
        "must_list": must_list,
        "must_not": must_not,
        "recall": 1 - sum(len(r.missed) for r in results) / must_list if must_list else None,
        "wrongly_applying": sum(len(r.wrongly_applying) for r in results) / must_not if must_not else None,
        "must_not_listed": sum(len(r.listed_must_not) for r in results) / must_not if must_not else None,
        "verbatim": sum(r.verbatim for r in results) / provisions if provisions else None,
        "provisions_per_profile": provisions / len(results) if results else None,
        "unreadable": [r.id for r in results if r.error],
        "unknown_ids": sorted({c for r in results for c in r.unknown_ids}),
        "cases": [r.__dict__ for r in results],
    }
