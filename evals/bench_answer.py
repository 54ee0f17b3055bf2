"""Answer-engine benchmark (not a test): per-question latency in batch mode, warm; start-up; memory.

    .venv/bin/python evals/bench_answer.py       # writes evals/reports/bench_answer.json

Loads the assistant once (as `regassist ask --batch` does), answers every question of the answer
datasets once to warm up, then three timed rounds. Target on the 2-core machine (issue #5): p50 ≤ 30 ms.
Also times the batch CLI end to end in a subprocess (start-up included), as an evaluation suite sees it.
"""

from __future__ import annotations

import json
import resource
import time
from collections import Counter

from answer_eval import DATASETS, batch_lines, run_batch
from common import REPORTS, load_jsonl

from assistant.answer import Assistant
from assistant.metrics import percentile

ROUNDS = 3


def main() -> None:
    items = [item for name, _ in DATASETS for item in load_jsonl(name)]
    started = time.perf_counter()
    assistant = Assistant.create()
    startup = time.perf_counter() - started
    for item in items:  # warm-up round
        assistant.ask(item["q"], as_of=item.get("as_of"))
    timings: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        for item in items:
            t = time.perf_counter()
            answer = assistant.ask(item["q"], as_of=item.get("as_of"))
            timings.setdefault(answer.intent, []).append((time.perf_counter() - t) * 1000)
    every = [ms for values in timings.values() for ms in values]
    _, wall = run_batch(batch_lines(items))
    report = {
        "questions": len(items),
        "rounds": ROUNDS,
        "startup_s": round(startup, 2),
        "latency_ms": {"p50": round(percentile(every, 50), 2), "p95": round(percentile(every, 95), 2)},
        "by_intent": {
            intent: {
                "share": round(len(values) / len(every), 3),
                "p50": round(percentile(values, 50), 2),
                "p95": round(percentile(values, 95), 2),
            }
            for intent, values in sorted(timings.items())
        },
        "batch_cli_wall_s": round(wall, 2),
        "batch_cli_ms_per_question": round(wall * 1000 / len(items), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "intents": dict(Counter(intent for intent, values in timings.items() for _ in values)),
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "bench_answer.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
