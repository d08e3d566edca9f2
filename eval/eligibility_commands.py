"""``policyqa eval-eligibility PROFILES.jsonl [--index DIR] [--json]``."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from policyqa.index.backends import add_index_options


def evaluate(args: argparse.Namespace) -> int:
    from policyqa.assistant.eligibility import EligibilityChecker
    from policyqa.index.backends import MilvusLocation, index_location, open_index
    from policyqa.index.generations import current_folder
    from policyqa.index.store import default_index_dir

    from .eligibility import evaluate as run, read_cases

    location = index_location(args)  # hook (index.backends): a folder or a Milvus collection
    folder = location or default_index_dir()
    if isinstance(location, MilvusLocation):
        index = open_index(location)
        checker, clause_text = EligibilityChecker.for_index(index), {c.clause_id: c.text for c in index.clauses}
    else:
        checker = EligibilityChecker.from_folder(folder)
        clause_text = {}
        with (current_folder(folder) / "clauses.jsonl").open(encoding="utf-8") as f:  # hook: the current generation
            for line in f:
                data = json.loads(line)
                clause_text[data["clause_id"]] = data["text"]
    report = run(checker, read_cases(Path(args.profiles)), clause_text)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"资格自查集 eligibility set: {args.profiles} — {report['profiles']} profiles, index {folder}")
    print(f"  must-list recall (listed: applies/conditional/local_rules): {report['recall']:.3f} "
          f"of {report['must_list']}")
    print(f"  must-not listed as applying:                              {report['wrongly_applying']:.3f} "
          f"of {report['must_not']}")
    print(f"  must-not listed at all (any verdict):                     {report['must_not_listed']:.3f}")
    print(f"  verbatim quotes:                                          {report['verbatim']:.3f}")
    print(f"  provisions listed per profile:                            {report['provisions_per_profile']:.1f}")
    if report["unreadable"]:
        print(f"  profiles that could not be read (counted as listing nothing): {', '.join(report['unreadable'])}")
    if report["unknown_ids"]:
        print(f"  ids not in the index (left out of the figures): {', '.join(report['unknown_ids'])}")
    for case in report["cases"]:
        if case["missed"] or case["wrongly_applying"]:
            print(f"  {case['id']}: missed {case['missed']}  wrongly applying {case['wrongly_applying']}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("eval-eligibility", help="measure the eligibility check on a profile set")
    p.add_argument("profiles", help="JSON lines: {id, profile | text, must_list, must_not, note}")
    add_index_options(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=evaluate)
