"""Citations: verbatim slices of a unit, and the check every shown citation must pass.

A citation is never trusted because of where it came from (rule data, the index, a language model):
`verify` re-reads the document at its offsets before an answer may show it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .corpus import Corpus
from .errors import RequestError
from .references import UnitRef
from .structure import Document, Unit


@dataclass(frozen=True)
class Quote:
    """A verbatim slice of one unit: `document.text[start:end] == text` always holds."""

    doc_id: str
    doc_title: str
    doc_number: str | None
    ref: UnitRef  # the unit, with its 款 filled in
    unit_id: str
    doc_short: str  # 办法
    unit_label: str  # 第二十一条第二款 (a one-款 article's item without its 款: 第十条第（三）项)
    text: str
    start: int
    end: int

    @property
    def tag(self) -> str:
        return f"【{self.label}】"

    @property
    def label(self) -> str:
        """'办法 第二十一条第二款', as answers print it inside 【】."""
        return f"{self.doc_short} {self.unit_label}"

    def citation(self) -> dict[str, Any]:
        """The answer contract's citation object."""
        return {
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "doc_number": self.doc_number,
            "article": self.ref.article,
            "paragraph": self.ref.paragraph,
            "item": self.ref.item,
            "label": self.label,
            "quote": self.text,
        }


def quote_unit(doc: Document, unit: Unit, text: str | None = None) -> Quote:
    """A quote of `text` inside `unit` (the whole unit when None); RequestError if it is not there."""
    text = unit.text if text is None else text
    offset = unit.text.find(text) if text else -1
    if offset < 0:
        raise RequestError(f"“{text}”不是{doc.short_label(unit)}原文的一部分。")
    start = unit.start + offset
    return Quote(
        doc_id=doc.id,
        doc_title=doc.meta.title,
        doc_number=doc.meta.number,
        ref=unit.ref,
        unit_id=unit.id,
        doc_short=doc.meta.short_name,
        unit_label=doc.unit_label(unit),
        text=text,
        start=start,
        end=start + len(text),
    )


def narrow(quote: Quote, text: str) -> Quote | None:
    """A phrase inside a quote, with its own offsets; None when it is not there."""
    offset = quote.text.find(text) if text else -1
    if offset < 0:
        return None
    start = quote.start + offset
    return replace(quote, text=text, start=start, end=start + len(text))


def verify(quote: Quote, corpus: Corpus) -> str | None:
    """Why a citation may not be shown, or None when it checks out: its document is bundled, its unit
    exists with that id and label, and its text is the document's text at its offsets, inside the unit."""
    doc = corpus.documents.get(quote.doc_id)
    if doc is None:
        return f"{quote.doc_id} 未收录正文"
    try:
        unit = doc.find(quote.ref)
    except RequestError as exc:
        return str(exc)
    if unit.id != quote.unit_id or doc.unit_label(unit) != quote.unit_label or doc.meta.short_name != quote.doc_short:
        return f"{quote.label} 的编号与原文不符"
    if not quote.text or not unit.start <= quote.start <= quote.end <= unit.end:
        return f"{quote.label} 的位置超出该条文"
    if doc.text[quote.start : quote.end] != quote.text:
        return f"{quote.label} 的引文与原文不一致"
    if (quote.doc_title, quote.doc_number) != (doc.meta.title, doc.meta.number):
        return f"{quote.label} 的文件名称或文号与清单不符"
    return None
