"""One structure parser for every source: 编/章/节 headings, 第X条, 款 (lines), 项 (（一）), 目 (1.).

Works on plain text with one 款 per line (blank lines allowed), which is what every loader
produces. Text before the first heading or article is the preamble (a 通知 header and cover
letter, whose `key: value` lines become metadata); page chrome such as 文字解读/打印 ends the body.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .numerals import CN_DIGITS, to_chinese, to_int
from .references import UnitRef
from .structure import Article, Document, DocumentMeta, Heading, Item, Paragraph, SubItem

_N = rf"[0-9０-９{CN_DIGITS}]+"
_HEADING = re.compile(rf"^(?:#{{1,6}}\s*)?(?P<label>第(?P<num>{_N})(?P<kind>编|章|节))(?P<rest>.*)$")
_ARTICLE = re.compile(rf"^第(?P<num>{_N})条(?:之(?P<suf>[{CN_DIGITS}]+))?(?P<rest>.*)$")
_ITEM = re.compile(r"^[（(](?P<num>[一二三四五六七八九十]+)[）)]")
_SUBITEM = re.compile(r"^(?P<num>[0-9０-９]{1,2})[.．、](?![0-9０-９])")
# Page chrome and attachments after the last article: never article text.
_TRAILER = re.compile(
    r"^(?:【?(?:文字解读|视频解读|图片解读|图解|政策解读|相关解读|相关链接|打印|保存|关闭窗口|关闭|扫一扫|分享到)"
    r"|附件(?:$|[:：\s\d一二三四五六七八九十]))"
)
_HEADER = re.compile(r"^(?P<key>[^:：]{1,12})[:：]\s*(?P<value>\S.*)$")
HEADER_KEYS = frozenset(
    "名称 文号 发文字号 索引号 发布日期 成文日期 发文日期 发布机构 发文机关 公文时效 主题分类 施行日期 有效性".split()
)
_HISTORY = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日.*?(?P<event>公布|发布|通过|修订|修正|施行)\S{0,2}$")
# After 第X条 with no space, these mean the line cites an article rather than starting one.
_CITING = set("第款项规所的之中和、，,。；;：:(（及或与")
_PUNCT = set("，。；：、,;:！？!?")


def parse(text: str, meta: DocumentMeta) -> Document:
    """Parse `text` into a Document whose units all slice `text` exactly."""
    return _Parser(text, meta).run()


def is_structural(line: str) -> bool:
    """Does a stripped line start a heading, article, item, sub-item or page chrome?"""
    if _TRAILER.match(line) or _ITEM.match(line) or _SUBITEM.match(line):
        return True
    h = _HEADING.match(line)
    if h and _heading_title(h.group("rest")) is not None:
        return True
    a = _ARTICLE.match(line)
    return bool(a and (not a.group("rest") or a.group("rest")[0].isspace() or a.group("rest")[0] not in _CITING))


def lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line's content with surrounding whitespace (and U+3000) removed."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        stripped = body.strip()
        if stripped:
            start = pos + len(body) - len(body.lstrip())
            yield start, start + len(stripped)
        pos += len(raw)


def _heading_title(rest: str) -> str | None:
    """The title after 第X章, or None when the line is a sentence that merely starts that way."""
    if rest and not rest[0].isspace() and (len(rest) > 30 or _PUNCT & set(rest)):
        return None
    if _PUNCT & set(rest.strip()):
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
        self.articles: list[tuple[_Open, tuple[Heading | None, ...]]] = []
        self.context: dict[str, Heading | None] = {"编": None, "章": None, "节": None}
        self.article: _Open | None = None
        self.in_body = False

    def run(self) -> Document:
        for start, end in lines(self.text):
            line = self.text[start:end]
            heading = self._heading(line, start, end)
            article = None if heading else self._article_match(line)
            if not self.in_body and heading is None and article is None:
                self._preamble(line)
                continue
            self.in_body = True
            if _TRAILER.match(line):
                break
            if heading is not None:
                self.article = None
                self._enter(heading)
            elif article is not None:
                self._open_article(article, start, end)
            elif self.article is None:
                self.warnings.append(f"条文之外的文字被忽略：{line[:40]}")
            else:
                self._add_line(line, start, end)
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

    def _heading(self, line: str, start: int, end: int) -> Heading | None:
        m = _HEADING.match(line)
        if not m:
            return None
        title = _heading_title(m.group("rest"))
        if title is None:
            return None
        label_start = start + m.start("label")
        return Heading(
            kind=m.group("kind"),
            number=to_int(m.group("num")),
            title=title,
            start=label_start,
            end=end,
            text=self.text[label_start:end],
        )

    def _article_match(self, line: str) -> re.Match[str] | None:
        m = _ARTICLE.match(line)
        if not m:
            return None
        rest = m.group("rest")
        if not rest or rest[0].isspace():
            return m
        # No space after 第X条: only the next number in sequence starts an article.
        number, suffix = to_int(m.group("num")), (to_int(m.group("suf")) if m.group("suf") else None)
        last = self.articles[-1][0] if self.articles else None
        expected = (1, None) if last is None else (last.number + 1, None)
        following = (last.number, (last.suffix or 0) + 1) if last else None
        if rest[0] not in _CITING and (number, suffix) in (expected, following):
            return m
        return None

    def _enter(self, heading: Heading) -> None:
        self.headings.append(heading)
        self.context[heading.kind] = heading
        if heading.kind == "编":
            self.context["章"] = self.context["节"] = None
        elif heading.kind == "章":
            self.context["节"] = None

    def _open_article(self, m: re.Match[str], start: int, end: int) -> None:
        suffix = to_int(m.group("suf")) if m.group("suf") else None
        article = _Open(number=to_int(m.group("num")), suffix=suffix, start=start, end=end)
        self.article = article
        context = (self.context["编"], self.context["章"], self.context["节"])
        self.articles.append((article, context))
        body = m.group("rest")
        if body.strip():
            offset = start + m.start("rest") + len(body) - len(body.lstrip())
            article.children.append(_Open(number=1, start=offset, end=end))

    def _add_line(self, line: str, start: int, end: int) -> None:
        article = self.article
        assert article is not None
        article.end = end
        item_m, sub_m = _ITEM.match(line), _SUBITEM.match(line)
        if not (item_m or sub_m):
            article.children.append(_Open(number=len(article.children) + 1, start=start, end=end))
            return
        if not article.children:
            # An item with no lead-in sentence of its own still belongs to a 款.
            article.children.append(_Open(number=1, start=start, end=end))
        paragraph = article.children[-1]
        paragraph.end = end
        last_item = paragraph.children[-1] if paragraph.children else None
        if sub_m and last_item is not None and last_item.marker[:1] in "(（":
            last_item.end = end
            last_item.children.append(_Open(to_int(sub_m.group("num")), start, end, sub_m.group(0)))
        else:
            # A 1. line under a 款 without (一) items is itself an item of that 款.
            m = item_m or sub_m
            assert m is not None
            paragraph.children.append(_Open(to_int(m.group("num")), start, end, m.group(0)))

    # -- freezing -----------------------------------------------------------------------------

    def _freeze(self) -> Document:
        doc_id = self.meta.id
        articles = []
        seen: set[tuple[int, int | None]] = set()
        for raw, (part, chapter, section) in self.articles:
            key = (raw.number, raw.suffix)
            if key in seen:
                self.warnings.append(f"条文编号重复：第{raw.number}条，仅保留第一次出现的条文。")
                continue
            seen.add(key)
            aref = UnitRef(article=raw.number, suffix=raw.suffix)
            paragraphs = []
            for p_index, p in enumerate(raw.children, start=1):
                pref = UnitRef(article=raw.number, suffix=raw.suffix, paragraph=p_index)
                items = []
                for it in p.children:
                    iref = UnitRef(raw.number, raw.suffix, p_index, it.number)
                    subs = tuple(
                        SubItem(
                            id=_unit_id(doc_id, sref := UnitRef(raw.number, raw.suffix, p_index, it.number, s.number)),
                            ref=sref,
                            marker=s.marker,
                            start=s.start,
                            end=s.end,
                            text=self.text[s.start : s.end],
                        )
                        for s in it.children
                    )
                    items.append(
                        Item(_unit_id(doc_id, iref), iref, it.marker, it.start, it.end, self.text[it.start : it.end], subs)
                    )
                paragraphs.append(
                    Paragraph(_unit_id(doc_id, pref), pref, p.start, p.end, self.text[p.start : p.end], tuple(items))
                )
            articles.append(
                Article(
                    id=_unit_id(doc_id, aref),
                    ref=aref,
                    start=raw.start,
                    end=raw.end,
                    text=self.text[raw.start : raw.end],
                    paragraphs=tuple(paragraphs),
                    part=part,
                    chapter=chapter,
                    section=section,
                )
            )
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


def _unit_id(doc_id: str, ref: UnitRef) -> str:
    parts = [ref.article_key]
    parts += [str(n) for n in (ref.paragraph, ref.item, ref.subitem) if n is not None]
    return ":".join([doc_id, *parts])
