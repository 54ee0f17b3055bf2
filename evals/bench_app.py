"""Start-up of the web app with an existing index: process start → serving (budget 8 s), and → first answer.

    .venv/bin/python evals/bench_app.py [--runs 3] [--budget 8]

Starts `regassist serve` on a free port as `make run` would (after `regassist index`), polls until the
page answers, then asks one question through gradio_client. Exit code 1 when the slowest start-up
exceeds the budget. Run `regassist index` first: building the index is not start-up.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "我们的项目总投资230万元，需要监理吗？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run() -> tuple[float, float]:
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    binary = Path(sys.executable).parent / "regassist"
    log = tempfile.TemporaryFile()  # noqa: SIM115 — closed in finally; a pipe nobody reads could stall the server
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(binary), "serve", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None:
                    log.seek(0)
                    raise SystemExit(f"regassist serve exited: {log.read().decode()}") from None
                time.sleep(0.05)
        serving = time.perf_counter() - started
        answer = Client(url, verbose=False).predict(QUESTION, api_name="/ask")
        assert answer["answer"].startswith("需要"), answer["answer"][:80]
        return serving, time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=8.0, help="seconds from process start to serving")
    args = parser.parse_args()
    check = subprocess.run([str(Path(sys.executable).parent / "regassist"), "index", "--check"], cwd=ROOT)
    if check.returncode != 0:
        raise SystemExit("the index is missing or stale: run `regassist index` first")
    runs = [one_run() for _ in range(args.runs)]
    serving = [s for s, _ in runs]
    answered = [a for _, a in runs]
    print(
        f"start-up to serving: median {statistics.median(serving):.2f} s, max {max(serving):.2f} s ({args.runs} runs)"
    )
    print(f"start-up to first answer (/ask via gradio_client): median {statistics.median(answered):.2f} s")
    if max(serving) > args.budget:
        print(f"over budget: {max(serving):.2f} s > {args.budget:.1f} s")
        sys.exit(1)
    print(f"within budget ({args.budget:.1f} s)")


if __name__ == "__main__":
    main()
