"""HTML for the app: answers, citation panels, calculation results, articles and documents.

Every character that comes from a question, a document or a calculation is escaped here, and the
engine's markdown is rendered by our own small renderer, so nothing a user types or a text contains
becomes markup, a link or a script. Each fragment is one block without blank lines: the chat widget
passes such a block through as HTML instead of reading markdown (or links) inside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date

from .answer import Answer
from .calculators import Calculation
from .check import KIND_NAMES, Report, summary
from .citations import Quote, verify
from .corpus import Corpus
from .crossrefs import STATUS_NAMES, Edge, ReferenceGraph
from .errors import RequestError
from .numerals import to_chinese
from .structure import EXPIRED, NOT_YET, UNKNOWN, Article, Document, DocumentMeta

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_TAG = re.compile(r"【[^【】<>]{1,60}】")
_ORDERED = re.compile(r"(\d{1,3})\.\s+(.*)")
# Names of other documents inside a text: 《title》 or a 文号 (国办发〔2019〕57号, 国务院令第427号).
# A 文号 in brackets right after a title names the same document and is not counted twice.
_TITLE = re.compile(r"《([^《》]{2,60})》(?:\s*[(（][^()（）]{3,30}[)）])?")
_LEADING = re.compile(r"^(?:根据|依据|按照|参照|和|与|及|或|、)+")  # words the issuer prefix swallowed
_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,8}〔\d{4}〕\d{1,4}号|(?:国务院|国)令第\d{1,4}号")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


_LINE_END = re.compile(r"\r\n|\r|\n")  # every line ending markdown knows


def block(*parts: str, cls: str = "ra") -> str:
    """One HTML block: no line ending survives, so no blank line can end the block early."""
    return f'<div class="{cls}">' + _LINE_END.sub("<br>", "".join(parts)) + "</div>"


def _inline(text: str) -> str:
    out = _BOLD.sub(r"<strong>\1</strong>", esc(text))
    return _TAG.sub(lambda m: f'<span class="ra-tag">{m.group(0)}</span>', out)


def markdown_html(md: str) -> str:
    """The engine's markdown subset (paragraphs, **bold**, numbered and bulleted lists, > quotes)."""
    out: list[str] = []
    for chunk in re.split(r"\n\s*\n", md.strip()):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith(">") for line in lines):
            inner = [line[1:].strip() for line in lines]
            body = "<br>".join(_inline(line) for line in inner if line)
            out.append(f"<blockquote>{body}</blockquote>")
        elif all(_ORDERED.fullmatch(line) for line in lines):
            items = [_ORDERED.fullmatch(line) for line in lines]
            out.append(
                "<ol>" + "".join(f'<li value="{m.group(1)}">{_inline(m.group(2))}</li>' for m in items if m) + "</ol>"
            )
        elif all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{_inline(line[2:])}</li>" for line in lines) + "</ul>")
        else:
            out.append("<p>" + "<br>".join(_inline(line) for line in lines) + "</p>")
    return "".join(out)


def user_html(question: str) -> str:
    return block(f"<p>{esc(question)}</p>", cls="ra ra-user")


def error_html(message: str) -> str:
    return block(f"<p>{esc(message)}</p>", cls="ra ra-error")


# --- citations -------------------------------------------------------------------------------------


def _marked(text: str, start: int, end: int, lo: int, hi: int) -> str:
    """text[start:end] escaped, with the part inside [lo, hi) highlighted."""
    a, b = max(start, lo), min(end, hi)
    if a >= b:
        return esc(text[start:end])
    return esc(text[start:a]) + f"<mark>{esc(text[a:b])}</mark>" + esc(text[b:end])


def article_body(doc: Document, article: Article, highlight: tuple[int, int] = (0, 0)) -> str:
    """An article's full text, 款 numbered when there are several, each 项 on its own line, and the
    span `highlight` (document offsets) marked."""
    lo, hi = highlight
    text = doc.text
    several = len(article.paragraphs) > 1
    parts = [f'<div class="ra-article-label">{esc(article.label)}</div>']
    for paragraph in article.paragraphs:
        number = f'<span class="ra-num">第{to_chinese(paragraph.ref.paragraph or 1)}款</span>' if several else ""
        lead_end = paragraph.items[0].start if paragraph.items else paragraph.end
        lead = _marked(text, paragraph.start, lead_end, lo, hi).strip()
        items = "".join(
            f'<div class="ra-item">{_marked(text, item.start, item.end, lo, hi)}</div>' for item in paragraph.items
        )
        parts.append(f'<div class="ra-par">{number}{lead}{items}</div>')
    return "".join(parts)


