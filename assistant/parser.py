"""One structure parser for every source: 编/分编/章/节 headings, 第X条, 款 (lines), 项 (（一）), 目 (1.).

Works on plain text with one 款 per line (blank lines allowed), which is what every loader
produces. Text before the first heading or article is the preamble (a 通知 header and cover
letter, whose `key: value` lines become metadata); page chrome such as 文字解读/打印 ends the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .numerals import CN_DIGITS, to_chinese, to_int
from .references import UnitRef
from .structure import LEVELS, Article, Document, DocumentMeta, Heading, Item, Paragraph, SubItem

_N = rf"[0-9０-９{CN_DIGITS}]+"
_HEADING = re.compile(rf"^(?:#{{1,6}}\s*)?(?P<label>第(?P<num>{_N})(?P<kind>分编|编|章|节))(?P<rest>.*)$")
_ARTICLE = re.compile(rf"^第(?P<num>{_N})条(?:之(?P<suf>[{CN_DIGITS}]+))?(?P<rest>.*)$")
_ITEM = re.compile(r"^[（(](?P<num>[一二三四五六七八九十]+)[）)]")
_SUBITEM = re.compile(r"^(?P<num>[0-9０-９]{1,2})[.．、](?![0-9０-９])")
# Page chrome and attachments after the last article: never article text. Chrome words must fill
# the whole line, since 款 may start with them (民法典: "打印遗嘱应当…", 煤炭法: "关闭煤矿…").
_TRAILER = re.compile(
    r"^(?:(?:文字解读|视频解读|图片解读|图解|政策解读|相关解读|相关链接)\s*(?:[:：].*)?"
    r"|(?:[【\[]?(?:打印|保存|关闭窗口|关闭|扫一扫|分享到|返回顶部)[】\]]?[\s|｜/]*)+"
    r"|附件[一二三四五六七八九十\d]*(?:[:：\s].*)?)$"
)
# What follows a label with no space when the line cites it (第三章规定的…, 第五条第二款…).
_CITING = re.compile(r"^(?:第|规定|之规定|所称|所列|所规定|所指|的|[、，,。；;：:]|(?:和|与|及|或|或者|至|到)第)")
_HEADER = re.compile(r"^(?P<key>[^:：]{1,12})[:：]\s*(?P<value>\S.*)$")
HEADER_KEYS = frozenset(
    [
        "名称",
        "文号",
        "发文字号",
        "索引号",
        "发布日期",
        "成文日期",
        "发文日期",
        "发布机构",
        "发文机关",
        "公文时效",
        "主题分类",
        "施行日期",
        "有效性",
    ]
)
_HISTORY = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.*?(?P<event>公布|发布|通过|修订|修正|施行)\S{0,2}$")
# A heading title may hold 、 (第一节 机动车、非机动车); a sentence has these.
_PUNCT = set("，。；：,;:！？!?")
# Whitespace (U+3000 included) plus the zero-width characters pages put before 第, which
# str.strip() would keep.
_PAD = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
# How far a label without a space may jump ahead and still be read as the next article.
_MAX_JUMP = 10


@dataclass(frozen=True)
class Line:
    """A classified line: kind is 'heading', 'article', 'item', 'subitem', 'trailer' or 'text'."""

    kind: str
    match: re.Match[str] | None = None
    number: int | None = None
    suffix: int | None = None

    @property
    def spaced(self) -> bool:
        """Is a heading or article label followed by whitespace or the end of the line?"""
        rest = self.match.group("rest") if self.match else ""
        return not rest or rest[0].isspace()


TEXT = Line("text")


def classify(line: str) -> Line:
    """What a stripped line is, without context. A label that runs straight into a citation
    (第三章规定的…) or holds an unreadable numeral is text."""
    if _TRAILER.match(line):
        return Line("trailer")
    for kind, pattern in (("heading", _HEADING), ("article", _ARTICLE), ("item", _ITEM), ("subitem", _SUBITEM)):
        m = pattern.match(line)
        if not m:
            continue
        number, suffix = _number(m.group("num")), _number(m.groupdict().get("suf"))
        if not number or (m.groupdict().get("suf") and not suffix):
            return TEXT  # unreadable or zero: 第十十条, 第零条
        if kind in ("heading", "article") and _CITING.match(m.group("rest")):
            return TEXT
        if kind == "heading" and _heading_title(m.group("rest")) is None:
            return TEXT
        return Line(kind, m, number, suffix)
    return TEXT


def starts_unit(line: str, after_unfinished: bool = False) -> bool:
    """Does a line begin a unit (or chrome)? After a line that ends mid-sentence, a heading or
    article label counts only when a space follows it: '…依照本办法\n第二十条执行' is one sentence."""
    c = classify(line)
    if c.kind in ("heading", "article") and after_unfinished:
        return c.spaced
    return c.kind != "text"


def parse(text: str, meta: DocumentMeta) -> Document:
    """Parse `text` into a Document whose units all slice `text` exactly."""
    return _Parser(text, meta).run()


def lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank line's content, without surrounding (or zero-width) space."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        lead = len(raw) - len(raw.lstrip(_PAD))
        stripped = raw[lead:].rstrip(_PAD)
        if stripped:
            yield pos + lead, pos + lead + len(stripped)
        pos += len(raw)


def _number(numeral: str | None) -> int | None:
    if not numeral:
        return None
    try:
        return to_int(numeral)
    except ValueError:
        return None


def _heading_title(rest: str) -> str | None:
    """The title after 第X章, or None when the line is a sentence that merely starts that way."""
    if _PUNCT & set(rest) or (rest and not rest[0].isspace() and len(rest) > 30):
        return None
    return re.sub(r"\s+", "", rest)


@dataclass
class _Open:
    """A unit being built: its offsets grow as lines are added."""

    number: int
    start: int
    end: int
    marker: str = ""
    suffix: int | None = None
    children: list[_Open] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str, meta: DocumentMeta) -> None:
        self.text = text
        self.meta = meta
        self.headings: list[Heading] = []
        self.header: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        self.articles: list[tuple[_Open, tuple[Heading, ...]]] = []
        self.context: list[Heading] = []  # the enclosing headings, outermost first
        self.article: _Open | None = None
        self.in_body = False

    def run(self) -> Document:
        for start, end in lines(self.text):
            line = self.text[start:end]
            c = classify(line)
            if c.kind == "article" and not self._in_sequence(c, line):
                c = TEXT
            if not self.in_body and c.kind not in ("heading", "article"):
                self._preamble(line)
                continue
            self.in_body = True
            if c.kind == "trailer":
                break
            if c.kind == "heading":
                self.article = None
                self._enter(c, start, end)
            elif c.kind == "article":
                self._open_article(c, start, end)
            elif self.article is None:
                self.warnings.append(f"条文之外的文字被忽略：{line[:40]}")
            else:
                self._add_line(c, start, end)
        return self._freeze()

    # -- line kinds ---------------------------------------------------------------------------

    def _preamble(self, line: str) -> None:
        if line.startswith("#") and not any(k == "标题" for k, _ in self.header):
            self.header.append(("标题", line.lstrip("#").strip()))
            return
        m = _HEADER.match(line)
        if m and (key := re.sub(r"\s+", "", m.group("key"))) in HEADER_KEYS:
            self.header.append((key, m.group("value").strip()))
            return
        h = _HISTORY.match(line)
        if h:
            self.header.append((h.group("event"), line))

    def _in_sequence(self, c: Line, line: str) -> bool:
        """A label followed by a space always starts an article; one without a space only when its
        number plausibly comes next, since PDFs drop the space but sentences also begin 第X条."""
        if c.spaced or not self.articles:
            return True
        last = self.articles[-1][0]
        assert c.number is not None
        if c.suffix is None and last.number < c.number <= last.number + _MAX_JUMP:
            return True
        if c.suffix is not None and c.number == last.number and c.suffix > (last.suffix or 0):
            return True
        self.warnings.append(f"“{line[:20]}”编号不接续上一条（第{last.number}条），按正文处理。")
        return False

    def _enter(self, c: Line, start: int, end: int) -> None:
        assert c.match is not None and c.number is not None
        label_start = start + c.match.start("label")
        heading = Heading(
            kind=c.match.group("kind"),
            number=c.number,
            title=_heading_title(c.match.group("rest")) or "",
            start=label_start,
            end=end,
            text=self.text[label_start:end],
        )
        self.headings.append(heading)
        rank = LEVELS.index(heading.kind)
        self.context = [h for h in self.context if LEVELS.index(h.kind) < rank] + [heading]

    def _open_article(self, c: Line, start: int, end: int) -> None:
        assert c.match is not None and c.number is not None
        article = _Open(number=c.number, suffix=c.suffix, start=start, end=end)
        self.article = article
        self.articles.append((article, tuple(self.context)))
        body = c.match.group("rest")
        if body.strip():
            offset = start + c.match.start("rest") + len(body) - len(body.lstrip())
            article.children.append(_Open(number=1, start=offset, end=end))

    def _add_line(self, c: Line, start: int, end: int) -> None:
        article = self.article
        assert article is not None
        article.end = end
        if c.kind not in ("item", "subitem"):
            article.children.append(_Open(number=len(article.children) + 1, start=start, end=end))
            return
        assert c.match is not None and c.number is not None
        if not article.children:
            # An item with no lead-in sentence of its own still belongs to a 款.
            article.children.append(_Open(number=1, start=start, end=end))
        paragraph = article.children[-1]
        paragraph.end = end
        last_item = paragraph.children[-1] if paragraph.children else None
        unit = _Open(c.number, start, end, c.match.group(0))
        if c.kind == "subitem" and last_item is not None and last_item.marker[:1] in "(（":
            last_item.end = end
            last_item.children.append(unit)
        else:
            # A 1. line under a 款 without (一) items is itself an item of that 款.
            paragraph.children.append(unit)

    # -- freezing -----------------------------------------------------------------------------

    def _freeze(self) -> Document:
        articles = []
        seen: set[tuple[int, int | None]] = set()
        for raw, path in self.articles:
            if (raw.number, raw.suffix) in seen:
                self.warnings.append(f"条文编号重复：第{raw.number}条，仅保留第一次出现的条文。")
                continue
            seen.add((raw.number, raw.suffix))
            paragraphs = []
            for p_index, p in enumerate(raw.children, start=1):
                items = []
                for it in p.children:
                    subs = tuple(
                        SubItem(marker=s.marker, **self._span(s, raw, p_index, it.number, s.number))
                        for s in it.children
                    )
                    items.append(Item(marker=it.marker, subitems=subs, **self._span(it, raw, p_index, it.number)))
                paragraphs.append(Paragraph(items=tuple(items), **self._span(p, raw, p_index)))
            articles.append(Article(paragraphs=tuple(paragraphs), headings=path, **self._span(raw, raw)))
        self._check_sequence(articles)
        self._check_unique(articles)
        return Document(
            meta=self.meta,
            text=self.text,
            articles=tuple(articles),
            headings=tuple(self.headings),
            header=tuple(self.header),
            warnings=tuple(self.warnings),
        )

    def _check_sequence(self, articles: list[Article]) -> None:
        numbers = [a.number for a in articles if a.ref.suffix is None]
        gaps = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
        if gaps:
            shown = "、".join(str(n) for n in gaps[:10])
            self.warnings.append(f"条文编号不连续，缺少第{shown}条。")

    def _check_unique(self, articles: list[Article]) -> None:
        for article in articles:
            for paragraph in article.paragraphs:
                self._warn_repeats(paragraph.ref.label(), "项", [i.ref.item for i in paragraph.items])
                for item in paragraph.items:
                    self._warn_repeats(item.ref.label(), "目", [s.ref.subitem for s in item.subitems])

    def _warn_repeats(self, owner: str, kind: str, numbers: list[int | None]) -> None:
        repeated = sorted({n for n in numbers if n is not None and numbers.count(n) > 1})
        for n in repeated:
            shown = f"第（{to_chinese(n)}）项" if kind == "项" else f"第{n}目"
            self.warnings.append(f"{owner}中{shown}编号重复，引用时只取第一个。")

    def _span(self, unit: _Open, article: _Open, *path: int) -> dict[str, Any]:
        """The fields every unit shares: id and ref from its position, offsets, and its text."""
        ref = UnitRef(article.number, article.suffix, *path)
        parts = [ref.article_key, *(str(n) for n in path)]
        return {
            "id": ":".join([self.meta.id, *parts]),
            "ref": ref,
            "start": unit.start,
            "end": unit.end,
            "text": self.text[unit.start : unit.end],
        }
