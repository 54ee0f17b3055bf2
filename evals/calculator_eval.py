"""Calculator verdicts against calculators_dev.jsonl, a dataset written from the 办法's text, not the code.

    .venv/bin/python evals/calculator_eval.py          # writes evals/reports/calculators.{md,json}

Each item's structured inputs go through `Calculators.run` (the entry the CLI and the app use); every
expected field must match, and an item that expects an error must raise that error with no verdict.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

from common import REPORTS, load_jsonl

from assistant.calculators import Calculators
from assistant.config import Settings
from assistant.corpus import load_corpus
from assistant.errors import RegassistError
from assistant.metrics import mean, outcome_differences, percentile

DATASET = "calculators_dev.jsonl"


def check(calculators: Calculators, item: dict) -> list[str]:
    """The differences between what the item expects and what the calculator says; empty when it agrees."""
    expected = item["expected"]
    try:
        result = calculators.run(item["rule"], item["inputs"], as_of=date.fromisoformat(item["as_of"]))
    except RegassistError as exc:
        if expected.get("error") == type(exc).__name__:
            return []
        return [f"error {type(exc).__name__}: {exc}"]
    if "error" in expected:
        return [f"expected {expected['error']}, got a verdict: {result.conclusion}"]
    outcome = dict(result.outcome)
    outcome["failed"] = [name for name, c in outcome.get("checks", {}).items() if c["ok"] is False]
    return outcome_differences(expected, outcome)


def main() -> None:
    settings = Settings()
    calculators = Calculators.create(settings, load_corpus(settings))
    items = load_jsonl(DATASET)
    rows, timings = [], []
    for item in items:
        started = time.perf_counter()
        problems = check(calculators, item)
        timings.append((time.perf_counter() - started) * 1000)
        rows.append({"id": item["id"], "rule": item["rule"], "q": item["q"], "ok": not problems, "problems": problems})
    by_rule: dict[str, list[bool]] = {}
    for row in rows:
        by_rule.setdefault(row["rule"], []).append(row["ok"])
    report = {
        "dataset": DATASET,
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "items": len(rows),
        "accuracy": mean([r["ok"] for r in rows]),
        "by_rule": {rule: {"items": len(oks), "accuracy": mean(oks)} for rule, oks in sorted(by_rule.items())},
        "latency_ms": {"p50": percentile(timings, 50), "p95": percentile(timings, 95)},
        "failures": [r for r in rows if not r["ok"]],
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "calculators.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        f"# Calculators ({DATASET}, {report['items']} items)",
        "",
        f"Verdict accuracy: {report['accuracy']:.3f}; latency p50 {report['latency_ms']['p50']:.2f} ms, "
        f"p95 {report['latency_ms']['p95']:.2f} ms.",
        "",
        "| rule | items | accuracy |",
        "| --- | --- | --- |",
        *(f"| {rule} | {v['items']} | {v['accuracy']:.3f} |" for rule, v in report["by_rule"].items()),
        "",
        "## Failures",
        "",
        *(f"- {r['id']} ({r['rule']}) {r['q']}: {'; '.join(r['problems'])}" for r in report["failures"]),
    ]
    if not report["failures"]:
        lines.append("None.")
    (REPORTS / "calculators.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