def _status_badge(meta: DocumentMeta, day: date) -> str:
    status = meta.status_on(day)
    if status == UNKNOWN:
        return '<span class="ra-status ra-unknown">效力状态未记录</span>'
    cls = {EXPIRED: "ra-expired", NOT_YET: "ra-expired"}.get(status, "ra-in-force")
    until = f"，有效期至 {meta.expiry_date}" if meta.expiry_date else ""
    return f'<span class="ra-status {cls}">{esc(status)}（按 {day}{esc(until)}）</span>'


def citation_panel(quote: Quote, corpus: Corpus, day: date, *, opened: bool = False) -> str:
    """An expandable panel: the cited unit's whole article with the quoted span highlighted. A quote
    that fails verification is never shown, whoever made it."""
    if verify(quote, corpus) is not None:
        return ""
    doc = corpus.documents[quote.doc_id]
    article = doc.article(quote.ref.article, quote.ref.suffix)
    meta = doc.meta
    summary = f'<span class="ra-tag">{esc(quote.tag)}</span> {esc(meta.cite_with_number())} {_status_badge(meta, day)}'
    note = meta.version_note(day)
    extra = f'<p class="ra-note">{esc(note)}</p>' if note else ""
    body = article_body(doc, article, (quote.start, quote.end))
    attrs = ' class="ra-cite" open' if opened else ' class="ra-cite"'
    return f"<details{attrs}><summary>{summary}</summary>{extra}{body}</details>"


def citation_panels(quotes: Iterable[Quote], corpus: Corpus, day: date, title: str = "引用原文") -> str:
    panels = [p for p in (citation_panel(q, corpus, day) for q in _distinct(quotes)) if p]
    if not panels:
        return ""
    return (
        f'<div class="ra-cites"><div class="ra-cites-title">{esc(title)}（点击展开全文）</div>{"".join(panels)}</div>'
    )


def _distinct(quotes: Iterable[Quote]) -> list[Quote]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for q in quotes:
        key = (q.doc_id, q.start, q.end)
        if key not in seen:
            seen.add(key)
            out.append(q)
    return out


# --- answers and calculations -----------------------------------------------------------------------


def answer_html(answer: Answer, corpus: Corpus) -> str:
    """An answer as one chat bubble: the text, its warnings, then one panel per citation."""
    cls = "ra ra-answer ra-abstained" if answer.abstained else "ra ra-answer"
    parts = [markdown_html(answer.answer)]
    said = answer.answer.replace("**", "")
    extra = [w for w in dict.fromkeys(answer.warnings) if w.replace("**", "") not in said]
    if extra:
        parts.append('<ul class="ra-warnings">' + "".join(f"<li>{esc(w)}</li>" for w in extra) + "</ul>")
    parts.append(citation_panels(answer.citations, corpus, answer.as_of))
    return block(*parts, cls=cls)


def calculation_html(calc: Calculation, corpus: Corpus) -> str:
    """A calculator's result: verdict, numbered trace, assumptions, warnings, cited clauses."""
    parts = [f'<p class="ra-verdict">{esc(calc.conclusion)}</p>', f"<p><strong>{esc(calc.title)}</strong></p>"]
    parts.append("<ol>" + "".join(f"<li>{_inline(line)}</li>" for line in calc.trace) + "</ol>")
    for heading, lines in (("假设（未提供，按此计算）", calc.assumptions), ("注意", calc.warnings)):
        if lines:
            parts.append(
                f"<p><strong>{heading}</strong></p><ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>"
            )
    if calc.citations:
        parts.append(citation_panels(calc.citations, corpus, calc.as_of, "依据条文"))
    else:
        parts.append('<p class="ra-note">依据：文件清单（documents.toml）记录的日期，无条文引用。</p>')
    return block(*parts, cls="ra ra-calc")


# --- browsing -----------------------------------------------------------------------------------


def mentioned_documents(corpus: Corpus, text: str, own: str | None = None) -> list[tuple[str, DocumentMeta | None]]:
    """Documents a text names (《title》 or a 文号), each resolved to a manifest entry or None (not on
    file); the document itself (`own`) and 本办法-style self references are left out."""
    found: list[tuple[str, DocumentMeta | None]] = []
    seen: set[str] = set()
    titles = list(_TITLE.finditer(text))
    inside = [range(m.start(), m.end()) for m in titles]
    numbers = [_LEADING.sub("", m.group(0)) for m in _NUMBER.finditer(text) if not any(m.start() in r for r in inside)]
    names = [m.group(1) for m in titles] + numbers
    for name in names:
        try:
            meta: DocumentMeta | None = corpus.resolve(name)
        except RequestError:
            meta = None
        key = meta.id if meta else name
        if key in seen or (meta is not None and meta.id == own):
            continue
        seen.add(key)
        found.append((name, meta))
    return found


