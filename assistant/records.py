"""JSON records of documents, units and search results: one shape for the CLI, the app and its API."""

from __future__ import annotations

from datetime import date
from typing import Any

from .corpus import Corpus
from .structure import Document, DocumentMeta, Unit


def document_record(corpus: Corpus, meta: DocumentMeta, day: date) -> dict[str, Any]:
    doc = corpus.documents.get(meta.id)
    return {
        "id": meta.id,
        "title": meta.title,
        "aliases": list(meta.aliases),
        "number": meta.number,
        "issuer": meta.issuer,
        "level": meta.level,
        "publish_date": iso(meta.publish_date),
        "effective_date": iso(meta.effective_date),
        "expiry_date": iso(meta.expiry_date),
        "version_date": iso(meta.version_date),
        "status": meta.status_on(day),
        "bundled": meta.bundled,
        "source": meta.source,
        "url": meta.url,
        "articles": len(doc.articles) if doc else None,
        "cites": list(meta.cites),
    }


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def unit_record(doc: Document, unit: Unit, day: date) -> dict[str, Any]:
    article = doc.article(unit.ref.article, unit.ref.suffix)
    return {
        "id": unit.id,
        "doc_id": doc.id,
        "doc_title": doc.meta.title,
        "doc_number": doc.meta.number,
        "article": unit.ref.article,
        "article_suffix": unit.ref.suffix,
        "paragraph": unit.ref.paragraph,
        "item": unit.ref.item,
        "subitem": unit.ref.subitem,
        "label": doc.label(unit),
        "text": unit.text,
        "start": unit.start,
        "end": unit.end,
        "chapter": article.chapter.name if article.chapter else None,
        "section": article.section.name if article.section else None,
        "status": doc.meta.status_on(day),
        "version_date": iso(doc.meta.version_date),
        "version_note": doc.meta.version_note(day),
        "as_of": day.isoformat(),
    }


def search_record(retriever: Any, result: Any) -> dict[str, Any]:
    return {
        "query": result.query,
        "routed": result.routed,
        "relevance": round(result.relevance, 4),
        "relevant": result.relevant,
        "threshold": retriever.calibration.threshold,
        "notices": list(result.notices),
        "hits": [
            {
                "rank": rank,
                "unit_id": h.entry.id,
                "doc_id": h.entry.doc_id,
                "doc_title": retriever.corpus.meta(h.entry.doc_id).title,
                "article": h.entry.article,
                "article_suffix": h.entry.suffix,
                "paragraph": h.entry.paragraph,
                "item": h.entry.item,
                "grain": h.entry.grain,
                "label": h.entry.label,
                "chapter": h.entry.chapter or None,
                "source": h.source,
                "score": round(h.score, 6),
                "bm25": None if h.bm25 is None else round(h.bm25, 4),
                "bm25_rank": None if h.bm25_rank is None else h.bm25_rank + 1,
                "dense": None if h.dense is None else round(h.dense, 4),
                "dense_rank": None if h.dense_rank is None else h.dense_rank + 1,
                "text": h.entry.text,
            }
            for rank, h in enumerate(result.hits, 1)
        ],
    }
