"""Choose the ranking weights and the relevance calibration on the dev set; write corpus/retrieval.toml.

    .venv/bin/python evals/tune_retrieval.py            # print the chosen parameters and scores
    .venv/bin/python evals/tune_retrieval.py --write    # also write them to corpus/retrieval.toml

Ranking: a linear score over the candidate features (`assistant.retrieve.RANK_FEATURES`), fitted
by listwise softmax regression on retrieval_dev + national_dev (every question's gold article
against the other candidates), with rrf_k chosen by 5-fold cross-validated hit@1. The held-out
set is scored for the report only, never used to choose anything.

Relevance: logistic regression of "in scope" over the query features (`QUERY_FEATURES`), dev and
national questions against out_of_scope_dev; the threshold is the highest that wrongly abstains
on at most 2% of those in-scope questions.
"""

from __future__ import annotations

import argparse
import random

import numpy as np
from common import ROOT, load_jsonl, ready_retriever, settings_for

from assistant.retrieve import QUERY_FEATURES, RANK_FEATURES, Retriever, _query_features

RRF_KS = (5.0, 10.0, 20.0, 60.0)
CANDIDATES = 30
L2 = 0.01
MAX_FALSE_ABSTAIN = 0.02


def rows(retriever: Retriever, items: list[dict]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: candidate feature matrix and 0/1 gold labels (questions whose gold is missed are kept)."""
    doc_ids = retriever.scope_ids("all")
    out = []
    for item in items:
        signals = retriever.signals(item["q"], doc_ids)
        candidates = retriever.candidates(signals)
        gold = {(g["doc"], g["article"]) for g in item["gold"]}
        X = np.array([[c.features[f] for f in RANK_FEATURES] for c in candidates], dtype=float).reshape(
            -1, len(RANK_FEATURES)
        )
        y = np.array([1.0 if (c.key[0], c.key[1]) in gold else 0.0 for c in candidates])
        out.append((X, y))
    return out


def fit_listwise(data: list[tuple[np.ndarray, np.ndarray]], steps: int = 3000, lr: float = 0.5) -> np.ndarray:
    """Weights maximising the softmax likelihood of the gold candidates (features standardised inside)."""
    usable = [(X, y) for X, y in data if y.any() and len(y) > 1]
    stacked = np.vstack([X for X, _ in usable])
    scale = stacked.std(axis=0)
    scale[scale == 0] = 1.0
    w = np.zeros(stacked.shape[1])
    for _ in range(steps):
        grad = L2 * w
        for X, y in usable:
            Z = X / scale
            s = Z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = y / y.sum()
            grad += Z.T @ (p - target) / len(usable)
        w -= lr * grad
    return w / scale


def hit1(data: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    hits = [float(y[int(np.argmax(X @ w))] == 1.0) if len(y) else 0.0 for X, y in data]
    return sum(hits) / len(hits)


def cross_validated(data: list[tuple[np.ndarray, np.ndarray]], folds: int = 5, seed: int = 7) -> float:
    order = list(range(len(data)))
    random.Random(seed).shuffle(order)
    hits = []
    for f in range(folds):
        test = set(order[f::folds])
        w = fit_listwise([d for i, d in enumerate(data) if i not in test], steps=1500)
        hits.append(hit1([data[i] for i in sorted(test)], w) * len(test))
    return sum(hits) / len(data)


def fit_logistic(X: np.ndarray, y: np.ndarray, steps: int = 5000, lr: float = 0.5) -> tuple[float, np.ndarray]:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        w -= lr * (Z.T @ (p - y) / len(y) + L2 * w)
        b -= lr * float(np.mean(p - y))
    raw = w / scale
    return b - float(mean @ raw), raw


def query_rows(retriever: Retriever, items: list[dict]) -> np.ndarray:
    doc_ids = retriever.scope_ids("all")
    feats = [_query_features(retriever.signals(i["q"], doc_ids), retriever.index) for i in items]
    return np.array([[f[name] for name in QUERY_FEATURES] for f in feats])


def tune(backend: str) -> tuple[str, dict]:
    settings = settings_for(backend)
    retriever = ready_retriever(settings, untuned=True)
    train = load_jsonl("retrieval_dev.jsonl") + load_jsonl("national_dev.jsonl")
    heldout = load_jsonl("retrieval_heldout.jsonl")
    best = None
    for rrf_k in RRF_KS:
        retriever.ranking = retriever.ranking.model_copy(update={"rrf_k": rrf_k, "candidates": CANDIDATES})
        data = rows(retriever, train)
        cv = cross_validated(data)
        print(f"[{backend}] rrf_k={rrf_k:g}: 5-fold CV hit@1 {cv:.3f}")
        if best is None or cv > best[0]:
            best = (cv, rrf_k, data)
    assert best is not None
    cv, rrf_k, data = best
    w = fit_listwise(data)
    weights = {f: round(float(v), 5) for f, v in zip(RANK_FEATURES, w, strict=True)}
    retriever.ranking = retriever.ranking.model_copy(
        update={"rrf_k": rrf_k, "candidates": CANDIDATES, "weights": weights}
    )
    held = hit1(rows(retriever, heldout), w)
    print(f"[{backend}] chosen rrf_k={rrf_k:g}; train hit@1 {hit1(data, w):.3f}, CV {cv:.3f}, held-out {held:.3f}")

    inside = load_jsonl("retrieval_dev.jsonl") + load_jsonl("national_dev.jsonl")
    outside = load_jsonl("out_of_scope_dev.jsonl")
    X = np.vstack([query_rows(retriever, inside), query_rows(retriever, outside)])
    y = np.array([1.0] * len(inside) + [0.0] * len(outside))
    intercept, coef = fit_logistic(X, y)
    p = 1 / (1 + np.exp(-(X @ coef + intercept)))
    p_in = np.sort(p[: len(inside)])
    threshold = float(p_in[int(MAX_FALSE_ABSTAIN * len(p_in))]) - 1e-6
    threshold = min(max(threshold, 0.01), 0.99)
    caught = float(np.mean(p[len(inside) :] < threshold))
    brier = float(np.mean((p - y) ** 2))
    print(f"[{backend}] relevance: threshold {threshold:.3f} catches {caught:.3f} of out-of-scope; Brier {brier:.4f}")
    lines = [
        f"[ranking.{_key(backend)}]",
        f"rrf_k = {rrf_k:g}",
        f"candidates = {CANDIDATES}",
        "weights = { " + ", ".join(f"{k} = {v}" for k, v in weights.items()) + " }",
        f"# dev+national hit@1 {hit1(data, w):.3f}, 5-fold CV {cv:.3f}, held-out {held:.3f}",
        "",
        f"[calibration.{_key(backend)}]",
        f"intercept = {intercept:.5f}",
        "weights = { " + ", ".join(f"{k} = {v:.5f}" for k, v in zip(QUERY_FEATURES, coef, strict=True)) + " }",
        f"threshold = {threshold:.4f}",
        f"# abstains on {caught:.3f} of out-of-scope dev questions; Brier score {brier:.4f}",
        "",
    ]
    return "\n".join(lines), {"cv": cv, "held": held}


def _key(backend: str) -> str:
    return backend if backend.isidentifier() else f'"{backend}"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="write corpus/retrieval.toml")
    parser.add_argument("--backend", action="append", choices=["e5", "sentence-transformers"])
    args = parser.parse_args()
    sections = []
    for backend in args.backend or ["e5", "sentence-transformers"]:
        text, _ = tune(backend)
        sections.append(text)
    header = (ROOT / "corpus" / "retrieval.toml").read_text(encoding="utf-8").split("\n[", 1)[0].rstrip() + "\n\n"
    output = header + "\n".join(sections)
    print(output)
    if args.write:
        (ROOT / "corpus" / "retrieval.toml").write_text(output, encoding="utf-8")
        print("wrote corpus/retrieval.toml")


if __name__ == "__main__":
    main()
