"""The answer engine through its batch interface (`regassist ask --json --batch`), on every dataset.

    .venv/bin/python evals/answer_eval.py            # writes evals/reports/answers.{md,json}

Scores: citation article hit@1 (the first citation is a gold article), 款/项 hit@1 where the gold
names one, calculator verdicts (every expected outcome field), abstention on out-of-scope and
injection questions, in-scope questions abstained, and quote fidelity (every quote shown is a
verbatim slice of the unit its citation names).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from common import REPORTS, ROOT, load_jsonl

from assistant.corpus import Corpus, load_corpus
from assistant.metrics import calculator_problems, cited_problems, mean, quote_problems, refused_problems

# (file, kind); kinds decide how an item is scored.
DATASETS = (
    ("retrieval_dev.jsonl", "cited"),
    ("retrieval_heldout.jsonl", "cited"),
    ("router.jsonl", "cited"),
    ("national_dev.jsonl", "cited"),
    ("calculators_dev.jsonl", "calculator"),
    ("out_of_scope_dev.jsonl", "refused"),
    ("in_scope_heldout.jsonl", "cited"),
    ("out_of_scope_heldout.jsonl", "refused"),
)
AS_OF = "2026-11-26"
GATED = ("retrieval_dev.jsonl", "calculators_dev.jsonl", "out_of_scope_dev.jsonl")


def batch_lines(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """The batch input: one {"id", "q"(, "as_of")} object per item."""
    lines = []
    for item in items:
        record = {"id": item["id"], "q": item["q"]}
        if "as_of" in item:
            record["as_of"] = item["as_of"]
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def run_batch(lines: list[str], extra: Sequence[str] = ()) -> tuple[list[dict[str, Any]], float]:
    """The CLI in a subprocess, exactly as an evaluation suite calls it; (records, wall seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        # Items without their own as_of speak for 2026-11-26, so the figures do not move with the calendar.
        [sys.executable, "-m", "assistant.cli", "ask", "--json", "--batch", "-", "--as-of", AS_OF, *extra],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}): {done.stderr}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()], wall


def score(corpus: Corpus, datasets: Sequence[tuple[str, str]]) -> dict[str, Any]:
    items: list[tuple[str, str, dict[str, Any]]] = [(n, k, item) for n, k in datasets for item in load_jsonl(n)]
    records, wall = run_batch(batch_lines([item for _, _, item in items]))
    if len(records) != len(items):
        raise SystemExit(f"{len(items)} questions in, {len(records)} answers out")
    rows = []
    for (name, kind, item), record in zip(items, records, strict=True):
        if record["id"] != item["id"]:
            raise SystemExit(f"answer {record['id']} out of order (expected {item['id']})")
        fine = None
        if kind == "cited":
            problems, fine = cited_problems(item, record)
        elif kind == "calculator":
            problems = calculator_problems(item, record)
        else:
            problems = refused_problems(record)
        rows.append(
            {
                "dataset": name,
                "kind": kind,
                "id": item["id"],
                "q": item["q"],
                "ok": not problems,
                "fine": fine,
                "abstained": record["abstained"],
                "intent": record["intent"],
                "quote_problems": quote_problems(record, corpus),
                "quotes": len(record["citations"]),
                "problems": problems,
            }
        )
    summary = {}
    for name, kind in datasets:
        mine = [r for r in rows if r["dataset"] == name]
        fine = [r["fine"] for r in mine if r["fine"] is not None]
        summary[name] = {
            "kind": kind,
            "items": len(mine),
            "accuracy": mean([r["ok"] for r in mine]),
            "fine_hit_at_1": mean(fine) if fine else None,
            "abstained": sum(r["abstained"] for r in mine),
        }
    in_scope = [r for r in rows if r["kind"] != "refused"]
    return {
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "questions": len(rows),
        "batch_wall_s": round(wall, 2),
        "datasets": summary,
        "in_scope_abstained": [r["id"] for r in in_scope if r["abstained"]],
        "quote_failures": sum(len(r["quote_problems"]) for r in rows),
        "quotes": sum(r["quotes"] for r in rows),
        "failures": [r for r in rows if not r["ok"] or r["quote_problems"]],
    }


def render(report: Mapping[str, Any]) -> str:
    lines = [
        f"# Answers through `regassist ask --json --batch` ({report['questions']} questions, "
        f"{report['batch_wall_s']} s wall including start-up)",
        "",
        "| dataset | kind | items | accuracy | 款/项 hit@1 | abstained |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, s in report["datasets"].items():
        fine = "—" if s["fine_hit_at_1"] is None else f"{s['fine_hit_at_1']:.3f}"
        lines.append(f"| {name} | {s['kind']} | {s['items']} | {s['accuracy']:.3f} | {fine} | {s['abstained']} |")
    lines += [
        "",
        "accuracy: cited = the first citation is a gold article (hit@1); calculator = every expected outcome "
        "field agrees; refused = abstained with no citation.",
        "",
        f"In-scope questions abstained: {len(report['in_scope_abstained'])} {report['in_scope_abstained']}",
        f"Quote verification failures: {report['quote_failures']} of {report['quotes']} citations",
        "",
        "## Failures",
        "",
    ]
    lines += [f"- {r['id']} {r['q']}: {'; '.join(r['problems'] + r['quote_problems'])}" for r in report["failures"]]
    if not report["failures"]:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gated", action="store_true", help="only the datasets the acceptance gate names")
    args = parser.parse_args()
    datasets = [d for d in DATASETS if not args.gated or d[0] in GATED]
    report = score(load_corpus(), datasets)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "answers.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    text = render(report)
    (REPORTS / "answers.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
