"""Retrieval quality: hybrid vs BM25-only vs dense-only (both embedding backends), per dataset.

    .venv/bin/python evals/retrieval_eval.py            # writes evals/reports/retrieval.{md,json}
    .venv/bin/python evals/retrieval_eval.py --quick    # e5 systems only

Gold is at article level (hit@k, MRR, recall@5 over one-hit-per-article rankings) and, where a
question's answer lives in one 款/项, at unit level (the top hit is that unit). Out-of-scope
questions measure the relevance signal: abstention precision/recall at the calibrated threshold.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from common import REPORTS, load_jsonl, ready_retriever, settings_for

from assistant.metrics import hit_at, mean, percentile, precision_recall, recall_at, reciprocal_rank
from assistant.retrieve import Retriever, SearchResult

IN_SCOPE = {
    "dev": "retrieval_dev.jsonl",
    "heldout": "retrieval_heldout.jsonl",
    "router": "router.jsonl",
    "national": "national_dev.jsonl",
}
OUT_OF_SCOPE = "out_of_scope_dev.jsonl"


@dataclass
class System:
    name: str
    backend: str
    mode: str
    route: bool = True


SYSTEMS = [
    System("hybrid (e5)", "e5", "hybrid"),
    System("bm25-only", "e5", "bm25", route=False),
    System("dense-only (e5)", "e5", "dense", route=False),
    System("hybrid (m3e)", "sentence-transformers", "hybrid"),
    System("dense-only (m3e)", "sentence-transformers", "dense", route=False),
]


def article_keys(result: SearchResult) -> list[tuple[str, int]]:
    return [(h.entry.doc_id, h.entry.article) for h in result.hits]


def unit_match(result: SearchResult, gold: dict) -> bool:
    if not result.hits:
        return False
    e = result.hits[0].entry
    return (
        (e.doc_id, e.article) == (gold["doc"], gold["article"])
        and (gold["paragraph"] is None or e.paragraph == gold["paragraph"])
        and (gold["item"] is None or e.item == gold["item"])
    )


@dataclass
class Scores:
    rows: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        r = self.rows
        fine = [x["unit_hit"] for x in r if x["fine"]]
        return {
            "n": len(r),
            "hit@1": mean([x["hit@1"] for x in r]),
            "hit@3": mean([x["hit@3"] for x in r]),
            "hit@5": mean([x["hit@5"] for x in r]),
            "mrr": mean([x["rr"] for x in r]),
            "recall@5": mean([x["recall@5"] for x in r]),
            "unit_hit@1": mean(fine) if fine else float("nan"),
            "n_unit": len(fine),
        }


def evaluate(retriever: Retriever, items: list[dict], system: System, scope: str) -> tuple[Scores, list[float]]:
    scores, latencies = Scores(), []
    for item in items:
        started = time.perf_counter()
        result = retriever.search(item["q"], k=5, scope=scope, mode=system.mode, route=system.route)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - started) * 1000)
        gold = {(g["doc"], g["article"]) for g in item["gold"]}
        ranked = article_keys(result)
        main = item["gold"][0]
        scores.rows.append(
            {
                "id": item["id"],
                "q": item["q"],
                "style": item.get("style"),
                "gold": sorted(gold),
                "got": ranked,
                "hit@1": hit_at(ranked, gold, 1),
                "hit@3": hit_at(ranked, gold, 3),
                "hit@5": hit_at(ranked, gold, 5),
                "rr": reciprocal_rank(ranked, gold),
                "recall@5": recall_at(ranked, gold, 5),
                "fine": main["paragraph"] is not None or main["item"] is not None,
                "unit_hit": unit_match(result, main),
                "routed": result.routed,
            }
        )
    return scores, latencies


def abstention(retriever: Retriever, in_scope: list[dict], out: list[dict], system: System) -> dict[str, float]:
    """Abstain = the relevance signal says 'nothing relevant'. Positive class: should abstain."""
    predicted, actual = [], []
    for item, should in [(i, False) for i in in_scope] + [(i, True) for i in out]:
        result = retriever.search(item["q"], k=5, scope="all", mode=system.mode, route=system.route)  # type: ignore[arg-type]
        predicted.append(not result.relevant)
        actual.append(should)
    p, r = precision_recall(predicted, actual)
    wrongly = [pred for pred, should in zip(predicted, actual, strict=True) if not should]
    return {"abstain_precision": p, "abstain_recall": r, "false_abstain_rate": mean([float(x) for x in wrongly])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="e5 systems only")
    parser.add_argument("--failures", type=int, default=15, help="failures listed per system and dataset")
    args = parser.parse_args()
    systems = [s for s in SYSTEMS if not args.quick or s.backend == "e5"]
    data = {name: load_jsonl(file) for name, file in IN_SCOPE.items()}
    out_of_scope = load_jsonl(OUT_OF_SCOPE)
    retrievers: dict[str, Retriever] = {}
    report: dict = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "systems": {}}
    for system in systems:
        if system.backend not in retrievers:
            retrievers[system.backend] = ready_retriever(settings_for(system.backend))
        retriever = retrievers[system.backend]
        entry: dict = {"datasets": {}, "failures": {}}
        all_latencies: list[float] = []
        for name, items in data.items():
            scopes = ["all", "primary"] if name in ("dev", "heldout") else ["all"]
            for scope in scopes:
                scores, latencies = evaluate(retriever, items, system, scope)
                all_latencies += latencies
                key = name if scope == "all" else f"{name} (办法 only)"
                entry["datasets"][key] = scores.summary()
                entry["failures"][key] = [
                    {k: row[k] for k in ("id", "q", "style", "gold", "got")} for row in scores.rows if not row["hit@1"]
                ][: args.failures]
        # the relevance signal is calibrated for the hybrid ranking only
        entry["abstention"] = (
            abstention(retriever, data["dev"], out_of_scope, system) if system.mode == "hybrid" else None
        )
        entry["latency_ms"] = {"p50": percentile(all_latencies, 50), "p95": percentile(all_latencies, 95)}
        report["systems"][system.name] = entry
        print(f"{system.name}: " + ", ".join(f"{k} hit@1={v['hit@1']:.3f}" for k, v in entry["datasets"].items()))
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "retrieval.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    (REPORTS / "retrieval.md").write_text(markdown(report), encoding="utf-8")
    print(f"wrote {REPORTS / 'retrieval.md'}")


def markdown(report: dict) -> str:
    lines = [f"# Retrieval evaluation ({report['generated']})", ""]
    datasets = list(next(iter(report["systems"].values()))["datasets"])
    for ds in datasets:
        lines += [
            f"## {ds}",
            "",
            "| system | n | hit@1 | hit@3 | hit@5 | MRR | recall@5 | 款/项 hit@1 (n) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, entry in report["systems"].items():
            s = entry["datasets"][ds]
            lines.append(
                f"| {name} | {s['n']} | {s['hit@1']:.3f} | {s['hit@3']:.3f} | {s['hit@5']:.3f} | {s['mrr']:.3f} | "
                f"{s['recall@5']:.3f} | {s['unit_hit@1']:.3f} ({s['n_unit']}) |"
            )
        lines.append("")
    lines += [
        "## Relevance signal (dev in-scope vs out-of-scope)",
        "",
        "| system | abstain precision | abstain recall | false abstain rate (in-scope) | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, entry in report["systems"].items():
        a, lat = entry["abstention"], entry["latency_ms"]
        cells = (
            f"{a['abstain_precision']:.3f} | {a['abstain_recall']:.3f} | {a['false_abstain_rate']:.3f}"
            if a
            else "— | — | —"
        )
        lines.append(f"| {name} | {cells} | {lat['p50']:.1f} | {lat['p95']:.1f} |")
    lines += ["", "## Failures at hit@1", ""]
    for name, entry in report["systems"].items():
        for ds, rows in entry["failures"].items():
            for row in rows:
                lines.append(
                    f"- {name} / {ds} / {row['id']} ({row['style']}): {row['q']} — gold {row['gold']}, got {row['got'][:3]}"
                )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
