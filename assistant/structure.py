"""The shape of a regulation: document → 编/分编/章/节 headings → 条 → 款 → 项 → 目.

Every unit stores its text and its [start, end) offsets into the document text, and
`document.text[unit.start:unit.end] == unit.text` always holds: quotes are checked against that.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from .errors import UnitNotFound
from .numerals import to_chinese
from .references import UnitRef, unit_label

IN_FORCE = "现行有效"
NOT_YET = "尚未施行"
EXPIRED = "已失效"
UNKNOWN = "未记录"
LEVELS = ("编", "分编", "章", "节")  # heading kinds, outermost first


@dataclass(frozen=True)
class DocumentMeta:
    """What the manifest (or a file's own header) says about a document."""

    id: str
    title: str
    aliases: tuple[str, ...] = ()
    number: str | None = None  # 文号, e.g. 包府办发〔2024〕106号
    issuer: str | None = None
    level: str | None = None  # 法律 / 行政法规 / 地方规范性文件 …
    publish_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    version_date: date | None = None
    status: str | None = None  # as recorded by the source
    source: str = "未收录"  # where the text comes from, for people
    url: str | None = None  # official publication, where known
    bundled: bool = False
    cites: tuple[str, ...] = ()
    work: str | None = None  # the first version's id, shared by every version; None: its own id
    rules: str | None = None  # this version's rule data file under corpus/ (the primary's: rules.toml)

    @property
    def work_id(self) -> str:
        return self.work or self.id

    @property
    def short_name(self) -> str:
        """The name people use: the first alias that is a name rather than a 文号, else the title."""
        for alias in self.aliases:
            if "第" not in alias and "〔" not in alias:
                return alias.strip("《》")
        return self.title

    def status_on(self, day: date) -> str:
        """Status on a given day: dates in the manifest outrank the recorded status."""
        if self.effective_date and day < self.effective_date:
            return NOT_YET
        if self.expiry_date and day > self.expiry_date:
            return EXPIRED
        return self.status or UNKNOWN

    def version_note(self, day: date) -> str | None:
        """Said when the text on file is a version newer than the day asked about."""
        if self.version_date and day < self.version_date:
            return f"所示为 {self.version_date} 版本文本，晚于 {day}；该日适用的文本可能不同。"
        return None

    def term(self) -> str:
        """'2024-12-01 起施行，有效期至 2026-11-30' (either part when only one is recorded; '' for none)."""
        parts = [f"{self.effective_date} 起施行"] if self.effective_date else []
        parts += [f"有效期至 {self.expiry_date}"] if self.expiry_date else []
        return "，".join(parts)

    def cite_title(self) -> str:
        return f"《{self.title}》"

    def cite_with_number(self) -> str:
        """《title》（文号） — how a document is named when its text is not at hand."""
        return f"{self.cite_title()}（{self.number}）" if self.number else self.cite_title()


@dataclass(frozen=True)
class Heading:
    kind: str  # one of LEVELS
    number: int
    title: str  # whitespace removed: '第一章 总 则' → '总则'
    start: int
    end: int
    text: str  # the heading line as written

    @property
    def label(self) -> str:
        return f"第{to_chinese(self.number)}{self.kind}"

    @property
    def name(self) -> str:
        return f"{self.label} {self.title}".strip()


@dataclass(frozen=True)
class SubItem:
    id: str
    ref: UnitRef
    marker: str  # '1.' as written
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Item:
    id: str
    ref: UnitRef
    marker: str  # '(一)' or '（一）' as written
    start: int
    end: int
    text: str
    subitems: tuple[SubItem, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    id: str
    ref: UnitRef
    start: int
    end: int
    text: str
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Article:
    id: str
    ref: UnitRef
    start: int
    end: int
    text: str  # from 第X条 to the end of its last 款
    paragraphs: tuple[Paragraph, ...]
    headings: tuple[Heading, ...] = ()  # enclosing 编/分编/章/节, outermost first

    @property
    def part(self) -> Heading | None:
        return self._heading("编")

    @property
    def chapter(self) -> Heading | None:
        return self._heading("章")

    @property
    def section(self) -> Heading | None:
        return self._heading("节")

    def _heading(self, kind: str) -> Heading | None:
        return next((h for h in self.headings if h.kind == kind), None)

    @property
    def number(self) -> int:
        return self.ref.article

    @property
    def label(self) -> str:
        return self.ref.label()


Unit = Article | Paragraph | Item | SubItem


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    text: str
    articles: tuple[Article, ...]
    headings: tuple[Heading, ...] = ()
    header: tuple[tuple[str, str], ...] = ()  # 通知 header fields such as ('文号', '…')
    warnings: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.meta.id

    def header_value(self, key: str) -> str | None:
        return next((v for k, v in self.header if k == key), None)

    def units(self) -> Iterator[Unit]:
        for article in self.articles:
            yield article
            for paragraph in article.paragraphs:
                yield paragraph
                for item in paragraph.items:
                    yield item
                    yield from item.subitems

    def extent(self) -> str:
        """'办法共29条' — said whenever a request falls outside the document."""
        return f"{self.meta.short_name}共{len(self.articles)}条"

    def article(self, number: int, suffix: int | None = None) -> Article:
        for article in self.articles:
            if article.ref.article == number and article.ref.suffix == suffix:
                return article
        wanted = unit_label(number, suffix)
        last = self.articles[-1].label if self.articles else None
        span = f"（第一条至{last}）" if last else ""
        raise UnitNotFound(f"{self.extent()}{span}，没有{wanted}。")

    def find(self, ref: UnitRef) -> Unit:
        """The unit a reference names; with an item but no paragraph, the one 款 that has items."""
        if ref.subitem is not None and ref.item is None:
            raise UnitNotFound(f"引用“{ref.label()}”缺少项：目从属于项。")
        article = self.article(ref.article, ref.suffix)
        if ref.paragraph is None and ref.item is None:
            return article
        paragraph = self._paragraph(article, ref)
        ref = replace(ref, paragraph=paragraph.ref.paragraph)
        if ref.item is None:
            return paragraph
        item = next((i for i in paragraph.items if i.ref.item == ref.item), None)
        if item is None:
            raise UnitNotFound(_count_message(paragraph.ref.label(), "项", len(paragraph.items), ref.label()))
        if ref.subitem is None:
            return item
        sub = next((s for s in item.subitems if s.ref.subitem == ref.subitem), None)
        if sub is None:
            raise UnitNotFound(_count_message(item.ref.label(), "目", len(item.subitems), ref.label()))
        return sub

    def _paragraph(self, article: Article, ref: UnitRef) -> Paragraph:
        if ref.paragraph is not None:
            if 1 <= ref.paragraph <= len(article.paragraphs):
                return article.paragraphs[ref.paragraph - 1]
            raise UnitNotFound(_count_message(article.label, "款", len(article.paragraphs), ref.label()))
        with_items = [p for p in article.paragraphs if p.items]
        if len(with_items) == 1:
            return with_items[0]
        if not with_items:
            raise UnitNotFound(f"{article.label}没有项，无法找到{ref.label()}。")
        which = "、".join(p.ref.label() for p in with_items)
        raise UnitNotFound(f"{article.label}有多款含项（{which}），请指明第几款。")

    def label(self, unit: Unit | Heading) -> str:
        """Full citation label: 《title》第二十一条第一款第（三）项; an item of a one-款 article is
        cited without the 款, as statutes do (第十条第（三）项)."""
        if isinstance(unit, Heading):
            return f"{self.meta.cite_title()}{unit.name}"
        return f"{self.meta.cite_title()}{self.unit_label(unit)}"

    def short_label(self, unit: Unit) -> str:
        """'办法 第十条第（三）项' — the form answers print inside 【】."""
        return f"{self.meta.short_name} {self.unit_label(unit)}"

    def unit_label(self, unit: Unit) -> str:
        ref = unit.ref
        if isinstance(unit, Item | SubItem) and len(self.article(ref.article, ref.suffix).paragraphs) == 1:
            ref = replace(ref, paragraph=None)
        return ref.label()


def _count_message(owner: str, kind: str, count: int, wanted: str) -> str:
    if count == 0:
        return f"{owner}没有分{kind}，没有{wanted}。"
    return f"{owner}共{count}{kind}，没有{wanted}。"
