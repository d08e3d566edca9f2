"""Latency of the eligibility check (p50/p95) on the bundled corpus and on a ~20,000-clause law corpus.

The check reads only the index folder's catalogue (``supports.jsonl``), clauses and documents; no embedding is
involved. Three measurements:

* ``bundled``: an index of the bundled corpus built fresh (default embedder) in a temporary folder, loaded with
  ``EligibilityChecker.from_folder`` (checksums verified), then checked;
* ``--index DIR`` (repeatable): any existing index folder, loaded and checked the same way;
* ``laws``: the law corpus of ``benchmarks/bench_retrieval.py`` (the files of ``eval/law_subset.txt`` first, then
  sorted paths, whole files, at least ``--law-clauses`` clauses) parsed, its catalogue extracted exactly as a build
  does, and the checker made from those objects — what loading its index folder would give, without the hour of
  embedding a 20,000-clause index takes on two shared cores.

Each run checks a fixed set of profiles (every kind, several regions and ownerships, four read from free text)
``--rounds`` times; latency is per check, free-text reading included.

    python benchmarks/bench_eligibility.py                       # bundled + ≥20,000 law clauses
    python benchmarks/bench_eligibility.py --skip-laws --index var/eligibility
    python benchmarks/bench_eligibility.py --skip-bundled --domain-first   # welfare laws first: more supports
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_retrieval import (DEFAULT_LAWS_DIR, load_average, machine, peak_rss_mib, select_law_files,  # noqa: E402
                             whole_files_until)

PROFILES = [
    {"kind": "养老机构", "ownership": "民办", "nonprofit": True, "beds": 80, "residents": ["失能"], "region": "济南"},
    {"kind": "养老机构", "ownership": "公办", "beds": 200, "residents": ["特困"], "region": "青岛市"},
    {"kind": "养老机构", "ownership": "公建民营", "services": ["医养结合", "内设医疗机构"], "region": "河南省郑州市"},
    {"kind": "社区养老服务机构", "services": ["助餐", "日间照料"], "region": "北京市朝阳区"},
    {"kind": "居家养老服务组织", "services": ["上门服务", "家庭养老床位"], "residents": ["高龄"], "region": "绍兴"},
    {"kind": "托育机构", "inclusive": True, "nonprofit": True, "region": "杭州"},
    {"kind": "家庭托育点", "region": "上海"},
    {"kind": "用人单位", "services": ["托育"], "region": "广州"},
    {"kind": "家庭", "residents": ["失能", "经济困难"], "region": "德州市"},
    {"kind": "养老机构"},
]
DOMAIN_RE = re.compile(r"养老|老年|托育|婴幼儿|社会福利|社会救助|慈善|残疾人|人口与计划生育|未成年人")
TEXTS = ["我们是济南的民办非营利养老院，80张床，收失能老人", "河南新乡一家公办敬老院，收特困老人60人",
         "我们是杭州的一家普惠托育中心，非营利", "我是在浙江绍兴帮家里照顾失能父亲的，家里能拿到什么补贴？"]


def stats(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 2), "max_ms": round(ms[-1], 2)}


def time_checks(checker, rounds: int) -> dict:
    from policyqa.assistant.eligibility import Profile, read_profile

    profiles = [Profile.model_validate(p) for p in PROFILES]
    timings, listed = [], []
    checker.check(profiles[0])  # warm the vocabularies' patterns
    for _ in range(rounds):
        for profile in profiles:
            started = time.perf_counter()
            result = checker.check(profile)
            timings.append(time.perf_counter() - started)
            listed.append(len(result.provisions))
        for text in TEXTS:
            started = time.perf_counter()
            result = checker.check(read_profile(text))
            timings.append(time.perf_counter() - started)
            listed.append(len(result.provisions))
    supports = sum(len(e.supports) for e in checker.catalogue)
    return {"check": stats(timings), "supports": supports, "documents": len(checker.catalogue),
            "provisions_listed_mean": round(statistics.mean(listed), 1)}


def from_folder(folder: Path, rounds: int) -> dict:
    from policyqa.assistant.eligibility import EligibilityChecker

    started = time.perf_counter()
    checker = EligibilityChecker.from_folder(folder)
    load = time.perf_counter() - started
    from policyqa.index.store import read_manifest

    manifest = read_manifest(folder)  # the current generation's (index.generations)
    return {"index": str(folder), "clauses": manifest["counts"]["clauses"], "load_s": round(load, 3),
            **time_checks(checker, rounds)}


def bundled(rounds: int) -> dict:
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    with tempfile.TemporaryDirectory() as tmp:
        build_index(load_corpus(), Path(tmp) / "bundled", progress=False)
        return from_folder(Path(tmp) / "bundled", rounds)


def domain_first(laws_dir: Path, min_clauses: int) -> tuple[list[Path], int]:
    """Whole files until ``min_clauses``: those whose name is about elderly care, childcare, welfare first (the
    heaviest catalogue a law corpus of that size can have), then sorted paths."""
    from policyqa.corpus.loading import discover

    files, _ = discover([laws_dir])
    return whole_files_until(sorted(files, key=lambda f: (not DOMAIN_RE.search(f.name), str(f))), min_clauses)


def laws(laws_dir: Path, min_clauses: int, rounds: int, domain: bool) -> dict:
    from policyqa.assistant.eligibility import EligibilityChecker
    from policyqa.corpus import load_corpus
    from policyqa.corpus.supports import catalogue

    files, clauses = (domain_first if domain else select_law_files)(laws_dir, min_clauses)
    corpus = load_corpus(files)
    started = time.perf_counter()
    entries = catalogue(corpus.documents)
    extract = time.perf_counter() - started
    checker = EligibilityChecker(entries, corpus.clauses, [d.meta.to_dict() for d in corpus.documents])
    return {"files": len(files), "clauses": len(corpus.clauses), "catalogue_extraction_s": round(extract, 2),
            **time_checks(checker, rounds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="passes over the profile set (default 10)")
    parser.add_argument("--index", action="append", default=[], metavar="DIR", help="also measure this index folder")
    parser.add_argument("--laws-dir", default=str(DEFAULT_LAWS_DIR))
    parser.add_argument("--law-clauses", type=int, default=20_000)
    parser.add_argument("--skip-laws", action="store_true")
    parser.add_argument("--domain-first", action="store_true",
                        help="law corpus: files on elderly care, childcare and welfare first (a heavier catalogue)")
    parser.add_argument("--skip-bundled", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict = {"machine": machine()}
    if not args.skip_bundled:
        results["bundled"] = bundled(args.rounds)
    for folder in args.index:
        results[f"index {folder}"] = from_folder(Path(folder), args.rounds)
    if not args.skip_laws:
        results["laws"] = laws(Path(args.laws_dir), args.law_clauses, args.rounds, args.domain_first)
    results["load_average"] = load_average()
    results["peak_rss_mib"] = round(peak_rss_mib(), 1)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    print(f"{'corpus':<40} {'clauses':>8} {'supports':>9} {'check p50':>10} {'p95':>9} {'max':>9} {'listed':>7}")
    for name, r in results.items():
        if isinstance(r, dict) and "check" in r:
            c = r["check"]
            print(f"{name:<40} {r['clauses']:>8} {r['supports']:>9} {c['p50_ms']:>8.1f}ms {c['p95_ms']:>7.1f}ms "
                  f"{c['max_ms']:>7.1f}ms {r['provisions_listed_mean']:>7}")
    for name, r in results.items():
        if isinstance(r, dict) and "load_s" in r:
            print(f"{name}: checker loaded from the folder (checksums verified) in {r['load_s']:.2f} s")
    if "laws" in results:
        print(f"laws: {results['laws']['files']} files; catalogue extracted in "
              f"{results['laws']['catalogue_extraction_s']:.1f} s (at build time)")
    print(f"load average {results['load_average']}, peak RSS {results['peak_rss_mib']} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
