"""Every system on every dataset, side by side: writes evals/reports/latest.{md,json,png}.

    make eval
    .venv/bin/python evals/run_eval.py [--systems assistant,bm25,dense,langchain] [--system-cmd "CMD"]
                                       [--datasets in_scope,calculators_dev] [--out evals/reports/latest]

`--system-cmd` adds any system that reads questions as JSONL on stdin ({"id","q"} and, for dialogue
turns, "history" and "as_of") and writes one contract JSON line per question, in order — for example
`--system-cmd ".venv/bin/regassist ask --json --batch - --as-of 2026-11-26"`.

cross_document.jsonl runs on the corpus extended with ../shared/corpus/regulations (its own index under
index/eval-extended); every other dataset on the default corpus `make run` serves.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import DATASETS, REPORTS, ROOT, load_jsonl, ready_retriever
from systems import AS_OF, CommandSystem, LangChainRecipe, RetrieverSystem, Run, System, SystemFailure

from assistant.config import Settings
from assistant.corpus import Corpus, load_corpus
from assistant.metrics import (
    calculator_problems,
    citation_prf,
    cited_articles,
    contract_problems,
    hit_at,
    mean,
    percentile,
    precision_recall,
    quote_fidelity,
    reciprocal_rank,
    refused_problems,
    turn_problems,
)

# name → (file, kind, corpus configuration)
DATASET_FILES: dict[str, tuple[str, str, str]] = {
    "in_scope": ("in_scope.jsonl", "cited", "default"),
    "retrieval_dev": ("retrieval_dev.jsonl", "cited", "default"),
    "retrieval_heldout": ("retrieval_heldout.jsonl", "cited", "default"),
    "in_scope_heldout": ("in_scope_heldout.jsonl", "cited", "default"),
    "router": ("router.jsonl", "cited", "default"),
    "national": ("national_dev.jsonl", "cited", "default"),
    "cross_document": ("cross_document.jsonl", "cited", "extended"),
    "calculators": ("calculators_dev.jsonl", "calculator", "default"),
    "out_of_scope": ("out_of_scope_dev.jsonl", "refused", "default"),
    "out_of_scope_heldout": ("out_of_scope_heldout.jsonl", "refused", "default"),
    "dialogues": ("dialogues.jsonl", "dialogue", "default"),
}
SYSTEMS = ("assistant", "bm25", "dense", "langchain")
PRF_KEYS = ("article_p", "article_r", "article_f1", "unit_p", "unit_r", "unit_f1")
NOT_FOR_RETRIEVERS = ("calculator", "refused")  # shown as — for systems that only retrieve
REGULATIONS = Path(os.environ.get("REGASSIST_EVAL_REGULATIONS", ROOT.parent / "shared" / "corpus" / "regulations"))
FAILURES_SHOWN = 25  # per system and dataset in the markdown; the JSON has all


# --- items --------------------------------------------------------------------------------------------


def dataset_items(name: str) -> list[dict[str, Any]]:
    """A dataset's questions; a dialogue becomes one item per turn, carrying the questions before it."""
    file, kind, _ = DATASET_FILES[name]
    rows = load_jsonl(file)
    if kind != "dialogue":
        return rows
    items = []
    for dialogue in rows:
        asked: list[str] = []
        for n, turn in enumerate(dialogue["turns"], 1):
            item = {"id": f"{dialogue['id']}#{n}", "q": turn["q"], "history": list(asked), "expect": turn["expect"]}
            item["as_of"] = dialogue.get("as_of", AS_OF)
            items.append(item)
            asked.append(turn["q"])
    return items


# --- scoring one answer ----------------------------------------------------------------------------


