"""The structure parser, on the 办法 as published and on synthetic texts that exercise every form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import UnitNotFound
from assistant.numerals import to_chinese
from assistant.parser import classify, parse, starts_unit
from assistant.references import UnitRef
from assistant.structure import Document, DocumentMeta, Item, Paragraph

META = DocumentMeta(id="t", title="测试办法", aliases=("测试办法",))


def assert_slices(doc: Document) -> None:
    for unit in [*doc.units(), *doc.headings]:
        assert doc.text[unit.start : unit.end] == unit.text, unit


# -- the 办法 ------------------------------------------------------------------------------------


def test_banfa_shape(banfa: Document) -> None:
    assert [h.kind for h in banfa.headings] == ["章"] * 5
    assert [h.title for h in banfa.headings] == ["总则", "规划和审批管理", "建设和资金管理", "监督管理", "附则"]
    assert [a.number for a in banfa.articles] == list(range(1, 30))
    assert len(banfa.article(4).paragraphs) == 6
    tenth = banfa.article(10)
    assert len(tenth.paragraphs) == 1 and len(tenth.paragraphs[0].items) == 7
    twenty_first = banfa.article(21)
    assert [len(p.items) for p in twenty_first.paragraphs] == [3, 0, 0]
    assert banfa.warnings == ()


def test_banfa_last_article_excludes_page_chrome(banfa: Document) -> None:
    last = banfa.article(29)
    assert last.text == "第二十九条 本办法自2024年12月1日起施行,有效期两年。"
    assert last.text.endswith("有效期两年。")
    for chrome in ("文字解读", "视频解读", "打印", "保存"):
        assert all(chrome not in a.text for a in banfa.articles)


def test_banfa_notice_header_is_metadata_not_article_text(banfa: Document) -> None:
    assert banfa.header_value("文号") == banfa.meta.number == "包府办发〔2024〕106号"
    assert banfa.header_value("索引号") == "011536003001/2024-00105"
    assert banfa.header_value("成文日期") == "2024-10-11 11:45"
    assert banfa.header_value("发布机构") == "市人民政府办公室"
    first = banfa.articles[0]
    assert first.start == banfa.text.index("第一条 为规范")
    assert all("印发给你们" not in a.text for a in banfa.articles)


def test_banfa_units_have_ids_labels_and_context(banfa: Document) -> None:
    item = banfa.find(UnitRef(21, paragraph=1, item=3))
    assert isinstance(item, Item)
    assert item.id == "baotou-2024-106:21:1:3"
    assert item.marker == "(三)"
    assert item.text.startswith("(三)根据所建政务信息化项目业务发展需要")
    assert banfa.label(item) == "《包头市本级政务信息化项目建设管理办法(试行)》第二十一条第一款第（三）项"
    assert (
        banfa.label(banfa.find(UnitRef(10, item=3))) == "《包头市本级政务信息化项目建设管理办法(试行)》第十条第（三）项"
    )
    para = banfa.find(UnitRef(21, paragraph=1))
    assert isinstance(para, Paragraph)
    assert para.text.startswith("政务信息化项目投资规模") and para.text.endswith("调整相关建设内容和进度的。")
    assert banfa.article(19).chapter is not None and banfa.article(19).chapter.name == "第三章 建设和资金管理"
    assert banfa.article(1).paragraphs[0].text.startswith("为规范全市政务信息化项目")


def test_banfa_every_unit_slices_the_source(banfa: Document) -> None:
    assert_slices(banfa)
    assert sum(1 for _ in banfa.units()) == 29 + sum(len(a.paragraphs) for a in banfa.articles) + 7 + 3 + 3


# -- synthetic texts -----------------------------------------------------------------------------

NOTICE = """首 页>>公开信息内容
名  称: 某市人民政府办公室关于印发某市测试办法的通知
文  号: 某府办发〔2025〕7号
发布日期: 2025-01-02 09:00
成文日期: 2024-12-30 10:00

各区人民政府:

现将《某市测试办法》印发给你们,请认真贯彻落实。

某市测试办法

第一编 总 则

第一分编 通则

第一章 一般规定

第一节 目的

第一条 为了测试，制定本办法。

第二条 本办法所称项目，是指：

