"""The systems the evaluation compares, each answering questions in the JSON contract.

- `assistant`: this project's engine (what `regassist ask --json --batch -` runs), in-process so that each
  answer is timed; the batch command itself is scored as an `external` system in tests/test_eval.py.
- `bm25`, `dense`: our index searched by one signal alone (its units carry their headings, subject terms
  and sample questions); the top hits are the citations, whole units.
- `langchain`: the common recipe. Each document's text is cut by RecursiveCharacterTextSplitter (500
  characters, overlap 50), embedded with the same e5 model into an in-memory Chroma collection, and
  searched by similarity (top 4); the citations are the articles each chunk overlaps, chunk by chunk in
  rank order and, within a chunk, the article it overlaps most first, quoting the overlap. So the gain from structure-aware units is a measured ratio, not a claim.
- `external`: any command that reads questions as JSONL on stdin and writes contract JSON lines.

Baselines never abstain and never calculate: they are retrievers, as the recipe is.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from common import ROOT

from assistant.config import Settings
from assistant.corpus import Corpus
from assistant.index import VectorCache
from assistant.references import UnitRef
from assistant.structure import Document

AS_OF = "2026-11-26"  # items without their own as_of speak for this day, so figures do not move
BASELINE_K = 5
RECIPE_K = 4
CHUNK_SIZE = 500
CHUNK_OVERLAP = 50
EXTERNAL_TIMEOUT = 1800  # seconds for a whole dataset


class SystemFailure(Exception):
    """A system that could not answer a dataset: the run goes on without it and the report says why."""


@dataclass(frozen=True)
class Run:
    """A system's answers to a list of questions, in order, with the wall time they took."""

    records: list[dict[str, Any]]
    seconds: float
    latencies: list[float]  # per question where the system can time one; else empty


class System(Protocol):
    name: str

    def answer(self, items: Sequence[Mapping[str, Any]]) -> Run: ...


def question_line(item: Mapping[str, Any]) -> dict[str, Any]:
    """The batch input for one question: id, q and, when present, as_of and history."""
    line = {"id": item["id"], "q": item["q"], "as_of": item.get("as_of", AS_OF)}
    if "history" in item:
        line["history"] = item["history"]
    return line


def _contract(item: Mapping[str, Any], citations: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "question": item["q"],
        "as_of": item.get("as_of", AS_OF),
        "answer": "\n\n".join(c["quote"] for c in citations),
        "abstained": False,
        "intent": "retrieval",
        "citations": citations,
        "calculation": None,
        "warnings": [],
    }


def _citation(doc: Document, article: int, paragraph: int | None, item: int | None, quote: str) -> dict[str, Any]:
    unit = doc.find(UnitRef(article=article, paragraph=paragraph, item=item))
    return {
        "doc_id": doc.id,
        "doc_title": doc.meta.title,
        "doc_number": doc.meta.number,
        "article": article,
        "paragraph": paragraph,
        "item": item,
        "label": f"{doc.meta.short_name} {doc.unit_label(unit)}",
        "quote": quote,
    }


# --- this assistant ----------------------------------------------------------------------------------