def _document_line(name: str, meta: DocumentMeta | None, corpus: Corpus, day: date) -> str:
    if meta is None:
        shown = name if _NUMBER.fullmatch(name) else f"《{name.strip('《》')}》"
        return f"<li>{esc(shown)}：不在文件清单中，未收录</li>"
    bundled = "已收录正文" if meta.id in corpus.documents else "未收录正文"
    status = meta.status_on(day)
    status = "效力状态未记录" if status == UNKNOWN else f"按 {day} {status}"
    return f"<li>{esc(meta.cite_with_number())}：{bundled}，{esc(status)}</li>"


def document_html(meta: DocumentMeta, corpus: Corpus, day: date) -> str:
    """A document's card: names, dates, status on the day, what it cites."""
    doc = corpus.documents.get(meta.id)
    rows = [
        ("文号", meta.number),
        ("发布机关", meta.issuer),
        ("层级", meta.level),
        ("发布日期", meta.publish_date),
        ("施行日期", meta.effective_date),
        ("失效日期", meta.expiry_date),
        ("版本日期", meta.version_date),
        ("条数", f"共{len(doc.articles)}条" if doc else None),
        ("正文", "已收录" if doc else "未收录（只有目录信息，无法显示条文）"),
        ("来源", meta.source),
    ]
    table = "".join(f"<tr><th>{k}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    parts = [f"<h3>{esc(meta.cite_title())}</h3>", f"<p>{_status_badge(meta, day)}</p>", f"<table>{table}</table>"]
    note = meta.version_note(day)
    if note:
        parts.append(f'<p class="ra-note">{esc(note)}</p>')
    cited = [corpus.meta(i) for i in meta.cites if any(e.id == i for e in corpus.entries)]
    if cited:
        lines = "".join(_document_line(m.title, m, corpus, day) for m in cited)
        parts.append(f"<p><strong>本文件依据或引用的文件</strong></p><ul>{lines}</ul>")
    return block(*parts, cls="ra ra-document")


def article_html(
    doc: Document,
    article: Article,
    corpus: Corpus,
    day: date,
    mark: tuple[int, int] = (0, 0),
    references: ReferenceGraph | None = None,
) -> str:
    """An article for the Browse screen: where it sits, its status, its text (the span `mark`
    highlighted: the 款 or 项 asked for), the documents it names, and its place in the reference graph."""
    where = " · ".join(h.name for h in article.headings)
    parts = [
        f"<h3>{esc(doc.label(article))}</h3>",
        f'<p class="ra-where">{esc(where)}</p>' if where else "",
        f"<p>{_status_badge(doc.meta, day)}"
        + (f' <span class="ra-note">版本日期 {doc.meta.version_date}</span>' if doc.meta.version_date else "")
        + "</p>",
    ]
    note = doc.meta.version_note(day)
    if note:
        parts.append(f'<p class="ra-note">{esc(note)}</p>')
    parts.append(f'<div class="ra-text">{article_body(doc, article, mark)}</div>')
    named = mentioned_documents(corpus, doc.text[article.start : article.end], own=doc.id)
    if named:
        lines = "".join(_document_line(name, meta, corpus, day) for name, meta in named)
        parts.append(f"<p><strong>本条提及的文件</strong></p><ul>{lines}</ul>")
    if references is not None:
        parts.append(references_html(references.outgoing(article.id), references.incoming(article.id)))
    return block(*parts, cls="ra ra-article")


def references_html(outgoing: list[Edge], incoming: list[Edge]) -> str:
    """引用关系: what the article's words point to (each resolved or said why not), and who points here."""
    if not outgoing and not incoming:
        return '<p class="ra-note">引用关系：本条未引用其他条文，也未被其他条文引用。</p>'
    parts = ['<div class="ra-refs">']
    if outgoing:
        lines = "".join(
            f"<li>{esc(e.source_label)}“{esc(e.text)}” → {esc(e.target_label)}"
            f'<span class="ra-note">（{esc(STATUS_NAMES[e.status])}）</span></li>'
            for e in outgoing
        )
        parts.append(f"<p><strong>本条引用</strong></p><ul>{lines}</ul>")
    if incoming:
        lines = "".join(f"<li>{esc(e.source_label)}“{esc(e.text)}” → {esc(e.target_label)}</li>" for e in incoming)
        parts.append(f"<p><strong>引用本条的条文</strong></p><ul>{lines}</ul>")
    parts.append("</div>")
    return "".join(parts)


def chapters(doc: Document) -> list[str]:
    """The names of the document's chapters (第一章 总则 …), in order; empty for a text without them."""
    return [h.name for h in doc.headings if h.kind == "章"]


def articles_in(doc: Document, chapter: str | None = None) -> list[tuple[str, str]]:
    """(choice label, unit id) of each article, optionally of one chapter only."""
    out = []
    for article in doc.articles:
        if chapter and (article.chapter is None or article.chapter.name != chapter):
            continue
        first = doc.text[article.paragraphs[0].start : article.paragraphs[0].end] if article.paragraphs else ""
        preview = first.strip().split("\n")[0]
        preview = preview if len(preview) <= 24 else preview[:24] + "…"
        out.append((f"{article.label} {preview}", article.id))
    return out


def status_banner(meta: DocumentMeta, day: date, today: date) -> str:
    """The line at the top of the app: is the 办法 in force on the day the answers speak for."""
    status = meta.status_on(day)
    text = f"{meta.cite_title()}按 {day} {status}"
    if meta.expiry_date:
        text += f"，有效期至 {meta.expiry_date}"
        left = (meta.expiry_date - today).days
        if day == today and 0 <= left <= 30:
            text += f"（还剩 {left} 天）" if left else "（今天是最后一天）"
    cls = "ra ra-banner ra-expired" if status in (EXPIRED, NOT_YET) else "ra ra-banner"
    return block(f"<p>{esc(text)}</p>", cls=cls)


# --- the checker ------------------------------------------------------------------------------------


def check_html(report: Report, corpus: Corpus) -> str:
    """A checker report: the memo with each reference marked and numbered, then one entry per reference
    (its defects first, then what checked out); the cited unit in a panel that re-verifies itself."""
    problems = len(report.defects)
    parts = [
        f'<p class="ra-verdict{" ra-expired" if problems else ""}">{esc(summary(report))}</p>',
        f'<p class="ra-note">核对日期 {report.as_of}</p>',
        *(f'<p class="ra-note">{esc(n)}</p>' for n in report.notes),
        f'<div class="ra-memo">{_memo_marked(report)}</div>',
    ]
    for n, f in enumerate(report.findings, 1):
        mark = "✗" if f.defects else "✓"
        status = "效力状态未记录" if f.status == UNKNOWN else f.status
        unbundled = "未收录正文" if f.doc is not None and not f.doc.bundled else None
        state = [s for s in ("条文不存在" if f.exists is False else None, status, unbundled) if s]
        head = f'<p class="ra-article-label">{n}. {mark} {esc(f.text)} → {esc(f.label)}'
        head += f' <span class="ra-note">（{esc("，".join(state))}）</span>' if state else ""
        items = [
            f'<li class="ra-defect"><strong>{esc(KIND_NAMES[d.kind])}</strong>：{esc(d.message)}</li>'
            for d in f.defects
        ]
        items += [f"<li>引文“{esc(q.text)}”：与原文一致。</li>" for q in f.quotes if q.verbatim]
        items += [f"<li>数字：{esc(c.note)}</li>" for c in f.numbers if c.verdict != "contradicts"]
        items += [f'<li class="ra-note">{esc(note)}</li>' for note in f.notes]
        body = f"<ul>{''.join(items)}</ul>" if items else ""
        panels = citation_panel(f.suggestion, corpus, report.as_of) if f.suggestion else ""
        if f.unit is not None:
            panels = citation_panel(f.unit, corpus, report.as_of) + panels
        parts.append(f'<div class="ra-finding">{head}</p>{body}{panels}</div>')
    return block(*parts, cls="ra ra-check")


def _memo_marked(report: Report) -> str:
    """The memo as read, each reference wrapped and numbered (red when it has a defect)."""
    out, at = [], 0
    for n, f in sorted(enumerate(report.findings, 1), key=lambda pair: pair[1].span[0]):
        start, end = f.span
        if start < at:
            continue
        cls = "ra-bad" if f.defects else "ra-good"
        out.append(esc(report.text[at:start]))
        out.append(f'<span class="{cls}">{esc(report.text[start:end])}<sup>{n}</sup></span>')
        at = end
    out.append(esc(report.text[at:]))
    return "".join(out)
