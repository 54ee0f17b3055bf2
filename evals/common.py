"""Shared by the eval and benchmark scripts: datasets, settings per backend, index set-up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
REPORTS = ROOT / "evals" / "reports"
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.corpus import Corpus, load_corpus  # noqa: E402
from assistant.errors import IndexNotReady  # noqa: E402
from assistant.index import build, open_index, status  # noqa: E402
from assistant.retrieve import Calibration, Ranking, RetrievalParams, Retriever, prepare  # noqa: E402


def load_jsonl(name: str) -> list[dict]:
    path = DATASETS / name
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def settings_for(backend: str, **overrides: object) -> Settings:
    """The project's settings, with a separate index folder for a non-default backend."""
    base = Settings(**overrides)
    if backend == base.embedding_backend:
        return base
    return base.model_copy(update={"embedding_backend": backend, "index_dir": base.index_dir / f"eval-{backend}"})


def ready_retriever(settings: Settings, corpus: Corpus | None = None, say=print, untuned: bool = False) -> Retriever:
    """A retriever on a fresh index, building it first if it is missing or stale.

    `untuned` starts from default ranking and calibration, for fitting new ones."""
    corpus = corpus or load_corpus(settings)
    tokenizer, embedder, want = prepare(settings, corpus)
    reasons = status(settings, want)
    if reasons:
        say(f"[{settings.embedding_backend}] building index: {'; '.join(reasons)}")
        build(corpus, settings, tokenizer, embedder, progress=say)
    try:
        if not untuned:
            return Retriever.create(settings, corpus)
        backend = embedder.info.backend
        params = RetrievalParams(ranking={backend: Ranking()}, calibration={backend: Calibration()})
        embedder.warm_up()
        return Retriever(corpus, tokenizer, embedder, open_index(settings, want, embedder), params)
    except IndexNotReady as exc:
        raise SystemExit(str(exc)) from exc
