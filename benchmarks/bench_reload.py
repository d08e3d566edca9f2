"""What a document write costs the servers that answer meanwhile: two ``policyqa serve --no-ui`` over one copy of an
index folder; server A takes the writes (``POST`` then ``DELETE /v1/documents``), server B only answers, and a
client asks B questions one after another throughout. Per round: the write's time on A, the time from A's answer
until B serves the new generation (its poll interval plus loading and warming the generation), and B's answer
latency while it loads against its latency at rest; every error B gives is counted.

    python benchmarks/bench_reload.py --index var/law --rounds 5
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

NOTICE = (Path(__file__).resolve().parents[1] / "tests" / "data" / "zhucan_notice.txt").read_text(encoding="utf-8")
QUESTIONS = ("养老机构的水电气热能按居民价格收费吗？", "社区助餐点对八十周岁以上老年人每餐补贴多少钱？",
             "家庭托育点需要登记备案吗？")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(index_dir: Path, log: Path, **env: str) -> tuple[subprocess.Popen, str]:
    port = _port()
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "serve", "--no-ui", "--index", str(index_dir),
                             "--port", str(port)], stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "POLICYQA_RATE_LIMIT": "", **env})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: see {log}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} not ready in 300 s")


class Asker(threading.Thread):
    """Asks one question after another (a lexical index: in bm25 mode); keeps (start time, seconds, status) of each."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.stop, self.calls = url, threading.Event(), []
        lexical = httpx.get(f"{url}/readyz").json()["index"]["embedder"] == "none"
        self.mode = "bm25" if lexical else "hybrid"

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=120) as client:
            i = 0
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    status = client.post("/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)],
                                                          "mode": self.mode}).status_code
                except httpx.HTTPError:
                    status = 0
                self.calls.append((started, time.monotonic() - started, status))
                i += 1


def _ms(values: list[float], q: float) -> float:
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("var/law"), help="index folder to copy (not changed)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--poll", type=float, default=1.0, help="server B's POLICYQA_RELOAD_POLL_S")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reload-"))
    index_dir = Path(shutil.copytree(args.index, work / "index"))
    a, a_url = _serve(index_dir, work / "a.log", POLICYQA_ALLOW_WRITES="1")
    b, b_url = _serve(index_dir, work / "b.log", POLICYQA_RELOAD_POLL_S=str(args.poll))
    asker = Asker(b_url)
    asker.start()
    writes, follows, windows = [], [], []
    try:
        time.sleep(5)  # B at rest
        with httpx.Client(base_url=a_url, timeout=600) as writer:
            for n in range(args.rounds):
                for request in (lambda: writer.post("/v1/documents", files={"file": (f"zhucan-{n}.txt", NOTICE)}),
                                lambda: writer.delete(f"/v1/documents/zhucan-{n}")):
                    started = time.monotonic()
                    response = request()
                    response.raise_for_status()
                    written = time.monotonic()
                    generation = response.json()["generation"]
                    while httpx.get(f"{b_url}/readyz").json().get("generation") != generation:
                        time.sleep(0.02)
                    followed = time.monotonic()
                    writes.append(written - started)
                    follows.append(followed - written)
                    windows.append((started, followed))
                    time.sleep(2)
    finally:
        asker.stop.set()
        asker.join(120)
        for proc in (a, b):
            proc.terminate()
            proc.wait(30)
    during = [s for t, s, _ in asker.calls if any(lo <= t <= hi for lo, hi in windows)]
    rest = [s for t, s, _ in asker.calls if not any(lo - 1 <= t <= hi + 1 for lo, hi in windows)]
    errors = sum(1 for *_, status in asker.calls if status != 200)
    print(f"index {args.index} ({len(writes)} writes: add and remove of one notice, {args.rounds} rounds)")
    print(f"write on server A, median {statistics.median(writes):.2f} s (max {max(writes):.2f})")
    print(f"server B serves the new generation after, median {statistics.median(follows):.2f} s "
          f"(max {max(follows):.2f}; poll {args.poll:g} s)")
    print(f"B's answers at rest: {len(rest)}, p50 {_ms(rest, .5):.0f} ms, p95 {_ms(rest, .95):.0f} ms; "
          f"from a write's start until B serves it: {len(during)}, p50 {_ms(during, .5):.0f} ms, p95 {_ms(during, .95):.0f} ms")
    print(f"B's errors: {errors} of {len(asker.calls)} questions")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