def score_item(kind: str, item: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The per-item scores of one answer; `problems` is empty when it is right."""
    if kind == "cited":
        ranked = cited_articles(record["citations"])
        gold = {(g["doc"], g["article"]) for g in item["gold"]}
        pa, ra, fa = citation_prf(record["citations"], item["gold"], "article")
        pu, ru, fu = citation_prf(record["citations"], item["gold"], "unit")
        hit1 = hit_at(ranked, gold, 1)
        problems = [] if hit1 else [_cited_problem(item, record)]
        return {
            "hit@1": hit1,
            "hit@3": hit_at(ranked, gold, 3),
            "hit@5": hit_at(ranked, gold, 5),
            "mrr": reciprocal_rank(ranked, gold),
            "article_p": pa,
            "article_r": ra,
            "article_f1": fa,
            "unit_p": pu,
            "unit_r": ru,
            "unit_f1": fu,
            "ok": bool(hit1),
            "problems": problems,
        }
    if kind == "calculator":
        problems = calculator_problems(item, record)
    elif kind == "refused":
        problems = refused_problems(record)
    else:
        problems = turn_problems(item["expect"], record)
    return {"ok": not problems, "problems": problems}


def _broken(kind: str, problems: list[str]) -> dict[str, Any]:
    """The scores of a record that is not the contract: wrong on every count."""
    zero = dict.fromkeys(("hit@1", "hit@3", "hit@5", "mrr", *PRF_KEYS), 0.0) if kind == "cited" else {}
    return {**zero, "ok": False, "broken": True, "problems": ["not the answer contract: " + "; ".join(problems)]}


def _cited_problem(item: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    if record["abstained"]:
        return f"abstained ({record['intent']})"
    if not record["citations"]:
        return "no citation"
    g = item["gold"][0]
    return f"first citation {record['citations'][0]['label']}, expected {g['doc']} 第{g['article']}条"


def should_abstain(kind: str, item: Mapping[str, Any]) -> bool | None:
    if kind == "refused":
        return True
    if kind in ("cited", "calculator"):
        return False
    return item["expect"].get("abstained")


# --- one system on one dataset ---------------------------------------------------------------------------


@dataclass
class Result:
    system: str
    dataset: str
    kind: str
    items: list[dict[str, Any]]
    records: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    run: Run
    quotes: tuple[int, int] = (0, 0)
    summary: dict[str, Any] = field(default_factory=dict)


def summarize(result: Result) -> dict[str, Any]:
    scores = result.scores
    out: dict[str, Any] = {"items": len(scores), "accuracy": mean([float(s["ok"]) for s in scores])}
    if result.kind == "cited":
        for key in ("hit@1", "hit@3", "hit@5", "mrr", *PRF_KEYS):
            out[key] = mean([s[key] for s in scores])
        readable = [r for r, s in zip(result.records, scores, strict=True) if not s.get("broken")]
        out["citations_per_answer"] = mean([float(len(r["citations"])) for r in readable])
    out["abstained"] = sum(bool(r.get("abstained")) for r in result.records)
    verbatim, total = result.quotes
    out["quotes"] = total
    out["quote_fidelity"] = verbatim / total if total else 1.0
    out["seconds"] = result.run.seconds
    return out


def evaluate(system: System, name: str, corpus: Corpus) -> Result:
    _, kind, _ = DATASET_FILES[name]
    items = dataset_items(name)
    run = system.answer(items)
    scores = []
    for item, record in zip(items, run.records, strict=True):
        broken = contract_problems(record)
        scores.append(_broken(kind, broken) if broken else score_item(kind, item, record))
    readable = [r for r, s in zip(run.records, scores, strict=True) if not s.get("broken")]
    result = Result(system.name, name, kind, items, run.records, scores, run, quote_fidelity(readable, corpus))
    result.summary = summarize(result)
    return result


# --- the systems, per corpus configuration ---------------------------------------------------------------


@dataclass
class InProcessAssistant:
    """This assistant, the engine the CLI's batch mode runs, timed per question."""

    assistant: Any
    name: str = "assistant"

    def answer(self, items: Sequence[Mapping[str, Any]]) -> Run:
        records, latencies = [], []
        started = time.perf_counter()
        for item in items:
            t = time.perf_counter()
            answer = self.assistant.ask(
                item["q"], history=item.get("history", []), as_of=item.get("as_of", AS_OF), id=item["id"]
            )
            latencies.append(time.perf_counter() - t)
            records.append(answer.to_dict())
        return Run(records, time.perf_counter() - started, latencies)


def configuration(name: str, say: Callable[[str], None]) -> tuple[Settings, Corpus, Any] | None:
    """(settings, corpus, retriever) of a corpus configuration, its index built when stale; None when the
    regulations folder the extended one needs is absent."""
    if name == "default":
        settings = Settings(extra_docs=None)
    else:
        if not REGULATIONS.is_dir():
            return None
        settings = Settings(
            extra_docs=REGULATIONS,
            index_dir=ROOT / "index" / "eval-extended",
            embedding_cache=Settings().cache_dir,  # the vectors are shared; only new texts are embedded
        )
    corpus = load_corpus(settings)
    return settings, corpus, ready_retriever(settings, corpus, say=say)


def make_systems(
    names: Sequence[str], settings: Settings, corpus: Corpus, retriever: Any, external: str | None, cache: dict
) -> list[System]:
    from assistant.answer import Assistant

    systems: list[System] = []
    for name in names:
        if name == "assistant":
            systems.append(InProcessAssistant(Assistant.create(settings, corpus=corpus)))
        elif name in ("bm25", "dense"):
            systems.append(RetrieverSystem(name, retriever, name))
        elif name == "langchain":
            key = ("langchain", id(corpus))
            if key not in cache:
                cache[key] = LangChainRecipe.build(corpus, retriever.embedder)
            systems.append(cache[key])
        else:
            raise SystemExit(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")
    if external:  # it chooses its own corpus: nothing says which documents it has
        systems.append(CommandSystem.external(external))
    return systems


# --- the run and its report ----------------------------------------------------------------------------


def run_all(
    systems: Sequence[str], datasets: Sequence[str], external: str | None, say: Callable[[str], None] = print
) -> tuple[list[Result], list[str]]:
    results: list[Result] = []
    notes: list[str] = []
    cache: dict = {}
    for config in ("default", "extended"):
        names = [d for d in datasets if DATASET_FILES[d][2] == config]
        if not names:
            continue
        loaded = configuration(config, say)
        if loaded is None:
            notes.append(f"{', '.join(names)}: skipped, the regulations folder {REGULATIONS} is absent")
            continue
        settings, corpus, retriever = loaded
        for name in names:
            absent = _absent_gold_documents(name, corpus)
            if absent:
                notes.append(f"{name}: gold units in documents this corpus lacks ({', '.join(absent)}) cannot be found")
        for system in make_systems(systems, settings, corpus, retriever, external, cache):
            for name in names:
                if getattr(system, "retrieves_only", False) and DATASET_FILES[name][1] in NOT_FOR_RETRIEVERS:
                    continue
                say(f"[{config}] {system.name} × {name}")
                try:
                    results.append(evaluate(system, name, corpus))
                except SystemFailure as exc:
                    notes.append(f"{system.name} × {name}: not scored, {exc}")
    return results, notes


def _absent_gold_documents(name: str, corpus: Corpus) -> list[str]:
    golds = [g for item in dataset_items(name) for g in item.get("gold", [])]
    return sorted({g["doc"] for g in golds if g["doc"] not in corpus.documents})


def overall(results: Sequence[Result]) -> dict[str, dict[str, Any]]:
    """Per system: abstention precision/recall, quote fidelity and latency over every dataset it ran."""
    out: dict[str, dict[str, Any]] = {}
    for system in dict.fromkeys(r.system for r in results):
        mine = [r for r in results if r.system == system]
        predicted, actual = [], []
        for r in mine:
            for item, record in zip(r.items, r.records, strict=True):
                expected = should_abstain(r.kind, item)
                if expected is not None:
                    predicted.append(bool(record.get("abstained")))
                    actual.append(expected)
        precision, recall = precision_recall(predicted, actual)
        never = not any(predicted)  # a system that never abstains has no abstention precision
        verbatim = sum(r.quotes[0] for r in mine)
        total = sum(r.quotes[1] for r in mine)
        latencies = [x for r in mine for x in r.run.latencies]
        questions = sum(len(r.items) for r in mine)
        out[system] = {
            "abstention_precision": None if never else precision,
            "abstention_recall": recall,
            "quote_fidelity": verbatim / total if total else 1.0,
            "quotes": total,
            "latency_p50_ms": 1000 * percentile(latencies, 50) if latencies else None,
            "latency_p95_ms": 1000 * percentile(latencies, 95) if latencies else None,
            "seconds_per_question_ms": 1000 * sum(r.run.seconds for r in mine) / questions if questions else None,
        }
    return out


def headline(result: Result) -> float:
    return result.summary["hit@1"] if result.kind == "cited" else result.summary["accuracy"]


def write_report(results: Sequence[Result], notes: Sequence[str], out: Path, seconds: float) -> None:
    systems = list(dict.fromkeys(r.system for r in results))
    datasets = list(dict.fromkeys(r.dataset for r in results))
    by = {(r.system, r.dataset): r for r in results}
    totals = overall(results)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    payload = {
        "generated": stamp,
        "as_of": AS_OF,
        "seconds": seconds,
        "notes": list(notes),
        "systems": systems,
        "overall": totals,
        "results": [
            {
                "system": r.system,
                "dataset": r.dataset,
                "kind": r.kind,
                "summary": r.summary,
                "failures": [
                    {
                        "id": i["id"],
                        "question": i["q"],
                        "expected": _expected(r.kind, i),
                        "got": _got(rec),
                        "problems": s["problems"],
                    }
                    for i, rec, s in zip(r.items, r.records, r.scores, strict=True)
                    if not s["ok"]
                ],
            }
            for r in results
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")

    lines = [
        f"# Evaluation: {', '.join(systems)} ({stamp}, {seconds:.0f} s)",
        "",
        "Headline per dataset: article hit@1 for cited questions; share right for calculator verdicts,",
        "refusals and dialogue turns. The baselines are retrievers: they never abstain or calculate, so the",
        "calculator and refusal sets do not apply to them (—). They cite 5 units (BM25, dense) or every article",
        "their 4 chunks overlap (langchain), the assistant 1–3: compare hit@1 and recall, not precision.",
        "",
        "| dataset | kind | items | " + " | ".join(systems) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in systems) + " |",
    ]
    for d in datasets:
        first = next(r for r in results if r.dataset == d)
        cells = [f"{headline(by[s, d]):.3f}" if (s, d) in by else "—" for s in systems]
        lines.append(f"| {d} | {first.kind} | {len(first.items)} | " + " | ".join(cells) + " |")
    lines += ["", "## Citations (cited datasets, mean over items; unit = 款/项 level)", ""]
    keys = ("hit@1", "hit@3", "hit@5", "mrr", *PRF_KEYS, "citations_per_answer")
    lines += [
        "| system | dataset | " + " | ".join(keys) + " |",
        "| --- | --- | " + " | ".join("---" for _ in keys) + " |",
    ]
    for r in results:
        if r.kind == "cited":
            lines.append(f"| {r.system} | {r.dataset} | " + " | ".join(f"{r.summary[k]:.3f}" for k in keys) + " |")
    if "dense" in systems and "langchain" in systems:
        lines += [
            "",
            "## Structure-aware units against fixed-size chunks (same e5 model)",
            "",
            "dense searches our 条/款/项 units, each with its index annotations (headings, subject terms, sample",
            "questions) and 繁→简 queries; langchain searches 500-character chunks and cites the articles they",
            "overlap. The ratio (dense ÷ langchain) measures units and annotations together against chunks.",
            "",
            "| dataset | hit@1 dense | hit@1 langchain | ratio | article F1 dense | article F1 langchain | ratio |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for d in datasets:
            if (("dense", d) in by and ("langchain", d) in by) and by["dense", d].kind == "cited":
                a, b = by["dense", d].summary, by["langchain", d].summary
                lines.append(
                    f"| {d} | {a['hit@1']:.3f} | {b['hit@1']:.3f} | {_ratio(a['hit@1'], b['hit@1'])} | "
                    f"{a['article_f1']:.3f} | {b['article_f1']:.3f} | {_ratio(a['article_f1'], b['article_f1'])} |"
                )
    lines += ["", "## Every dataset, per system", ""]
    lines += [
        "| system | abstention precision | abstention recall | quote fidelity (quotes) | p50 ms | p95 ms | s/question ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in systems:
        t = totals[s]
        p50 = f"{t['latency_p50_ms']:.1f}" if t["latency_p50_ms"] is not None else "—"
        p95 = f"{t['latency_p95_ms']:.1f}" if t["latency_p95_ms"] is not None else "—"
        lines.append(
            f"| {s} | {_num(t['abstention_precision'])} | {t['abstention_recall']:.3f} | "
            f"{t['quote_fidelity']:.3f} ({t['quotes']}) | {p50} | {p95} | {t['seconds_per_question_ms']:.1f} |"
        )
    if notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in notes]]
    lines += ["", "## Failures", ""]
    for r in payload["results"]:
        failures = r["failures"]
        if not failures:
            continue
        lines.append(f"### {r['system']} × {r['dataset']} ({len(failures)})")
        lines.append("")
        for f in failures[:FAILURES_SHOWN]:
            lines.append(
                f"- {f['id']} {f['question']} — expected {f['expected']}; got {f['got']} ({'; '.join(f['problems'])})"
            )
        if len(failures) > FAILURES_SHOWN:
            lines.append(f"- … {len(failures) - FAILURES_SHOWN} more in {out.with_suffix('.json').name}")
        lines.append("")
    out.with_suffix(".md").write_text("\n".join(lines), encoding="utf-8")
    chart(results, systems, datasets, out.with_suffix(".png"))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "—"


def _expected(kind: str, item: Mapping[str, Any]) -> Any:
    if kind == "cited":
        return [
            f"{g['doc']} 第{g['article']}条" + (f"第{g['paragraph']}款" if g.get("paragraph") else "")
            for g in item["gold"]
        ]
    if kind == "calculator":
        return item["expected"]
    if kind == "refused":
        return "a refusal without citations"
    return item["expect"]


def _got(record: Mapping[str, Any]) -> str:
    if contract_problems(record):
        return json.dumps(record, ensure_ascii=False)[:120]
    first = record["citations"][0]["label"] if record["citations"] else "no citation"
    return f"{record['intent']}{' (abstained)' if record['abstained'] else ''}, {first}: {record['answer'][:60]}"


def chart(results: Sequence[Result], systems: list[str], datasets: list[str], path: Path) -> None:
    """Grouped bars: each dataset's headline figure, one bar per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = {(r.system, r.dataset): headline(r) for r in results}
    width = 0.8 / max(1, len(systems))
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(datasets) + 2), 4.5))
    for n, system in enumerate(systems):
        xs = [i + n * width for i in range(len(datasets))]
        ax.bar(xs, [by.get((system, d), 0.0) for d in datasets], width, label=system)  # absent: no bar
    ax.set_xticks([i + width * (len(systems) - 1) / 2 for i in range(len(datasets))])
    ax.set_xticklabels(datasets, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("hit@1 (cited) / share right")
    ax.set_title(f"regassist evaluation (as of {AS_OF})")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated: " + ", ".join(SYSTEMS))
    parser.add_argument("--system-cmd", default=None, help="an external system speaking the contract over JSONL")
    parser.add_argument("--datasets", default=",".join(DATASET_FILES), help="comma-separated dataset names")
    parser.add_argument("--out", type=Path, default=REPORTS / "latest", help="report path without suffix")
    args = parser.parse_args()
    systems = [s for s in args.systems.split(",") if s]
    datasets = [d for d in args.datasets.split(",") if d]
    unknown = [d for d in datasets if d not in DATASET_FILES]
    if unknown:
        raise SystemExit(f"unknown dataset(s) {unknown}; known: {', '.join(DATASET_FILES)}")
    missing = [d for d in datasets if not (DATASETS / DATASET_FILES[d][0]).exists()]
    if missing:
        raise SystemExit(f"dataset file(s) missing: {missing}")
    started = time.perf_counter()
    results, notes = run_all(systems, datasets, args.system_cmd)
    seconds = time.perf_counter() - started
    write_report(results, notes, args.out, seconds)
    print(args.out.with_suffix(".md").read_text(encoding="utf-8").split("\n## Citations")[0])
    print(f"\nwrote {args.out.with_suffix('.md')}, .json and .png in {seconds:.0f} s")


if __name__ == "__main__":
    main()