（一）甲类项目；

(二)乙类项目，包括：

1.软件；

２．硬件；

3．服务。

前款所称项目不含涉密项目。

第二节 适用、衔接

第三条 第二条所称项目，按本办法管理。
第二条规定的例外情形，另行规定。

第二章 附　则

第四条之一 本条为插入条文。

第四条 本办法自2025年1月1日起施行。

文字解读:《关于印发某市测试办法的通知》的政策解读
打印 保存"""


def test_synthetic_notice_with_parts_sections_and_subitems() -> None:
    doc = parse(NOTICE, META)
    assert_slices(doc)
    assert doc.header_value("文号") == "某府办发〔2025〕7号"
    assert doc.header_value("名称") == "某市人民政府办公室关于印发某市测试办法的通知"
    assert [(h.kind, h.number, h.title) for h in doc.headings] == [
        ("编", 1, "总则"),
        ("分编", 1, "通则"),
        ("章", 1, "一般规定"),
        ("节", 1, "目的"),
        ("节", 2, "适用、衔接"),
        ("章", 2, "附则"),
    ]
    second = doc.article(2)
    assert [len(p.items) for p in second.paragraphs] == [2, 0]
    items = second.paragraphs[0].items
    assert [i.marker for i in items] == ["（一）", "(二)"]
    assert [s.ref.subitem for s in items[1].subitems] == [1, 2, 3]
    assert items[1].subitems[1].marker == "２．"
    assert items[1].subitems[2].id == "t:2:1:2:3"
    assert doc.warnings == ()
    third = doc.article(3)
    assert [h.name for h in third.headings] == ["第一编 总则", "第一分编 通则", "第一章 一般规定", "第二节 适用、衔接"]
    assert third.section is not None and third.section.title == "适用、衔接"
    assert third.part is not None and third.part.title == "总则"
    # a line that cites an article is a 款 of the current article, not a new article
    assert len(third.paragraphs) == 2 and third.paragraphs[1].text.startswith("第二条规定的例外情形")
    inserted = doc.article(4, suffix=1)
    assert inserted.id == "t:4-1" and inserted.label == "第四条之一"
    assert [h.name for h in inserted.headings] == ["第一编 总则", "第一分编 通则", "第二章 附则"]
    assert inserted.section is None
    assert doc.articles[-1].text == "第四条 本办法自2025年1月1日起施行。"


def test_articles_without_space_after_label_and_windows_line_endings() -> None:
    text = "第一章总则\r\n第一条为了测试，制定本办法。\r\n第二条本办法适用于全市。\r\n第三条规定的事项除外。\r\n"
    doc = parse(text, META)
    assert_slices(doc)
    assert [h.title for h in doc.headings] == ["总则"]
    assert [a.number for a in doc.articles] == [1, 2]
    assert doc.article(2).paragraphs[1].text == "第三条规定的事项除外。"
    assert doc.article(1).paragraphs[0].text == "为了测试，制定本办法。"


def test_markdown_headings_and_fullwidth_spaces() -> None:
    text = "# 测试条例\n\n<!-- INFO END -->\n\n## 第一章　总则\n\n第一条　为了测试，制定本条例。\n\n　　本条例自公布之日起施行。\n"
    doc = parse(text, META)
    assert_slices(doc)
    assert doc.header_value("标题") == "测试条例"
    assert doc.headings[0].title == "总则" and doc.headings[0].text == "第一章　总则"
    first = doc.article(1)
    assert [p.text for p in first.paragraphs] == ["为了测试，制定本条例。", "本条例自公布之日起施行。"]


def test_items_without_lead_in_and_numbered_items_without_parent() -> None:
    text = "第一条\n（一）甲；\n（二）乙。\n第二条 下列事项：\n1.第一项；\n2.第二项。\n"
    doc = parse(text, META)
    assert_slices(doc)
    first = doc.article(1)
    assert len(first.paragraphs) == 1 and [i.ref.item for i in first.paragraphs[0].items] == [1, 2]
    second = doc.article(2)
    assert [i.ref.item for i in second.paragraphs[0].items] == [1, 2]
    assert all(not i.subitems for i in second.paragraphs[0].items)


def test_sentences_that_start_like_headings_are_not_headings() -> None:
    text = "第一条 总则如下。\n第二章规定的程序，按照本条执行。\n第二条 其他。\n"
    doc = parse(text, META)
    assert doc.headings == ()
    assert doc.article(1).paragraphs[1].text.startswith("第二章规定的程序")


def test_attachments_end_the_articles() -> None:
    text = "第一条 甲。\n第二条 乙。\n附件：1.申报表\n第三条 不应出现。\n"
    doc = parse(text, META)
    assert [a.number for a in doc.articles] == [1, 2]
    assert doc.article(2).text == "第二条 乙。"


def test_paragraphs_that_start_with_chrome_words_stay_in_the_article() -> None:
    lines = [
        "打印遗嘱应当有两个以上见证人在场见证。",
        "关闭煤矿和报废矿井，应当依法办理。",
        "保存文物特别丰富的城市。",
        "附件三所列全国性法律。",
    ]
    doc = parse("第一条 甲。\n" + "\n".join(lines) + "\n【打印】【关闭窗口】\n", META)
    assert [p.text for p in doc.article(1).paragraphs[1:]] == lines
    for chrome in ("打印 保存", "【打印】 | 【关闭】", "相关链接", "附件", "附件2：申报表", "附件一"):
        doc = parse(f"第一条 甲。\n{chrome}\n第二条 乙。\n", META)
        assert [a.text for a in doc.articles] == ["第一条 甲。"], chrome


def test_warnings_for_gaps_duplicates_and_stray_text() -> None:
    text = "第一章 总则\n这是一段无主文字。\n第一条 甲。\n第三条 丙。\n第三条 重复。\n"
    doc = parse(text, META)
    assert [a.number for a in doc.articles] == [1, 3]
    assert doc.article(3).text == "第三条 丙。"
    joined = " ".join(doc.warnings)
    assert "缺少第2条" in joined and "重复" in joined and "无主文字" in joined


def test_classify_and_starts_unit() -> None:
    for line, kind in [
        ("第一条 甲", "article"),
        ("第三条甲", "article"),
        ("第一章 总则", "heading"),
        ("第一章总则", "heading"),
        ("第一分编 通则", "heading"),
        ("（一）甲", "item"),
        ("(二)乙", "item"),
        ("1.丙", "subitem"),
        ("１．丁", "subitem"),
        ("2、戊", "subitem"),
        ("文字解读:x", "trailer"),
        ("打印 保存", "trailer"),
    ]:
        assert classify(line).kind == kind, line
    for line in (
        "的信息系统。",
        "第二条规定的",
        "第五条第二款所称",
        "第三章规定的审批程序",
        "第二章规定的审批、备案程序",
        "2024年起施行",
        "1.5亿元以上的项目",
        "第十十条 乱码",
        "第一二章 乱码",
        "（十十）乱码",
    ):
        assert classify(line).kind == "text", line
        assert not starts_unit(line), line
    assert starts_unit("第二十条 执行。", after_unfinished=True)
    assert not starts_unit("第二十条执行，报市政府备案。", after_unfinished=True)
    assert starts_unit("第二十条执行，报市政府备案。")


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        (
            "第一条中华人民共和国是社会主义国家。\n第二条中华人民共和国的一切权力属于人民。\n第三条国家机构实行民主集中制。\n",
            [1, 2, 3],
        ),
        ("第一条为了测试。\n第二条（删除）\n第三条国家鼓励创新。\n第四条本法自公布之日起施行。\n", [1, 2, 3, 4]),
        ("第一条为了测试。\n第二条规划编制应当科学。\n", [1, 2]),
        ("第二条甲。\n第三条乙。\n", [2, 3]),
        ("第一条 甲。\n第一〇二条 乱码编号。\n第二条 乙。\n", [1, 2]),
        ("第零条 零。\n第一条 甲。\n", [1]),
        ("\u200b第一条 为了测试。\n\ufeff第二条 乙。\n", [1, 2]),
    ],
)
def test_article_labels_without_spaces_and_odd_characters(text: str, numbers: list[int]) -> None:
    doc = parse(text, META)
    assert_slices(doc)
    assert [a.number for a in doc.articles] == numbers


def test_out_of_sequence_label_without_space_is_text_with_a_warning() -> None:
    doc = parse("第一条 甲。\n第二条 乙。\n第三十条丙。\n", META)
    assert [a.number for a in doc.articles] == [1, 2]
    assert doc.article(2).paragraphs[1].text == "第三十条丙。"
    assert any("第三十条" in w and "按正文处理" in w for w in doc.warnings)


# -- property: any well-formed document parses back into the structure it was built from ---------

_sentence = st.text(alphabet="政务信息化项目建设管理资金审批备案监督", min_size=1, max_size=30).map(lambda s: s + "。")
_ws = st.sampled_from([" ", "　", "  ", ""])
_paren = st.sampled_from([("(", ")"), ("（", "）")])
_newline = st.sampled_from(["\n", "\r\n"])


@st.composite
def _documents(draw: st.DrawFn) -> tuple[str, list[list[list[int]]], list[str]]:
    """Text, its shape (per article, per paragraph, sub-items per item) and its heading names."""
    nl = draw(_newline)
    shape: list[list[list[int]]] = []
    headings: list[str] = []
    out = [draw(st.sampled_from(["", "# 标题\n\n", "名称: 某通知\n文号: 某发〔2024〕1号\n\n"])).replace("\n", nl)]
    n_articles = draw(st.integers(1, 6))
    for a in range(1, n_articles + 1):
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["编", "章", "节"]))
            title = draw(st.sampled_from(["总则", "规划、审批", "附 则"]))
            out.append(f"第{to_chinese(a)}{kind}{draw(_ws) or ' '}{title}{nl}{nl}")
            headings.append(f"第{to_chinese(a)}{kind} {title.replace(' ', '')}")
        paragraphs: list[list[int]] = []
        for p in range(draw(st.integers(1, 3))):
            lead = f"第{to_chinese(a)}条{draw(_ws)}" if p == 0 else draw(st.sampled_from(["", "　　"]))
            out.append(lead + draw(_sentence) + nl + draw(st.sampled_from(["", nl])))
            items: list[int] = []
            for i in range(1, draw(st.integers(0, 3)) + 1):
                left, right = draw(_paren)
                out.append(f"{left}{to_chinese(i)}{right}{draw(_sentence)}{nl}")
                subs = draw(st.integers(0, 2))
                out.extend(
                    f"{s}{draw(st.sampled_from(['.', '．', '、']))}{draw(_sentence)}{nl}" for s in range(1, subs + 1)
                )
                items.append(subs)
            paragraphs.append(items)
        shape.append(paragraphs)
    return "".join(out), shape, headings


@settings(max_examples=150, deadline=None)
@given(_documents())
def test_property_generated_documents_round_trip(case: tuple[str, list[list[list[int]]], list[str]]) -> None:
    text, shape, headings = case
    doc = parse(text, META)
    assert_slices(doc)
    got = [[[len(i.subitems) for i in p.items] for p in a.paragraphs] for a in doc.articles]
    assert got == shape
    assert [h.name for h in doc.headings] == headings
    assert doc.warnings == ()


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (UnitRef(30), "办法共29条（第一条至第二十九条），没有第三十条。"),
        (UnitRef(19, paragraph=2), "第十九条共1款，没有第十九条第二款。"),
        (UnitRef(21, item=4), "第二十一条第一款共3项，没有第二十一条第一款第（四）项。"),
        (UnitRef(19, item=1), "第十九条没有项，无法找到第十九条第（一）项。"),
        (UnitRef(21, paragraph=2, item=1), "第二十一条第二款没有分项，没有第二十一条第二款第（一）项。"),
        (UnitRef(10, item=1, subitem=1), "第十条第一款第（一）项没有分目，没有第十条第一款第（一）项第1目。"),
    ],
)
def test_find_says_what_exists(banfa: Document, ref: UnitRef, message: str) -> None:
    with pytest.raises(UnitNotFound) as err:
        banfa.find(ref)
    assert str(err.value) == message


def test_duplicate_item_numbers_are_reported() -> None:
    doc = parse("第一条 下列：\n（一）甲；\n（一）乙。\n", META)
    assert any("第（一）项" in w and "重复" in w for w in doc.warnings)
