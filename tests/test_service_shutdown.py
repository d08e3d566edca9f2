"""SIGTERM on the real ``policyqa serve``: readiness turns false first, and a long batch still running when the
grace period ends is answered 503 — before, uvicorn cancelled it into a 500 with a traceback in the log."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from test_api import ASKED, _free_port, assert_error, wait_serving


def test_sigterm_turns_readiness_off_first_and_never_answers_500(bundled_index_dir):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, POLICYQA_SHUTDOWN_DELAY_S="1.5", POLICYQA_SHUTDOWN_GRACE_S="1", POLICYQA_MAX_BATCH="400",
               POLICYQA_MAX_BATCH_COST="100000", POLICYQA_REQUEST_TIMEOUT_S="600", POLICYQA_RATE_LIMIT="")
    proc = subprocess.Popen([sys.executable, "-m", "policyqa", "serve", "--no-ui", "--index", str(bundled_index_dir),
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_serving(proc, url)

        result: dict[str, httpx.Response] = {}
        batch = threading.Thread(target=lambda: result.setdefault("r", httpx.post(
            f"{url}/v1/ask/batch", json={"questions": [f"{ASKED}{i}" for i in range(400)]}, timeout=120)))
        batch.start()
        time.sleep(1.0)  # the batch is being answered (400 questions take far longer than the grace period)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        with httpx.Client(base_url=url, timeout=30) as c:
            ready = c.get("/readyz")  # still served during the delay, but no longer ready
            assert ready.status_code == 503 and ready.json()["status"] == "stopping"
            assert c.post("/v1/ask", json={"question": ASKED}).status_code == 200
        batch.join(60)
        assert proc.wait(timeout=30) == 0
        stopped = assert_error(result["r"], 503, "shutting_down")
        assert "服务正在停止" in stopped["message"] and result["r"].headers["retry-after"] == "1"
        assert time.monotonic() - signalled < 15
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = proc.stdout.read()
    assert "Traceback" not in log and " 500" not in log, log
