"""Retrieval benchmark (not a test): index build time, query latency, peak memory.

    .venv/bin/python evals/bench_retrieval.py                # e5 backend, default corpus
    .venv/bin/python evals/bench_retrieval.py --backend sentence-transformers

Each phase runs in its own process so its peak RSS is its own:
  build  — a cold build (empty vector cache) into a temporary folder, then a warm rebuild;
  query  — open the index as the app does, then the open (non-routed) questions of the dev,
           held-out and national sets, three rounds after one warm-up round.
Targets on the 2-core machine (issue #3): build ≤ 60 s, retrieval p50 ≤ 20 ms, RSS ≤ 600 MB (e5).
Results go to evals/reports/bench_retrieval.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPORTS, load_jsonl, settings_for

from assistant.corpus import load_corpus
from assistant.index import build
from assistant.metrics import percentile
from assistant.retrieve import Retriever, prepare


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_build(backend: str, folder: Path) -> dict:
    settings = settings_for(backend, index_dir=folder / "index", embedding_cache=folder / "cache")
    started = time.perf_counter()
    corpus = load_corpus(settings)
    tokenizer, embedder, _ = prepare(settings, corpus)
    cold = build(corpus, settings, tokenizer, embedder)
    cold_total = time.perf_counter() - started
    warm = build(corpus, settings, tokenizer, embedder)  # same corpus, vectors from the cache
    return {
        "entries": cold.entries,
        "vectors": cold.store["vectors"],
        "cold_build_s": round(cold_total, 2),
        "cold_timings": cold.timings,
        "warm_rebuild_s": warm.timings["total_s"],
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def phase_query(backend: str, folder: Path) -> dict:
    settings = settings_for(backend, index_dir=folder / "index", embedding_cache=folder / "cache")
    started = time.perf_counter()
    retriever = Retriever.create(settings)
    startup = time.perf_counter() - started
    questions = [
        i["q"]
        for name in ("retrieval_dev.jsonl", "retrieval_heldout.jsonl", "national_dev.jsonl")
        for i in load_jsonl(name)
    ]
    for q in questions:  # warm-up round
        retriever.search(q)
    latencies = []
    for _ in range(3):
        for q in questions:
            t = time.perf_counter()
            retriever.search(q)
            latencies.append((time.perf_counter() - t) * 1000)
    return {
        "startup_s": round(startup, 2),
        "queries": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p95_ms": round(percentile(latencies, 95), 2),
        "max_ms": round(max(latencies), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="e5", choices=["e5", "sentence-transformers"])
    parser.add_argument("--phase", choices=["build", "query"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run = phase_build if args.phase == "build" else phase_query
        print(json.dumps(run(args.backend, args.folder)))
        return
    with tempfile.TemporaryDirectory(prefix="regassist-bench-") as tmp:
        results = {"backend": args.backend}
        for phase in ("build", "query"):
            out = subprocess.run(
                [sys.executable, __file__, "--backend", args.backend, "--phase", phase, "--folder", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            results[phase] = json.loads(out.stdout.strip().splitlines()[-1])
    b, q = results["build"], results["query"]
    print(f"backend: {args.backend}; {b['entries']} entries, {b['vectors']} vectors")
    print(
        f"build: cold {b['cold_build_s']} s (embedding {b['cold_timings']['embed_s']} s), warm rebuild {b['warm_rebuild_s']} s, peak RSS {b['peak_rss_mb']} MB"
    )
    print(
        f"query: start-up {q['startup_s']} s; {q['queries']} searches p50 {q['p50_ms']} ms, p95 {q['p95_ms']} ms; peak RSS {q['peak_rss_mb']} MB"
    )
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = "bench_retrieval.json" if args.backend == "e5" else f"bench_retrieval-{args.backend}.json"
    (REPORTS / name).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
