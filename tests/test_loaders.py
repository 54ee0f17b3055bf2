"""Loaders turn every supported source into one-款-per-line text that the parser reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import docx
import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from assistant.errors import SourceError
from assistant.loaders import LawDatabase, html_to_text, law_db_path, read_text, reflow, render_law
from assistant.parser import parse
from assistant.structure import DocumentMeta

META = DocumentMeta(id="t", title="测试")
BODY = "第一章 总则\n第一条 为了测试，制定本办法。\n第二条 项目包括：\n（一）软件；\n（二）硬件。\n"


def _shape(text: str) -> list[list[int]]:
    doc = parse(text, META)
    return [[len(p.items) for p in a.paragraphs] for a in doc.articles]


def test_txt_utf8_bom_and_gb18030(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbf" + BODY.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(BODY.encode("gb18030"))
    assert read_text(tmp_path / "a.txt") == BODY
    assert read_text(tmp_path / "b.txt") == BODY


def test_binary_and_unsupported_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(SourceError, match="不是文本文件"):
        read_text(tmp_path / "x.txt")
    with pytest.raises(SourceError, match="不支持的文件类型"):
        read_text(tmp_path / "x.json")
    with pytest.raises(SourceError, match="无法读取"):
        read_text(tmp_path / "missing.md")


def test_html_keeps_inline_markup_on_one_line() -> None:
    html = (
        "<html><head><title>不要</title><style>p{}</style></head><body>"
        "<div class=nav>首页</div><p><b>第一条</b>&nbsp;为了测试，制定本办法。</p>"
        "<p>第二条 项目包括：<br>（一）软件；<br/>（二）硬件。</p><script>var x='第九条';</script></body></html>"
    )
    text = html_to_text(html)
    assert "不要" not in text and "第九条" not in text
    assert "第一条 为了测试，制定本办法。" in text.replace("\xa0", " ")
    assert _shape(text) == [[0], [2]]
    assert _shape(html_to_text("<pre>第一条 甲。\n第二条 乙：\n（一）丙。</pre>")) == [[0], [1]]


def test_docx(tmp_path: Path) -> None:
    document = docx.Document()
    for line in BODY.splitlines():
        document.add_paragraph(line)
    document.add_paragraph("")
    document.save(str(tmp_path / "a.docx"))
    text = read_text(tmp_path / "a.docx")
    assert text == BODY
    (tmp_path / "bad.docx").write_bytes(b"PK not really a zip")
    with pytest.raises(SourceError, match="docx"):
        read_text(tmp_path / "bad.docx")


def _write_pdf(path: Path, pages: list[list[str]], encrypt: StandardEncryption | None = None) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), encrypt=encrypt)
    for lines in pages:
        c.setFont("STSong-Light", 12)
        y = 800
        for line in lines:
            c.drawString(40, y, line)
            y -= 18
        c.showPage()
    c.save()


def test_pdf_reflows_wrapped_lines_and_drops_page_numbers(tmp_path: Path) -> None:
    _write_pdf(
        tmp_path / "a.pdf",
        [
            ["第一章 总则", "第一条 为了规范政务信息化项目建设管理，", "制定本办法。", "第二条 项目包括：", "- 1 -"],
            ["（一）软件；", "（二）硬件和", "网络设备。", "第三条 本办法自公布之日起施行。", "第 2 页 共 2 页"],
        ],
    )
    doc = parse(read_text(tmp_path / "a.pdf"), META)
    assert [a.number for a in doc.articles] == [1, 2, 3]
    assert doc.article(1).paragraphs[0].text == "为了规范政务信息化项目建设管理，制定本办法。"
    assert [i.text for i in doc.article(2).paragraphs[0].items] == ["（一）软件；", "（二）硬件和网络设备。"]
    assert doc.article(3).text == "第三条 本办法自公布之日起施行。"


def test_broken_and_empty_pdfs(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 nonsense")
    with pytest.raises(SourceError):
        read_text(tmp_path / "bad.pdf")
    _write_pdf(tmp_path / "empty.pdf", [[]])
    with pytest.raises(SourceError, match="没有可提取的文字"):
        read_text(tmp_path / "empty.pdf")


def test_copy_protected_pdf_opens_but_a_user_password_is_refused(tmp_path: Path) -> None:
    lines = ["第一条 为了测试，制定本办法。"]
    _write_pdf(tmp_path / "owner.pdf", [lines], StandardEncryption("", ownerPassword="owner", canCopy=0))
    assert read_text(tmp_path / "owner.pdf") == lines[0] + "\n"
    _write_pdf(tmp_path / "user.pdf", [lines], StandardEncryption("secret", ownerPassword="owner"))
    with pytest.raises(SourceError, match="已加密"):
        read_text(tmp_path / "user.pdf")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "第一章 总则\n第一条 甲乙\n丙丁。\n（一）戊\n己；\n1.庚\n- 3 -\n12/30\n",
            "第一章 总则\n第一条 甲乙丙丁。\n（一）戊己；\n1.庚\n",
        ),
        (
            "第二条 项目审批程序依照本办法\n第二十条执行，报市政府备案。\n",
            "第二条 项目审批程序依照本办法第二十条执行，报市政府备案。\n",
        ),
        (
            "第一条 根据本办法\n第三章规定的审批程序和有关法律法规\n制定本细则。\n",
            "第一条 根据本办法第三章规定的审批程序和有关法律法规制定本细则。\n",
        ),
        ("第一条 甲。\n第二条乙\n丙。\n", "第一条 甲。\n第二条乙丙。\n"),
    ],
)
def test_reflow(text: str, expected: str) -> None:
    assert reflow(text) == expected


def test_render_law_and_parse() -> None:
    rows = [
        ("第一章 总则", None, "第一条", "为了测试。"),
        ("第二章 细则", "第一节 一般", "第二条", "甲：\n（一）乙；\n（二）丙。\n前款规定。"),
        ("第二章 细则", "第二节 特别", "第三条", "丁。"),
    ]
    text = render_law("中华人民共和国测试法", rows)
    doc = parse(text, META)
    assert [(h.kind, h.title) for h in doc.headings] == [("章", "总则"), ("章", "细则"), ("节", "一般"), ("节", "特别")]
    assert [[len(p.items) for p in a.paragraphs] for a in doc.articles] == [[0], [2, 0], [0]]
    assert doc.article(3).section is not None and doc.article(3).section.title == "特别"


def test_law_database_reads_the_package_data() -> None:
    db = LawDatabase(law_db_path())
    try:
        law = db.law("中华人民共和国政府采购法")
        assert law.level == "法律" and law.status == "现行有效"
        assert law.version_date is not None and law.version_date.isoformat() == "2014-08-31"
        assert "第二十六条 政府采购采用以下方式：" in law.text
        with pytest.raises(SourceError, match="没有《中华人民共和国不存在法》"):
            db.law("中华人民共和国不存在法")
    finally:
        db.close()


def test_law_database_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="不存在"):
        law_db_path(tmp_path / "none.db")
    sqlite3.connect(tmp_path / "empty.db").close()
    with pytest.raises(SourceError, match="无法打开法律数据库"):
        LawDatabase(tmp_path / "empty.db")


def test_every_consistent_law_in_the_database_parses_whole() -> None:
    """Broad check of render + parse: all current laws whose own numbering is consistent."""
    db = LawDatabase(law_db_path())
    try:
        rows = db._conn.execute(
            "SELECT l.law_name, COUNT(*), MAX(a.article_no_arabic), SUM(a.article_no NOT LIKE '第%条%') "
            "FROM laws l JOIN articles a ON a.law_id = l.law_id "
            "WHERE l.doc_type = '法律' AND l.status = '现行有效' GROUP BY l.law_id"
        ).fetchall()
        consistent = [(name, count) for name, count, top, odd in rows if count == top and not odd]
        assert len(consistent) == 293
        for name, count in consistent:
            law = db.law(name)
            doc = parse(law.text, DocumentMeta(id="law", title=name))
            assert len(doc.articles) == count, name
            assert doc.warnings == (), (name, doc.warnings[:3])
            assert all(law.text[u.start : u.end] == u.text for u in doc.units())
    finally:
        db.close()
