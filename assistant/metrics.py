"""Evaluation metrics, each a pure function (ragas-style): rankings against gold keys, outcomes against
expected ones."""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any


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
