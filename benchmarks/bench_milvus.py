"""The Milvus backend beside the local index folder: upload time, open time, search and ask latency, agreement.

Each index folder given is uploaded (its stored vectors; nothing embedded again) into a Milvus Lite file in a
temporary folder, or into the Milvus at ``--uri``; then the same questions are searched (bm25, dense, hybrid) and
asked on both, interleaved question by question, and the rankings compared.

    python benchmarks/bench_milvus.py var/bundled var/law --questions 60
    python benchmarks/bench_milvus.py var/law --uri http://milvus:19530 --json-out milvus.json

``--law FILE`` measures the living-corpus writes instead: for each folder, the time to publish it whole (``policyqa
publish``) against adding that one law to the collection (``policyqa add --uri``: parsed, embedded when the index has
vectors, its rows inserted, the BM25 collection rewritten on Milvus Lite), removing it again, adding it mirrored
from a copy of the folder (``--index DIR --uri``: the folder written first), and the way before (``policyqa add
--index DIR`` then ``policyqa publish``); and the time a reader takes to reopen the collection after a write.

    python benchmarks/bench_milvus.py /tmp/lex --law "/work/shared/laws/行政法规/不动产登记暂行条例(2019-03-24).md"
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
QUESTION_SETS = ("seed", "dev", "holdout", "law")
MODES = ("bm25", "dense", "hybrid")


def _questions(count: int) -> list[str]:
    questions = []
    for name in QUESTION_SETS:
        path = REPO / "eval" / f"{name}_questions.jsonl"
        questions += [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(20261206).shuffle(questions)
    return questions[:count]


def _ms(samples: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(samples, 50)) * 1000, 1),
            "p95": round(float(np.percentile(samples, 95)) * 1000, 1)}


def measure(folder: Path, uri: str, questions: list[str]) -> dict:
    from policyqa.assistant.service import Assistant
    from policyqa.index import load_index
    from policyqa.index.backends import MilvusLocation
    from policyqa.index.milvus import load_milvus_index, upload_index

    local = load_index(folder)
    location = MilvusLocation(uri, f"bench_{folder.name}".replace("-", "_"))
    started = time.perf_counter()
    upload_index(local, location, progress=False)
    upload_s = time.perf_counter() - started
    started = time.perf_counter()
    milvus = load_milvus_index(location, embedder=local.embedder)
    open_s = time.perf_counter() - started
    indexes = {"local": local, "milvus": milvus}
    for index in indexes.values():  # warm up: jieba, the model, Milvus' segment caches
        for mode in MODES:
            index.search("养老机构应当具备哪些条件", k=10, mode=mode)
    times: dict[str, dict[str, list[float]]] = {name: {m: [] for m in (*MODES, "ask")} for name in indexes}
    same = {mode: 0 for mode in MODES}
    assistants = {name: Assistant(index) for name, index in indexes.items()}
    answers_same = 0
    for question in questions:
        for mode in MODES:
            ranked = {}
            for name, index in indexes.items():
                t = time.perf_counter()
                ranked[name] = [h.clause.clause_id for h in index.search(question, k=10, mode=mode)]
                times[name][mode].append(time.perf_counter() - t)
            same[mode] += ranked["local"] == ranked["milvus"]
        answered = {}
        for name, assistant in assistants.items():
            t = time.perf_counter()
            answer = assistant.ask(question)
            times[name]["ask"].append(time.perf_counter() - t)
            answered[name] = (answer.answer, [c.clause_id for c in answer.citations])
        answers_same += answered["local"] == answered["milvus"]
    n = len(questions)
    return {
        "index": str(folder), "clauses": len(local.clauses), "passages": int(local.manifest["counts"]["passages"]),
        "upload_s": round(upload_s, 2), "open_s": round(open_s, 2), "questions": n,
        "latency_ms": {name: {op: _ms(samples) for op, samples in ops.items()} for name, ops in times.items()},
        "same_top10": {mode: f"{same[mode]}/{n}" for mode in MODES}, "same_answers": f"{answers_same}/{n}",
    }


def _seconds(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 2), "min": round(min(samples), 2),
            "max": round(max(samples), 2)}


def measure_writes(folder: Path, uri: str, laws: list[Path], repeats: int, tmp: Path,
                   bm25_in_place: bool | None = None, with_folder: bool = True) -> dict:
    """Publish the whole folder ``repeats`` times; add ``laws`` to the collection and remove them again ``repeats``
    times (embedding with the index's model, loaded once, as a server has it); add them mirrored from a copy of the
    folder; reopen the collection."""
    from policyqa.index import living, load_index, milvus_writes
    from policyqa.index.backends import MilvusLocation
    from policyqa.index.milvus import load_milvus_index, upload_index

    local = load_index(folder)
    location = MilvusLocation(uri, f"writes_{folder.name}".replace("-", "_"))
    embedder = local.embedder
    times: dict[str, list[float]] = {"publish_s": [], "add_s": [], "remove_s": [], "add_mirrored_s": [],
                                     "folder_add_then_publish_s": [], "reopen_s": []}
    doc_ids = [law.stem for law in laws]
    for _ in range(repeats):
        started = time.perf_counter()
        upload_index(local, location, progress=False, bm25_in_place=bm25_in_place)
        times["publish_s"].append(time.perf_counter() - started)
    embedded = 0
    for _ in range(repeats):
        started = time.perf_counter()
        embedded = milvus_writes.add_documents(location, laws, embedder=embedder).embedded
        times["add_s"].append(time.perf_counter() - started)
        started = time.perf_counter()
        load_milvus_index(location, embedder=embedder)
        times["reopen_s"].append(time.perf_counter() - started)
        started = time.perf_counter()
        milvus_writes.remove_documents(location, doc_ids)
        times["remove_s"].append(time.perf_counter() - started)
    for i in range(repeats if with_folder else 0):
        mirror = tmp / f"mirror-{folder.name}-{i}"
        shutil.copytree(folder, mirror)
        upload_index(load_index(mirror), location, progress=False, bm25_in_place=bm25_in_place)
        started = time.perf_counter()
        milvus_writes.add_documents(location, laws, embedder=embedder, folder=mirror)
        times["add_mirrored_s"].append(time.perf_counter() - started)
        shutil.rmtree(mirror)
        shutil.copytree(folder, mirror)  # the way before: policyqa add --index DIR, then policyqa publish
        started = time.perf_counter()
        living.add_documents(mirror, laws, embedder=embedder)
        upload_index(load_index(mirror, embedder=embedder), location, progress=False, bm25_in_place=bm25_in_place)
        times["folder_add_then_publish_s"].append(time.perf_counter() - started)
        shutil.rmtree(mirror)
    return {"index": str(folder), "clauses": len(local.clauses), "documents": len(local.documents),
            "bm25_in_place": bm25_in_place if bm25_in_place is not None else "default",
            "vectors": local.has_vectors, "laws": [str(law) for law in laws], "texts_embedded_per_add": embedded,
            "repeats": repeats, **{name: _seconds(samples) for name, samples in times.items() if samples}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="built local index folders")
    parser.add_argument("--uri", help="a Milvus server (default: a Milvus Lite file in a temporary folder)")
    parser.add_argument("--questions", type=int, default=60, help="questions timed per index (default 60)")
    parser.add_argument("--law", type=Path, action="append",
                        help="measure adding these law files (repeatable) against publishing the whole index")
    parser.add_argument("--repeats", type=int, default=3, help="times each write is timed (default 3)")
    parser.add_argument("--bm25-in-place", action="store_true", default=None,
                        help="with --law: change BM25 in place, as on a Milvus server (default there; on Milvus Lite "
                             "the BM25 collection is written anew each time)")
    parser.add_argument("--skip-folder", action="store_true",
                        help="with --law: leave out the two writes that copy the folder (for a large index)")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    questions = _questions(args.questions)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        uri = args.uri or str(Path(tmp) / "bench.db")
        if args.law:
            for folder in args.folders:
                result = measure_writes(folder, uri, args.law, args.repeats, Path(tmp), args.bm25_in_place,
                                        not args.skip_folder)
                results.append(result)
                print(json.dumps(result, ensure_ascii=False, indent=1))
                folder_figures = (f", add mirrored from the folder {result['add_mirrored_s']['median']} s, add to "
                                  f"the folder then publish {result['folder_add_then_publish_s']['median']} s"
                                  if "add_mirrored_s" in result else "")
                print(f"{folder}: {result['clauses']:,} clauses; publish the whole index "
                      f"{result['publish_s']['median']} s, add one law {result['add_s']['median']} s "
                      f"({result['publish_s']['median'] / result['add_s']['median']:.1f}x faster), remove it "
                      f"{result['remove_s']['median']} s{folder_figures}; a reader reopens in "
                      f"{result['reopen_s']['median']} s (load average {os.getloadavg()[0]:.1f})")
            args.folders = []
        for folder in args.folders:
            result = measure(folder, uri, questions)
            results.append(result)
            print(f"{result['index']}: {result['clauses']:,} clauses, {result['passages']:,} windows; upload "
                  f"{result['upload_s']} s, open {result['open_s']} s; {result['questions']} questions "
                  f"(load average {os.getloadavg()[0]:.1f})")
            for op in (*MODES, "ask"):
                local, milvus = result["latency_ms"]["local"][op], result["latency_ms"]["milvus"][op]
                print(f"  {op:<7} local p50 {local['p50']:>7.1f} ms p95 {local['p95']:>7.1f}   milvus p50 "
                      f"{milvus['p50']:>7.1f} ms p95 {milvus['p95']:>7.1f}   ratio p50 {milvus['p50'] / local['p50']:.2f}")
            print(f"  same top 10: {result['same_top10']}; same answers and citations: {result['same_answers']}")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
