"""Measure the service limits of issue 21 on a self-started ``policyqa serve`` over loopback; prints numbers.

    python benchmarks/service_limits.py flood     # one client floods; does a second client keep its latency?
    python benchmarks/service_limits.py stall     # 300 stalled connections: how soon are they closed?
    python benchmarks/service_limits.py sigterm   # SIGTERM during a long batch: what does the client get?
    python benchmarks/service_limits.py all [--json]

The two clients of ``flood`` leave from different loopback addresses (127.0.0.2 floods from a process of its
own, at nice 10 since its CPU would be another machine's on a network; 127.0.0.3 probes), so the server sees two
clients as it would on a network.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_api import DEFAULT_QUESTIONS, free_port, load_questions, own_server, percentile, wait_ready  # noqa: E402

FLOODER, PROBE = "127.0.0.2", "127.0.0.3"


# ---- flood ----------------------------------------------------------------------------------------
async def _flood(url: str, seconds: float, connections: int, question: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    transport = httpx.AsyncHTTPTransport(local_address=FLOODER, limits=httpx.Limits(max_connections=connections))
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=60) as client:
        async def worker() -> None:
            while time.monotonic() < deadline:
                try:
                    status = str((await client.post("/v1/ask", json={"question": question})).status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                counts[status] = counts.get(status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(connections)))
    return counts


def _probe(url: str, questions: list[str], count: int, rate: float) -> dict:
    """``count`` /v1/ask requests from the probe client, paced at ``rate`` per second."""
    latencies, errors = [], []
    with httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=PROBE), timeout=60) as client:
        for i in range(count):
            started = time.perf_counter()
            response = client.post("/v1/ask", json={"question": questions[i % len(questions)]})
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                errors.append(response.status_code)
            time.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))
    latencies.sort()
    return {"requests": count, "p50_ms": percentile(latencies, 50), "p95_ms": percentile(latencies, 95),
            "errors": len(errors), "error_statuses": sorted(set(errors))}


def measure_flood(url: str, questions: list[str], probes: int, rate: float, connections: int) -> dict:
    unloaded = _probe(url, questions, probes, rate)
    seconds = probes / rate + 5
    flooder = subprocess.Popen([sys.executable, __file__, "_flood", url, str(seconds), str(connections), questions[0]],
                               stdout=subprocess.PIPE, text=True)
    time.sleep(2)  # the flood is under way before the probe starts
    loaded = _probe(url, questions, probes, rate)
    flood = json.loads(flooder.communicate(timeout=seconds + 120)[0])
    ratio = round(loaded["p95_ms"] / unloaded["p95_ms"], 2)
    return {"flood_connections": connections, "flood_seconds": seconds, "flood_statuses": flood,
            "probe_rate_per_s": rate, "probe_unloaded": unloaded, "probe_during_flood": loaded, "p95_ratio": ratio}


# ---- stalled connections --------------------------------------------------------------------------
STALLS = {
    "nothing sent": b"",
    "headers cut off": b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n",
    "body cut off": (b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 200\r\n\r\n{\"question\": \""),
}


def measure_stall(url: str, count: int, wait_s: float) -> dict:
    host, port = urlsplit(url).hostname, urlsplit(url).port
    kinds = list(STALLS)
    selector, opened = selectors.DefaultSelector(), {}
    started = time.monotonic()
    for i in range(count):
        sock = socket.create_connection((host, port))
        if STALLS[kinds[i % 3]]:
            sock.sendall(STALLS[kinds[i % 3]])
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, kinds[i % 3])
        opened[sock] = kinds[i % 3]
    served = {}

    def other_client() -> None:
        begun = time.perf_counter()
        status = httpx.get(f"{url}/v1/documents", timeout=30).status_code
        served.update(status=status, ms=round((time.perf_counter() - begun) * 1000, 1))

    probe = threading.Thread(target=other_client)
    probe.start()
    closed: dict[str, list[float]] = {kind: [] for kind in kinds}
    first_bytes: dict[str, bytes] = {}
    while opened and time.monotonic() - started < wait_s:
        for key, _ in selector.select(timeout=0.5):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                data = b""
            if data:
                first_bytes.setdefault(key.data, data[:12])
                continue
            closed[key.data].append(time.monotonic() - started)
            selector.unregister(sock)
            sock.close()
            del opened[sock]
    for sock in opened:
        sock.close()
    probe.join(30)
    return {"connections": count, "still_open_after_s": {"seconds": wait_s, "count": len(opened)},
            "closed": {kind: {"count": len(times), "max_s": round(max(times), 2) if times else None}
                       for kind, times in closed.items()},
            "first_response_bytes": {k: v.decode("latin-1") for k, v in first_bytes.items()},
            "other_client_during_stall": served}


# ---- SIGTERM during a long batch ------------------------------------------------------------------
def measure_sigterm(index: str | None, questions: int, grace_s: float, delay_s: float) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, POLICYQA_SHUTDOWN_GRACE_S=str(grace_s), POLICYQA_SHUTDOWN_DELAY_S=str(delay_s),
               POLICYQA_MAX_BATCH="1000", POLICYQA_MAX_BATCH_COST="100000", POLICYQA_REQUEST_TIMEOUT_S="3600")
    cmd = [sys.executable, "-m", "policyqa", "serve", "--no-ui", "--port", str(port)] + (["--index", index] if index else [])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_ready(url, 300, proc)
    result: dict = {}

    def batch() -> None:
        body = {"questions": [f"养老机构的水电气热能按居民价格收费吗？{i}" for i in range(questions)]}
        response = httpx.post(f"{url}/v1/ask/batch", json=body, timeout=600)
        result.update(status=response.status_code, at_s=round(time.monotonic() - signalled, 2),
                      code=response.json().get("error", {}).get("code") if response.status_code != 200 else None)

    worker = threading.Thread(target=batch)
    worker.start()
    time.sleep(2)
    signalled = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    ready = httpx.get(f"{url}/readyz", timeout=10)
    worker.join(600)
    status = proc.wait(timeout=120)
    log = proc.stdout.read()
    return {"batch_questions": questions, "grace_s": grace_s, "delay_s": delay_s,
            "readyz_after_signal": [ready.status_code, ready.json()["status"]], "batch_response": result,
            "exit_status": status, "tracebacks_in_log": log.count("Traceback"), "http_500_in_log": log.count(" 500")}


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["_flood"]:  # the flooding process
        os.nice(10)  # its own CPU would be another machine's on a network: it yields to the server's here
        url, seconds, connections, question = sys.argv[2:6]
        print(json.dumps(asyncio.run(_flood(url, float(seconds), int(connections), question))))
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=("flood", "stall", "sigterm", "all"))
    p.add_argument("--index", metavar="DIR", help="index of the self-started server (default: bundled-corpus index)")
    p.add_argument("--probes", type=int, default=60, help="probe requests per phase of `flood` (default 60)")
    p.add_argument("--probe-rate", type=float, default=4, help="probe requests per second (default 4)")
    p.add_argument("--flood-connections", type=int, default=16, help="connections of the flooding client")
    p.add_argument("--stalled", type=int, default=300, help="stalled connections (default 300)")
    p.add_argument("--batch", type=int, default=1000, help="questions in the batch of `sigterm` (default 1000)")
    p.add_argument("--grace", type=float, default=2, help="POLICYQA_SHUTDOWN_GRACE_S for `sigterm` (default 2)")
    p.add_argument("--json", action="store_true", help="one JSON object instead of indented JSON")
    args = p.parse_args(argv)
    report: dict = {"machine": {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}}
    if args.what in ("flood", "stall", "all"):
        with own_server(args.index, 300, {"POLICYQA_SHUTDOWN_GRACE_S": "1"}) as url:
            if args.what in ("flood", "all"):
                report["flood"] = measure_flood(url, load_questions(DEFAULT_QUESTIONS), args.probes, args.probe_rate,
                                                args.flood_connections)
            if args.what in ("stall", "all"):
                from policyqa.assistant.settings import Settings

                defaults = Settings()
                report["stall"] = measure_stall(url, args.stalled, defaults.body_timeout_s + 10) | {
                    "header_timeout_s": defaults.header_timeout_s, "body_timeout_s": defaults.body_timeout_s}
    if args.what in ("sigterm", "all"):
        report["sigterm"] = measure_sigterm(args.index, args.batch, args.grace, 1.0)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
