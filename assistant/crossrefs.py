"""The reference graph: which unit of which document names which other unit or document.

Read from the texts themselves: a document named by 《title》 or 文号 (第一条 → 国办发〔2019〕57号), a
named document's article (依照《中华人民共和国预算法》第十条), the document's own articles (本法第二十二条,
第二十条), and the words statutes use for their neighbours: 前款, 前两款, 本条第二款, 前条, and 上述情形 /
前述情形 (the items of the nearest earlier 款 that lists them — 第二十一条第三款 → 第一款第（一）至（三）项).
Every edge is resolved to a unit, or says why not: the document is not bundled, unknown, or has no
such unit.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Literal

from .corpus import Corpus
from .errors import RequestError
from .numerals import CN_DIGITS, to_int
from .references import UnitRef
from .retrieve import Router
from .structure import Document, Paragraph, Unit

Status = Literal["resolved", "not_bundled", "unknown_document", "missing_unit"]
STATUS_NAMES = {
    "resolved": "已收录",
    "not_bundled": "未收录正文",
    "unknown_document": "不在已知文件之列",
    "missing_unit": "条文不存在",
}

_N = rf"[0-9{CN_DIGITS}]+"
_UNIT = re.compile(
    rf"(?P<self>本法|本条例|本办法|本规定|本细则|本决定)?第(?P<art>{_N})条(?:之(?P<suf>{_N}))?"
    rf"(?:第(?P<para>{_N})款)?(?:第[(（](?P<item>{_N})[)）]项)?"
)
_NEIGHBOUR = re.compile(
    rf"(?P<prev>前(?P<count>[两二三四]?)款)|本条第(?P<para>{_N})款|(?P<prev_art>前条)|(?P<situations>(?:上述|前述)情形)"
)


@dataclass(frozen=True)
class Edge:
    source: str  # unit id where the words are written
    source_label: str  # 办法 第二十一条第三款
    text: str  # the words as written: 上述情形, 《国家政务信息化项目建设管理办法》(国办发〔2019〕57号)
    target_doc: str | None  # manifest id; None when no manifest entry answers to the name
    target_unit: str | None  # unit id when resolved to a unit
    target_label: str  # 办法 第二十一条第一款第（一）项, or the document's title
    status: Status

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "from_label": self.source_label,
            "text": self.text,
            "to_doc": self.target_doc,
            "to_unit": self.target_unit,
            "to_label": self.target_label,
            "status": self.status,
            "status_name": STATUS_NAMES[self.status],
        }


class ReferenceGraph:
    """Every edge found in the bundled texts, looked up by the unit that writes it or is named."""

    def __init__(self, edges: list[Edge]) -> None:
        self.edges = tuple(edges)
        self._from: dict[str, list[Edge]] = defaultdict(list)
        self._to: dict[str, list[Edge]] = defaultdict(list)
        for edge in self.edges:
            self._from[edge.source].append(edge)
            if edge.target_unit:
                self._to[edge.target_unit].append(edge)

    @classmethod
    def build(cls, corpus: Corpus, router: Router) -> ReferenceGraph:
        edges: list[Edge] = []
        for doc in corpus.documents.values():
            for article in doc.articles:
                for paragraph in article.paragraphs:
                    edges.extend(_edges(corpus, router, doc, paragraph))
        return cls(edges)

    def outgoing(self, unit_id: str) -> list[Edge]:
        """Edges written in the unit or any unit inside it."""
        return [e for key, found in self._from.items() if _within(key, unit_id) for e in found]

    def incoming(self, unit_id: str) -> list[Edge]:
        """Edges naming the unit, a unit inside it, or the article holding it, from anywhere else."""
        article = ":".join(unit_id.split(":")[:2])
        return [
            e
            for key, found in self._to.items()
            if _within(key, unit_id) or key == article
            for e in found
            if not _within(e.source, article)
        ]

    def around(self, unit_ids: list[str]) -> list[Edge]:
        """Outgoing then incoming edges of several units, each edge once."""
        seen: dict[tuple[str, str, str | None], Edge] = {}
        for unit_id in unit_ids:
            for edge in [*self.outgoing(unit_id), *self.incoming(unit_id)]:
                seen.setdefault((edge.source, edge.text, edge.target_unit or edge.target_doc), edge)
        return list(seen.values())


def _within(unit_id: str, outer: str) -> bool:
    return unit_id == outer or unit_id.startswith(outer + ":")


def _edges(corpus: Corpus, router: Router, doc: Document, paragraph: Paragraph) -> list[Edge]:
    # NFKC character by character, keeping any that would change length, so offsets stay the text's
    text = "".join(n if len(n := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in paragraph.text)
    out: list[Edge] = []
    mentions = router.mentions(text)
    used: list[tuple[int, int]] = []

    article = doc.article(paragraph.ref.article, paragraph.ref.suffix)

    def source(position: int) -> Unit:
        absolute = paragraph.start + position
        inner = [i for i in paragraph.items if i.start <= absolute < i.end]
        return inner[0] if inner else paragraph if len(article.paragraphs) > 1 else article

    def add(position: int, written: str, target_doc: str | None, unit: UnitRef | None) -> None:
        out.append(_edge(corpus, doc, source(position), written, target_doc, unit))

    # Named documents (a title and its 文号 written together are one mention): 《…》(国办发〔2019〕57号)
    for m in mentions:
        if (m.doc_id and corpus.meta(m.doc_id).work_id == doc.meta.work_id) or m.text in ("本办法", "本法", "本条例"):
            continue
        end = m.end
        after = _UNIT.match(text, end + len(re.match(r"[的中]?", text[end:]).group(0)))
        if after and not after.group("self"):
            add(m.start, text[m.start : after.end()], m.doc_id, _ref(after))
            used.append((m.start, after.end()))
        else:
            add(m.start, text[m.start : end], m.doc_id, None)
            used.append((m.start, end))
    for m in _UNIT.finditer(text):
        if any(s <= m.start() < e for s, e in used):
            continue
        add(m.start(), m.group(0), doc.id, _ref(m))
    for m in _NEIGHBOUR.finditer(text):
        here = source(m.start())
        number = paragraph.ref.paragraph or 1
        if m.group("prev"):
            count = {"": 1, "两": 2, "二": 2, "三": 3, "四": 4}[m.group("count")]
            for n in range(max(1, number - count), number):
                out.append(_edge(corpus, doc, here, m.group(0), doc.id, UnitRef(article.number, article.ref.suffix, n)))
        elif m.group("para"):
            ref = UnitRef(article.number, article.ref.suffix, to_int(m.group("para")))
            out.append(_edge(corpus, doc, here, m.group(0), doc.id, ref))
        elif m.group("prev_art"):
            position = doc.articles.index(article)
            if position > 0:
                out.append(_edge(corpus, doc, here, m.group(0), doc.id, doc.articles[position - 1].ref))
        else:
            listing = next((p for p in reversed(article.paragraphs[: number - 1]) if p.items), None)
            for item in listing.items if listing is not None else ():
                out.append(_edge(corpus, doc, here, m.group(0), doc.id, item.ref))
    return out


def _ref(m: re.Match[str]) -> UnitRef:
    def number(group: str) -> int | None:
        return to_int(m.group(group)) if m.group(group) else None

    return UnitRef(article=number("art") or 0, suffix=number("suf"), paragraph=number("para"), item=number("item"))


def _edge(corpus: Corpus, doc: Document, here: Unit, written: str, target_doc: str | None, ref: UnitRef | None) -> Edge:
    source_label = doc.short_label(here)
    if target_doc is None:
        return Edge(here.id, source_label, written, None, None, written.strip("《》"), "unknown_document")
    meta = corpus.meta(target_doc)
    target = corpus.documents.get(target_doc)
    if target is None:
        label = f"{meta.cite_with_number()}" + (ref.label() if ref else "")
        return Edge(here.id, source_label, written, target_doc, None, label, "not_bundled")
    if ref is None:
        return Edge(here.id, source_label, written, target_doc, None, meta.cite_title(), "resolved")
    try:
        unit = target.find(ref)
    except RequestError:
        return Edge(
            here.id, source_label, written, target_doc, None, f"{meta.short_name} {ref.label()}", "missing_unit"
        )
    return Edge(here.id, source_label, written, target_doc, unit.id, target.short_label(unit), "resolved")