@dataclass
class CommandSystem:
    """A command speaking the contract over JSONL: the assistant's batch mode, or any other system."""

    name: str
    command: list[str]

    @classmethod
    def assistant(cls, extra_docs: str | None = None) -> CommandSystem:
        command = [sys.executable, "-m", "assistant.cli"]
        if extra_docs:
            command += ["--extra-docs", extra_docs]
        return cls("assistant", [*command, "ask", "--json", "--batch", "-", "--as-of", AS_OF])

    @classmethod
    def external(cls, command: str) -> CommandSystem:
        return cls("external", shlex.split(command))

    def answer(self, items: Sequence[Mapping[str, Any]]) -> Run:
        lines = "".join(json.dumps(question_line(i), ensure_ascii=False) + "\n" for i in items)
        command = shlex.join(self.command)
        started = time.perf_counter()
        try:
            done = subprocess.run(
                self.command,
                input=lines,
                capture_output=True,
                text=True,
                encoding="utf-8",
                cwd=ROOT,
                check=False,
                timeout=EXTERNAL_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise SystemFailure(f"`{command}` took more than {EXTERNAL_TIMEOUT} s") from None
        except OSError as exc:
            raise SystemFailure(f"`{command}` could not start: {exc}") from None
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemFailure(f"`{command}` exited {done.returncode}: {done.stderr[-300:].strip()}")
        records = []
        for number, line in enumerate(done.stdout.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemFailure(f"output line {number} is not JSON ({exc.msg}): {line[:80]}") from None
            if not isinstance(record, dict):
                raise SystemFailure(f"output line {number} is not a JSON object: {line[:80]}")
            records.append(record)
        by_id = {r.get("id"): r for r in records}
        if len(records) != len(items) or any(i["id"] not in by_id for i in items):
            missing = [i["id"] for i in items if i["id"] not in by_id][:5]
            raise SystemFailure(f"{len(items)} questions in, {len(records)} answers out (missing ids: {missing})")
        return Run([by_id[i["id"]] for i in items], seconds, [])


# --- our index, one signal at a time -------------------------------------------------------------------


@dataclass
class RetrieverSystem:
    """BM25 alone or the dense vectors alone over our units; no router, no fusion, no abstention."""

    name: str
    retriever: Any
    mode: str
    retrieves_only: bool = True  # no calculations, no refusals: those datasets do not apply

    def answer(self, items: Sequence[Mapping[str, Any]]) -> Run:
        corpus: Corpus = self.retriever.corpus
        records, latencies = [], []
        started = time.perf_counter()
        for item in items:
            t = time.perf_counter()
            result = self.retriever.search(item["q"], k=BASELINE_K, mode=self.mode, route=False)
            citations = []
            for hit in result.hits:
                e = hit.entry
                doc = corpus.documents[e.doc_id]
                citations.append(_citation(doc, e.article, e.paragraph, e.item, e.text))
            latencies.append(time.perf_counter() - t)
            records.append(_contract(item, citations))
        return Run(records, time.perf_counter() - started, latencies)


# --- the LangChain recipe ----------------------------------------------------------------------------


@dataclass
class LangChainRecipe:
    """Fixed-size chunks, similarity top 4, citations = the articles a chunk overlaps."""

    store: Any
    corpus: Corpus
    name: str = "langchain"
    retrieves_only: bool = True

    @classmethod
    def build(cls, corpus: Corpus, embeddings: Any) -> LangChainRecipe:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_core.documents import Document as LCDocument
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        chunks = splitter.split_documents(
            [LCDocument(page_content=doc.text, metadata={"doc_id": doc.id}) for doc in corpus.documents.values()]
        )
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        # Ephemeral clients in one process share their memory: each build needs a collection of its own.
        name = f"recipe-{uuid.uuid4().hex}"
        store = Chroma(client=client, collection_name=name, embedding_function=CachedPassages.around(embeddings))
        store.add_documents(chunks)
        return cls(store, corpus)

    def answer(self, items: Sequence[Mapping[str, Any]]) -> Run:
        records, latencies = [], []
        started = time.perf_counter()
        for item in items:
            t = time.perf_counter()
            chunks = self.store.similarity_search(item["q"], k=RECIPE_K)
            citations = []
            seen: set[tuple[str, int]] = set()
            for chunk in chunks:
                doc = self.corpus.documents[chunk.metadata["doc_id"]]
                start = chunk.metadata["start_index"]
                spans = overlapped_articles(doc, start, start + len(chunk.page_content))
                for article, quote in sorted(spans, key=lambda span: -len(span[1])):  # the most overlapped first
                    if (doc.id, article) not in seen:
                        seen.add((doc.id, article))
                        citations.append(_citation(doc, article, None, None, quote))
            latencies.append(time.perf_counter() - t)
            records.append(_contract(item, citations))
        return Run(records, time.perf_counter() - started, latencies)


class CachedPassages:
    """The recipe's embeddings with its chunk vectors kept in a cache file beside the index's, so a second
    run (or the extended corpus) embeds only chunks it has not seen."""

    def __init__(self, embeddings: Any, cache: VectorCache) -> None:
        self.embeddings = embeddings
        self.cache = cache

    @classmethod
    def around(cls, embeddings: Any) -> CachedPassages:
        return cls(embeddings, VectorCache.of(Settings().cache_dir, embeddings.info, prefix="recipe-"))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if VectorCache.key(t) not in self.cache.vectors]
        if missing:
            for text, vector in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                self.cache.vectors[VectorCache.key(text)] = np.asarray(vector, dtype=np.float32)
            self.cache.save()
        return [self.cache.vectors[VectorCache.key(t)].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embeddings.embed_query(text)


def overlapped_articles(doc: Document, start: int, end: int) -> list[tuple[int, str]]:
    """(article number, the overlapping text) for each article a span of the document touches."""
    out = []
    for article in doc.articles:
        a, b = max(start, article.start), min(end, article.end)
        if a < b and doc.text[a:b].strip():
            out.append((article.number, doc.text[a:b].strip()))
    return out
