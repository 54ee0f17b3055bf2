"""Evaluation metrics, each a pure function (ragas-style): rankings against gold keys, outcomes against
expected ones."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import RequestError
from .references import UnitRef

if TYPE_CHECKING:
    from .corpus import Corpus


def first_rank(ranked: Sequence[Hashable], gold: set[Hashable] | frozenset[Hashable]) -> int | None:
    """1-based rank of the first gold key in a ranking, or None."""
    return next((i for i, key in enumerate(ranked, 1) if key in gold), None)


def hit_at(ranked: Sequence[Hashable], gold: set[Hashable] | frozenset[Hashable], k: int) -> float:
    rank = first_rank(ranked, gold)
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(ranked: Sequence[Hashable], gold: set[Hashable] | frozenset[Hashable]) -> float:
    rank = first_rank(ranked, gold)
    return 1.0 / rank if rank else 0.0


def recall_at(ranked: Sequence[Hashable], gold: set[Hashable] | frozenset[Hashable], k: int) -> float:
    """Share of the gold keys found in the top k."""
    if not gold:
        return 0.0
    return len(set(ranked[:k]) & set(gold)) / len(gold)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def brier(probabilities: Sequence[float], labels: Sequence[int]) -> float:
    """Mean squared error of probabilities against 0/1 labels: the calibration score."""
    return mean([(p - y) ** 2 for p, y in zip(probabilities, labels, strict=True)])


def precision_recall(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float, float]:
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    fn = sum(a and not p for p, a in zip(predicted, actual, strict=True))
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def outcome_differences(
    expected: Mapping[str, Any], outcome: Mapping[str, Any], as_sets: Sequence[str] = ("failed", "grounds")
) -> list[str]:
    """How a calculator's outcome differs from an expected one, field by field (listed fields compare
    as sets); empty when every expected field matches."""
    problems = []
    for key, want in expected.items():
        got = outcome.get(key)
        same = sorted(got or []) == sorted(want or []) if key in as_sets else got == want
        if not same:
            problems.append(f"{key}: expected {want!r}, got {got!r}")
    return problems


# --- answers in the JSON contract (README: "JSON contract") -----------------------------------------


def quote_problems(record: Mapping[str, Any], corpus: Corpus) -> list[str]:
    """Every citation's quote must be a verbatim slice of the unit it names."""
    problems = []
    for c in [*record["citations"], *((record.get("calculation") or {}).get("citations") or [])]:
        ref = UnitRef(article=c["article"], paragraph=c["paragraph"], item=c["item"])
        try:
            _, unit = corpus.lookup(ref, c["doc_id"])
        except RequestError as exc:
            problems.append(f"{c['label']}: {exc}")
            continue
        if not c["quote"] or c["quote"] not in unit.text:
            problems.append(f"{c['label']}: quote is not in the unit")
    return problems


def cited_problems(item: Mapping[str, Any], record: Mapping[str, Any]) -> tuple[list[str], bool | None]:
    """(problems, 款/项 hit or None when the gold has no 款/项): the first citation is a gold article."""
    if record["abstained"]:
        return [f"abstained ({record['intent']}): {record['answer'][:60]}"], None
    if not record["citations"]:
        return ["no citation"], None
    first = record["citations"][0]
    gold = item["gold"]
    if not any((g["doc"], g["article"]) == (first["doc_id"], first["article"]) for g in gold):
        return [f"first citation {first['label']}, gold {gold[0]['doc']} 第{gold[0]['article']}条"], None
    main = gold[0]
    if main["paragraph"] is None and main["item"] is None:
        return [], None
    fine = (first["paragraph"], first["item"]) == (main["paragraph"], main["item"]) or (
        main["item"] is None and first["paragraph"] == main["paragraph"]
    )
    return [], fine


