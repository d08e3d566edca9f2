"""Load test of the HTTP API: N concurrent clients over loopback, mixed /v1/ask and /v1/search.

Starts ``policyqa serve`` itself on a free loopback port (or targets ``--url``), waits for
``/readyz``, sends the requests, and prints throughput, latency percentiles and the error count
(``--json`` for a machine-readable record). Exits 1 if any request failed. The self-started server
runs with the default admission control except the per-client limits (every client here is one
loopback address): no rate limit unless ``--rate-limit`` sets one, and as many requests per client at once
as there are clients.

    python benchmarks/load_api.py                       # 32 clients, 5,000 requests, bundled index
    python benchmarks/load_api.py --index DIR --clients 8 --requests 1000 --ask-share 0.8
    python benchmarks/load_api.py --url http://127.0.0.1:8000 --api-key KEY
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = REPO / "eval" / "seed_questions.jsonl"


@dataclass
class Result:
    kind: str
    seconds: float
    status: int | None
    error: str | None = None


@dataclass
class Report:
    url: str
    clients: int
    requests: int
    seconds: float
    results: list[Result] = field(default_factory=list)

    def errors(self) -> list[Result]:
        return [r for r in self.results if r.error is not None]

    def summary(self) -> dict:
        def stats(rows: list[Result]) -> dict:
            latencies = sorted(r.seconds * 1000 for r in rows)
            return {"requests": len(rows), "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
                    "p99_ms": percentile(latencies, 99), "max_ms": round(latencies[-1], 1) if latencies else None}

        errors = self.errors()
        return {
            "url": self.url, "clients": self.clients, "requests": self.requests,
            "seconds": round(self.seconds, 2), "throughput_rps": round(len(self.results) / self.seconds, 1),
            "errors": len(errors), "error_samples": sorted({r.error for r in errors})[:5],
            "all": stats(self.results),
            **{kind: stats([r for r in self.results if r.kind == kind]) for kind in ("ask", "search")},
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                        "omp_num_threads": os.environ.get("OMP_NUM_THREADS")},
        }


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return round(sorted_values[int(rank) - 1], 1)


def load_questions(path: Path) -> list[str]:
    questions = [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not questions:
        raise SystemExit(f"没有问题 no questions in {path}")
    return questions


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float, proc: subprocess.Popen | None = None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"服务未能启动 the server exited with status {proc.returncode}")
        try:
            response = httpx.get(f"{url}/readyz", timeout=5)
            if response.status_code == 200:
                return response.json()
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"服务未就绪 the server at {url} was not ready within {timeout:.0f} s")


@contextmanager
def own_server(index: str | None, startup_timeout: float, settings: dict[str, str] | None = None):
    """``policyqa serve`` on a free loopback port with ``settings`` (``POLICYQA_*`` variables added to
    this environment); stopped with SIGTERM afterwards."""
    port = free_port()
    cmd = [sys.executable, "-m", "policyqa", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if index:
        cmd += ["--index", index]
    env = dict(os.environ, **(settings or {}))
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, startup_timeout, proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(timeout=30)
            print(f"服务已停止 server stopped (exit status {status})", file=sys.stderr)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            print("服务未在 30 秒内停止，已强制结束 server did not stop within 30 s; killed", file=sys.stderr)


async def run_load(url: str, questions: list[str], clients: int, requests: int, ask_share: float, k: int,
                   api_key: str | None, seed: int, timeout: float) -> Report:
    rng = random.Random(seed)
    plan = [("ask" if rng.random() < ask_share else "search", rng.choice(questions)) for _ in range(requests)]
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    results: list[Result] = []
    next_index = 0

    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=timeout) as client:
        async def worker() -> None:
            nonlocal next_index
            while next_index < len(plan):
                kind, question = plan[next_index]
                next_index += 1
                route = "/v1/ask" if kind == "ask" else "/v1/search"
                start = time.perf_counter()
                try:
                    response = await client.post(route, json={"question": question, "k": k})
                    status = response.status_code
                    error = None if status == 200 else f"HTTP {status}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    error, status = f"{type(exc).__name__}: {exc}", None
                results.append(Result(kind, time.perf_counter() - start, status, error))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return Report(url=url, clients=clients, requests=requests, seconds=elapsed, results=results)


def print_report(summary: dict) -> None:
    print(f"目标 target: {summary['url']}  并发 clients: {summary['clients']}  请求 requests: {summary['requests']}")
    print(f"耗时 elapsed: {summary['seconds']:.2f} s   吞吐 throughput: {summary['throughput_rps']:.1f} req/s")
    print(f"{'':8}{'requests':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for name in ("all", "ask", "search"):
        s = summary[name]
        cells = [s["requests"]] + ["-" if s[k] is None else s[k] for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        print(f"{name:8}" + "".join(f"{c:>10}" for c in cells))
    print(f"错误 errors: {summary['errors']}")
    for sample in summary["error_samples"]:
        print(f"  {sample}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="an already running API (default: start `policyqa serve` on a free loopback port)")
    p.add_argument("--index", metavar="DIR", help="index of the self-started server (default: bundled-corpus index)")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    p.add_argument("--requests", type=int, default=5000, help="total requests (default 5000)")
    p.add_argument("--ask-share", type=float, default=0.5, help="share of /v1/ask among requests (default 0.5)")
    p.add_argument("-k", type=int, default=5, help="k sent with every request (default 5)")
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON lines with a 'question' field")
    p.add_argument("--api-key", default=os.environ.get("POLICYQA_API_KEY"),
                   help="bearer key (default $POLICYQA_API_KEY)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--timeout", type=float, default=120, help="per-request timeout in seconds")
    p.add_argument("--startup-timeout", type=float, default=300, help="seconds to wait for /readyz")
    p.add_argument("--rate-limit", default="",
                   help="POLICYQA_RATE_LIMIT of the self-started server (default: none; its clients share one address)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = p.parse_args(argv)
    if args.clients < 1 or args.requests < 1 or not 0 <= args.ask_share <= 1:
        p.error("--clients and --requests must be ≥ 1 and --ask-share within [0, 1]")

    questions = load_questions(args.questions)

    def measure(url: str) -> dict:
        index = wait_ready(url, args.startup_timeout)["index"]
        report = asyncio.run(run_load(url, questions, args.clients, args.requests, args.ask_share, args.k,
                                      args.api_key, args.seed, args.timeout))
        return report.summary() | {"index": index}

    if args.url:
        summary = measure(args.url.rstrip("/"))
    else:
        settings = {"POLICYQA_RATE_LIMIT": args.rate_limit, "POLICYQA_CLIENT_CONCURRENCY": str(max(args.clients, 2))}
        with own_server(args.index, args.startup_timeout, settings) as url:
            summary = measure(url)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print_report(summary)
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
