"""The app's HTML: every text inert, citations shown only when they check out, articles numbered."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from assistant import views
from assistant.citations import quote_unit
from assistant.corpus import Corpus
from assistant.references import UnitRef
from assistant.structure import Document

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "[点我](javascript:alert(3))",
    "<a href='javascript:alert(4)'>x</a>",
    '"><svg onload=alert(5)>',
]


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", html)}


def _live_attributes(html: str) -> list[str]:
    """Attributes of real tags that could act: links, sources and event handlers (escaped text has no tags)."""
    tags = re.findall(r"<[a-zA-Z][^<>]*>", html)
    return [a for tag in tags for a in re.findall(r"\s(href|src|on\w+|style)\s*=", tag, flags=re.I)]


SAFE_TAGS = {"div", "p", "br", "strong", "span", "ol", "ul", "li", "blockquote", "mark", "details", "summary"}
SAFE_TAGS |= {"h3", "table", "tr", "th", "td"}


@pytest.mark.parametrize("attack", ATTACKS)
def test_user_text_is_shown_as_text(attack: str) -> None:
    html = views.user_html(attack)
    assert _tags(html) <= SAFE_TAGS
    assert _live_attributes(html) == []
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<a " not in html
    assert views.esc(attack) in html  # every character is still there, escaped


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_renderer_keeps_attacks_inert(attack: str) -> None:
    md = f"结论：{attack}\n\n1. 第一步 {attack}\n2. 第二步\n\n> {attack}\n\n- {attack}"
    html = views.markdown_html(md)
    assert _tags(html) <= SAFE_TAGS
    assert _live_attributes(html) == []


def test_markdown_subset_is_rendered() -> None:
    html = views.markdown_html(
        "需要。\n\n**计算过程**\n\n1. 规则：【办法 第十九条】“…”\n2. 总投资\n\n> 第二条 原文\n>\n> 第二款\n\n- 假设"
    )
    assert "<p>需要。</p>" in html
    assert "<strong>计算过程</strong>" in html
    assert (
        '<ol><li value="1">规则：<span class="ra-tag">【办法 第十九条】</span>“…”</li><li value="2">总投资</li></ol>'
        in html
    )
    assert "<blockquote>第二条 原文<br>第二款</blockquote>" in html
    assert "<ul><li>假设</li></ul>" in html


@pytest.mark.parametrize("ending", ["\n", "\r", "\r\n"])
def test_blocks_never_contain_a_line_ending(ending: str) -> None:
    """A blank line would end the HTML block and let the chat widget read markdown after it."""
    text = f"第一行{ending}{ending}[x](javascript:alert(1)) ![](http://e/a.png)"
    for html in (views.block(views.esc(text), "<p>b</p>"), views.user_html(text)):
        assert "\n" not in html and "\r" not in html and html.startswith('<div class="ra')


def test_latex_and_markdown_marks_stay_literal() -> None:
    html = views.user_html("$x^2$ **粗** _斜_ `code`")
    assert "$x^2$" in html and "**粗**" in html and "`code`" in html


# --- citation panels --------------------------------------------------------------------------------


def test_citation_panel_shows_whole_article_and_highlights_the_quote(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    unit = doc.find(UnitRef(21, paragraph=2))
    quote = quote_unit(doc, unit, "新增的建设内容投资应不超过总投资5%")
    html = views.citation_panel(quote, default_corpus, date(2026, 11, 26))
    assert html.startswith('<details class="ra-cite">')
    assert "【办法 第二十一条第二款】" in html and "包府办发〔2024〕106号" in html
    assert re.findall(r"<mark>(.*?)</mark>", html) == ["新增的建设内容投资应不超过总投资5%"]
    # the whole article: all three 款, numbered, and the items of the first
    for n in ("第一款", "第二款", "第三款"):
        assert f'<span class="ra-num">{n}</span>' in html
    assert html.count('class="ra-item"') == 3
    assert "不符合上述情形的,应当按照有关规定履行相应手续。" in html
    assert "现行有效（按 2026-11-26，有效期至 2026-11-30）" in html


def test_a_quote_spanning_items_is_marked_in_each(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    paragraph = doc.find(UnitRef(21, paragraph=1))
    quote = quote_unit(doc, paragraph)
    html = views.citation_panel(quote, default_corpus, date(2026, 11, 26))
    marked = "".join(re.findall(r"<mark>(.*?)</mark>", html))
    assert "(一)根据国家部署" in marked and "(三)根据所建政务信息化项目" in marked
    assert "建设内容调整是指" not in marked  # 第二款 is shown, not marked


@pytest.mark.parametrize(
    "tamper",
    [
        lambda q: replace(q, text=q.text.replace("200万元", "150万元")),
        lambda q: replace(q, start=q.start + 1, end=q.end + 1),
        lambda q: replace(q, doc_id="no-such-document"),
        lambda q: replace(q, ref=UnitRef(20), unit_id="baotou-2024-106:20"),
        lambda q: replace(q, doc_number="包府办发〔2023〕1号"),
    ],
)
def test_a_citation_that_fails_verification_is_never_shown(default_corpus: Corpus, tamper) -> None:
    doc = default_corpus.document()
    good = quote_unit(doc, doc.find(UnitRef(19)), "总投资在200万元及以上")
    assert views.citation_panel(good, default_corpus, date(2026, 11, 26))
    assert views.citation_panel(tamper(good), default_corpus, date(2026, 11, 26)) == ""
    assert views.citation_panels([tamper(good)], default_corpus, date(2026, 11, 26)) == ""


def test_expired_status_is_said_in_the_panel(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    quote = quote_unit(doc, doc.find(UnitRef(19)))
    html = views.citation_panel(quote, default_corpus, date(2027, 1, 1))
    assert 'class="ra-status ra-expired"' in html and "已失效" in html


def test_same_span_cited_twice_gets_one_panel(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    quote = quote_unit(doc, doc.find(UnitRef(19)))
    html = views.citation_panels([quote, quote], default_corpus, date(2026, 11, 26))
    assert html.count("<details") == 1


# --- answers and calculations ----------------------------------------------------------------------


def test_answer_bubble_has_text_and_one_panel_per_citation(engine, default_corpus: Corpus) -> None:
    answer = engine.ask("我们的项目总投资230万元，需要监理吗？")
    html = views.answer_html(answer, default_corpus)
    assert "\n" not in html
    assert "<p>需要。" in html
    assert html.count("<details") == len({(q.start, q.end) for q in answer.citations}) >= 1
    assert "【办法 第十九条】" in html


def test_answer_to_an_attack_is_inert(engine, default_corpus: Corpus) -> None:
    for attack in ATTACKS:
        answer = engine.ask(f"{attack} 第十九条是什么")
        html = views.answer_html(answer, default_corpus)
        assert _tags(html) <= SAFE_TAGS, attack
        assert _live_attributes(html) == [], attack


def test_refusal_is_marked_abstained(engine, default_corpus: Corpus) -> None:
    html = views.answer_html(engine.ask("今天天气怎么样？"), default_corpus)
    assert 'class="ra ra-answer ra-abstained"' in html and "<details" not in html


def test_calculation_result_shows_verdict_trace_and_clauses(calculators, default_corpus: Corpus) -> None:
    calc = calculators.run("adjustment", {"total": "1000万", "increase": "120万"}, as_of=date(2026, 11, 26))
    html = views.calculation_html(calc, default_corpus)
    assert html.startswith('<div class="ra ra-calc"><p class="ra-verdict">')
    assert views.esc(calc.conclusion) in html
    assert html.count("<li>") >= len(calc.trace)
    assert "假设（未提供，按此计算）" in html
    assert "【办法 第二十一条第二款】" in html and "<details" in html


def test_validity_of_an_unbundled_document_says_where_its_dates_come_from(calculators, default_corpus) -> None:
    calc = calculators.run("validity", {"document": "政府投资条例"}, as_of=date(2026, 11, 26))
    html = views.calculation_html(calc, default_corpus)
    assert "文件清单（documents.toml）记录的日期" in html


# --- browsing --------------------------------------------------------------------------------------


def test_article_view_numbers_paragraphs_and_lists_the_documents_it_names(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    html = views.article_html(doc, doc.article(1), default_corpus, date(2026, 11, 26))
    assert "《包头市本级政务信息化项目建设管理办法(试行)》第一条" in html
    assert "第一章 总则" in html
    assert "版本日期 2024-10-11" in html
    assert '<span class="ra-num">' not in html  # one 款: no numbering
    assert "《国家政务信息化项目建设管理办法》（国办发〔2019〕57号）：未收录正文" in html
    assert "《内蒙古自治区公共数据管理暂行办法》（内政发〔2024〕19号）：未收录正文" in html
    assert "<mark>" not in html


def test_article_27_names_the_fiscal_violations_regulation(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    html = views.article_html(doc, doc.article(27), default_corpus, date(2026, 11, 26))
    assert "《财政违法行为处罚处分条例》（国务院令第427号）：未收录正文，按 2026-11-26 现行有效" in html
    assert html.count("财政违法行为处罚处分条例》（") == 1  # the 文号 beside the title is the same document


def test_mentioned_documents_resolves_numbers_and_keeps_unknown_ones(default_corpus: Corpus) -> None:
    found = views.mentioned_documents(default_corpus, "依据国务院令第427号和京政发〔2020〕1号，根据国办发〔2019〕57号")
    assert [(name, meta.id if meta else None) for name, meta in found] == [
        ("国务院令第427号", "fiscal-violations-regulation"),
        ("京政发〔2020〕1号", None),
        ("国办发〔2019〕57号", "gov-info-projects-2019"),
    ]
    assert views._document_line("国务院令第999号", None, default_corpus, date(2026, 11, 26)) == (
        "<li>国务院令第999号：不在文件清单中，未收录</li>"
    )
    assert views._document_line("某某办法", None, default_corpus, date(2026, 11, 26)) == (
        "<li>《某某办法》：不在文件清单中，未收录</li>"
    )
    html = views.article_html(
        default_corpus.document(), default_corpus.document().article(1), default_corpus, date(2026, 11, 26)
    )
    assert "不在文件清单中" not in html


def test_document_card_of_an_unbundled_document(default_corpus: Corpus) -> None:
    meta = default_corpus.resolve("政府投资条例")
    html = views.document_html(meta, default_corpus, date(2026, 11, 26))
    assert "国务院令第712号" in html and "未收录（只有目录信息，无法显示条文）" in html


def test_document_card_lists_what_the_banfa_cites(default_corpus: Corpus) -> None:
    meta = default_corpus.resolve(None)
    html = views.document_html(meta, default_corpus, date(2026, 11, 26))
    assert "共29条" in html and "本文件依据或引用的文件" in html
    assert "《财政违法行为处罚处分条例》（国务院令第427号）" in html
    assert "《国家政务信息化项目建设管理办法》（国办发〔2019〕57号）：未收录正文，效力状态未记录" in html


def test_chapters_and_articles_of_the_banfa(banfa: Document) -> None:
    assert views.chapters(banfa) == [
        "第一章 总则",
        "第二章 规划和审批管理",
        "第三章 建设和资金管理",
        "第四章 监督管理",
        "第五章 附则",
    ]
    assert len(views.articles_in(banfa)) == 29
    last = views.articles_in(banfa, "第五章 附则")
    assert [value for _, value in last] == ["baotou-2024-106:28", "baotou-2024-106:29"]
    assert last[1][0].startswith("第二十九条 本办法自2024年12月1日起施行")


def test_status_banner_counts_down_and_turns_red_when_expired(default_corpus: Corpus) -> None:
    meta = default_corpus.resolve(None)
    today = date(2026, 11, 26)
    assert "（还剩 4 天）" in views.status_banner(meta, today, today)
    assert "（今天是最后一天）" in views.status_banner(meta, date(2026, 11, 30), date(2026, 11, 30))
    expired = views.status_banner(meta, date(2027, 1, 1), today)
    assert "ra-expired" in expired and "按 2027-01-01 已失效" in expired and "还剩" not in expired


def test_unknown_status_is_grey_and_said_as_unknown(default_corpus: Corpus) -> None:
    meta = default_corpus.resolve("国家政务信息化项目建设管理办法")
    html = views.document_html(meta, default_corpus, date(2026, 11, 26))
    assert '<span class="ra-status ra-unknown">效力状态未记录</span>' in html
    assert "ra-in-force" not in html


def test_a_warning_already_in_the_answer_is_not_repeated(engine, default_corpus: Corpus) -> None:
    answer = engine.ask("第十九条", as_of="2027-01-01")
    assert answer.warnings and all(w in answer.answer.replace("**", "") for w in answer.warnings)
    assert 'class="ra-warnings"' not in views.answer_html(answer, default_corpus)


def test_article_view_highlights_the_unit_asked_for(default_corpus: Corpus) -> None:
    doc = default_corpus.document()
    paragraph = doc.find(UnitRef(21, paragraph=2))
    html = views.article_html(
        doc, doc.article(21), default_corpus, date(2026, 11, 26), (paragraph.start, paragraph.end)
    )
    assert re.findall(r"<mark>(.*?)</mark>", html) == [paragraph.text]


def test_article_html_shows_the_reference_graph(default_corpus: Corpus) -> None:
    from assistant.crossrefs import ReferenceGraph
    from assistant.retrieve import Router

    graph = ReferenceGraph.build(default_corpus, Router(default_corpus))
    doc = default_corpus.document()
    html = views.article_html(doc, doc.article(21), default_corpus, date(2026, 11, 26), references=graph)
    assert "<strong>本条引用</strong>" in html and "“上述情形” → 办法 第二十一条第一款第（三）项" in html
    first = views.article_html(doc, doc.article(1), default_corpus, date(2026, 11, 26), references=graph)
    assert "（未收录正文）" in first
    lonely = views.article_html(doc, doc.article(19), default_corpus, date(2026, 11, 26), references=graph)
    assert "本条未引用其他条文，也未被其他条文引用" in lonely


def test_check_html_escapes_the_memo_and_verifies_its_panels(engine) -> None:
    from assistant.check import Checker

    memo = "<script>alert(1)</script>根据办法第十九条，总投资150万元以上的项目应实行监理制。"
    report = Checker.of(engine).check(memo, "2026-11-26")
    html = views.check_html(report, engine.corpus)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count('class="ra-bad"') == 1 and "数字与条文不符" in html
    assert "【办法 第十九条】" in html and "\n" not in html
    clean = views.check_html(Checker.of(engine).check("没有引用。", "2026-11-26"), engine.corpus)
    assert "共 0 处" not in clean and "未发现任何文件或条文引用" in clean