def calculator_problems(item: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    expected = item["expected"]
    calc = record.get("calculation")
    if record["abstained"]:
        return [f"abstained ({record['intent']})"]
    if "error" in expected:
        if calc is not None:
            return [f"expected {expected['error']}, got a verdict"]
        return (
            []
            if record["answer"].startswith("无法计算")
            else [f"expected a refusal to calculate: {record['answer'][:60]}"]
        )
    if calc is None:
        return [f"no calculation ({record['intent']}): {record['answer'][:80]}"]
    if calc["rule"] != item["rule"]:
        return [f"rule {calc['rule']}, expected {item['rule']}"]
    outcome = dict(calc["outcome"])
    outcome["failed"] = [name for name, c in outcome.get("checks", {}).items() if c["ok"] is False]
    return outcome_differences(expected, outcome)


def refused_problems(record: Mapping[str, Any]) -> list[str]:
    if not record["abstained"]:
        return [f"answered ({record['intent']}): {record['answer'][:60]}"]
    if record["citations"]:
        return ["refusal carries citations"]
    return []


# --- citations against gold units (precision, recall, F1 at article and at 款/项 level) ---------------


def covers(gold: Mapping[str, Any], cited: Mapping[str, Any], level: str) -> bool:
    """Does a citation name the gold unit? At "article" level the same article counts; at "unit" level
    the citation must be the gold 款/项 or inside it (a gold article takes any of its units; a gold
    item without its 款 takes that item of any 款)."""
    if (cited.get("doc_id", cited.get("doc")), cited["article"]) != (gold["doc"], gold["article"]):
        return False
    if level == "article":
        return True
    return all(gold.get(key) is None or cited.get(key) == gold[key] for key in ("paragraph", "item"))


def citation_prf(
    citations: Sequence[Mapping[str, Any]], gold: Sequence[Mapping[str, Any]], level: str
) -> tuple[float, float, float]:
    """(precision, recall, F1): the share of distinct citations that name a gold unit, the share of gold
    units some citation names, and their harmonic mean. No citation at all scores 0, 0, 0."""
    if level == "article":
        distinct = list({(c["doc_id"], c["article"]): c for c in citations}.values())
    else:
        distinct = list({(c["doc_id"], c["article"], c["paragraph"], c["item"]): c for c in citations}.values())
    if not distinct or not gold:
        return 0.0, 0.0, 0.0
    precision = sum(any(covers(g, c, level) for g in gold) for c in distinct) / len(distinct)
    recall = sum(any(covers(g, c, level) for c in distinct) for g in gold) / len(gold)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cited_articles(citations: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    """The ranking a contract answer implies: its distinct cited articles, in order."""
    return list(dict.fromkeys((c["doc_id"], c["article"]) for c in citations))


CONTRACT_FIELDS: Mapping[str, type | tuple[type, ...]] = {
    "id": object,
    "answer": str,
    "abstained": bool,
    "intent": str,
    "citations": list,
    "calculation": (dict, type(None)),
}
CITATION_FIELDS = ("doc_id", "article", "paragraph", "item", "label", "quote")


def contract_problems(record: Mapping[str, Any]) -> list[str]:
    """What keeps a record from being read as the answer contract (fields and their types)."""
    problems = [
        f"{key}: missing" if key not in record else f"{key}: not {getattr(kind, '__name__', kind)}"
        for key, kind in CONTRACT_FIELDS.items()
        if key not in record or not isinstance(record[key], kind)
    ]
    citations = record.get("citations")
    for n, c in enumerate(citations if isinstance(citations, list) else [], 1):
        if not isinstance(c, dict) or any(k not in c for k in CITATION_FIELDS):
            problems.append(f"citation {n}: needs {', '.join(CITATION_FIELDS)}")
    return problems


def quote_fidelity(records: Sequence[Mapping[str, Any]], corpus: Corpus) -> tuple[int, int]:
    """(verbatim quotes, all quotes) over answers: must be all of them."""
    total = bad = 0
    for record in records:
        cited = [*record["citations"], *((record.get("calculation") or {}).get("citations") or [])]
        total += len(cited)
        bad += len(quote_problems(record, corpus))
    return total - bad, total


def turn_problems(expect: Mapping[str, Any], record: Mapping[str, Any]) -> list[str]:
    """How one answer in a dialogue misses its turn's expectations (intent, abstained, the first
    citation among `articles`, the opening words, calculation outcome fields); empty when it meets them."""
    problems = []
    if "intent" in expect and record["intent"] != expect["intent"]:
        problems.append(f"intent {record['intent']}, expected {expect['intent']}")
    if "abstained" in expect and record["abstained"] != expect["abstained"]:
        problems.append(f"abstained {record['abstained']}, expected {expect['abstained']}")
    if expect.get("articles"):
        first = record["citations"][0] if record["citations"] else None
        if first is None or not any(covers(g, first, "unit") for g in expect["articles"]):
            got = first["label"] if first else "no citation"
            wanted = "、".join(f"{g['doc']} 第{g['article']}条" for g in expect["articles"])
            problems.append(f"first citation {got}, expected {wanted}")
    if expect.get("verdict_starts") and not record["answer"].startswith(tuple(expect["verdict_starts"])):
        problems.append(f"answer starts “{record['answer'][:20]}”, expected {'/'.join(expect['verdict_starts'])}")
    if expect.get("outcome"):
        calc = record.get("calculation")
        if calc is None:
            problems.append("no calculation")
        else:
            problems += outcome_differences(expect["outcome"], calc["outcome"])
    return problems


def checker_problems(expected: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(defects missed, defects reported that were not expected) for one checked memo: a defect is
    its kind, document id and article (None for a document named without one)."""

    def key(kind: str, doc: str | None, article: int | None) -> str:
        return f"{kind} {doc} {article}"

    want = {key(d["kind"], d.get("doc"), d.get("article")) for d in expected}
    got = {key(d["kind"], f["doc_id"], f["article"]) for f in record["findings"] for d in f["defects"]}
    return sorted(want - got), sorted(got - want)
