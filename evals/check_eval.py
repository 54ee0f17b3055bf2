"""The citation checker on its memo sets: every known defect found, no false alarm.

    .venv/bin/python evals/check_eval.py [--json]

checker_dev.jsonl was used while building the checker; checker_heldout.jsonl and checker_heldout2.jsonl
were written apart from it and first scored when it was done (README gives those first scores and
what was fixed after). Each memo lists its defects as (kind, doc, article).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.answer import Assistant  # noqa: E402
from assistant.check import KINDS, Checker  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.metrics import checker_problems, percentile  # noqa: E402

DATASETS = Path(__file__).resolve().parent / "datasets"
SETS = ("checker_dev", "checker_heldout", "checker_heldout2")


def score(checker: Checker, name: str) -> dict:
    items = [json.loads(line) for line in (DATASETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    expected = sum(len(i["defects"]) for i in items)
    missed, extra, failures, times = 0, 0, [], []
    by_kind = {k: [0, 0] for k in KINDS}  # found, expected
    for item in items:
        started = time.perf_counter()
        record = checker.check(item["text"], as_of=item["as_of"]).to_dict()
        times.append(time.perf_counter() - started)
        lost, alarms = checker_problems(item["defects"], record)
        missed, extra = missed + len(lost), extra + len(alarms)
        for d in item["defects"]:
            by_kind[d["kind"]][1] += 1
            by_kind[d["kind"]][0] += f"{d['kind']} {d.get('doc')} {d.get('article')}" not in lost
        if lost or alarms:
            failures.append({"id": item["id"], "text": item["text"], "missed": lost, "false_alarms": alarms})
    return {
        "set": name,
        "memos": len(items),
        "defective": sum(1 for i in items if i["defects"]),
        "correct": sum(1 for i in items if not i["defects"]),
        "defects": expected,
        "found": expected - missed,
        "false_alarms": extra,
        "false_alarms_on_correct": sum(
            len(f["false_alarms"]) for f in failures if not next(i for i in items if i["id"] == f["id"])["defects"]
        ),
        "by_kind": {k: {"found": v[0], "expected": v[1]} for k, v in by_kind.items() if v[1]},
        "p50_ms": round(percentile(times, 50) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
        "failures": failures,
    }


def long_memo(checker: Checker) -> dict:
    """A memo near the size limit (every dev memo, repeated to ~19,000 characters): how long it takes."""
    items = [
        json.loads(line) for line in (DATASETS / "checker_dev.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]
    text, memo = "\n".join(i["text"] for i in items), ""
    while len(memo) + len(text) < 19000:
        memo += text + "\n"
    started = time.perf_counter()
    report = checker.check(memo, as_of="2026-11-26")
    return {
        "characters": len(memo),
        "references": len(report.findings),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    checker = Checker.of(Assistant.create(load_settings()))
    results = [score(checker, name) for name in SETS]
    size = long_memo(checker)
    if args.json:
        print(json.dumps({"sets": results, "long_memo": size}, ensure_ascii=False, indent=2))
    else:
        print(f"long memo: {size['characters']} characters, {size['references']} references, {size['seconds']} s")
        for r in results:
            kinds = ", ".join(f"{k} {v['found']}/{v['expected']}" for k, v in r["by_kind"].items())
            print(
                f"{r['set']}: {r['memos']} memos ({r['defective']} with defects, {r['correct']} correct); "
                f"defects found {r['found']}/{r['defects']}; false alarms {r['false_alarms']} "
                f"(on correct memos {r['false_alarms_on_correct']}); p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms"
            )
            print(f"  by kind: {kinds}")
            for f in r["failures"]:
                print(f"  {f['id']}: missed {f['missed']}, false alarms {f['false_alarms']} — {f['text']}")
    return 0 if all(r["found"] == r["defects"] and not r["false_alarms"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
