"""The rule data and the text it cites cannot drift apart: every number is checked against its clause."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from assistant.calculators import AdjustmentInput, Calculators
from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus
from assistant.errors import RuleError
from assistant.rules import BOUNDS, Param, RuleBook, load_rules

CORPUS = PROJECT_ROOT / "corpus"
TEXT = "baotou-2024-106.txt"


@pytest.fixture(scope="module")
def book(default_corpus: Corpus) -> RuleBook:
    return load_rules(Settings(extra_docs=None), default_corpus)


def test_every_parameter_appears_in_the_unit_it_cites(book: RuleBook, default_corpus: Corpus) -> None:
    assert len(book.params) == 7
    for param in book.params:
        doc = default_corpus.document(param.quote.doc_id)
        unit = doc.find(param.quote.ref)
        assert param.raw in unit.text, param.name
        assert param.raw in param.quote.text and param.quote.text in unit.text, param.name
        if param.bound:
            assert param.bound in param.quote.text, param.name


def test_every_quote_is_a_verbatim_slice_of_its_unit(book: RuleBook, default_corpus: Corpus) -> None:
    assert len(book.quotes) > 40
    for quote in book.quotes:
        doc = default_corpus.document(quote.doc_id)
        assert doc.text[quote.start : quote.end] == quote.text
        unit = doc.find(quote.ref)
        assert unit.start <= quote.start and quote.end <= unit.end, quote.label


def test_the_numbers_of_the_banfa(book: RuleBook) -> None:
    assert book.supervision.threshold.value == Decimal(2_000_000) and book.supervision.threshold.op == ">="
    a = book.adjustment
    assert a.ratio_max.value == Fraction(15, 100) and a.ratio_max.op == "<="
    assert a.new_ratio_max.value == Fraction(5, 100) and a.new_cap.value == Decimal(2_000_000)
    assert [q.ref.item for q in a.situations] == [1, 2, 3] and all(q.ref.paragraph == 1 for q in a.situations)
    assert a.authority.text == "市行政审批政务服务与数据管理局"
    v = book.validity["baotou-2024-106"]
    assert v.effective.value == date(2024, 12, 1) and v.term.value == 2 and v.expiry == date(2026, 11, 30)
    assert book.self_evaluation.window.value == (1, 2)
    assert [g.item for g in book.negative_list.grounds] == [1, 2, 3, 4, 5, 6, 7]
    assert [q.text for q in book.approval_route.stages] == ["项目建议书", "可行性研究报告", "初步设计", "投资概算"]
    assert {f.key: f.route for f in book.approval_route.funding} == {
        "municipal": "approval",
        "service": "approval",
        "special": "filing",
        "enterprise": "filing",
        "self": "filing",
    }


# 以上、以下、以内 include the number (民法典第一千二百五十九条); 超过、不满 do not; the rest read plainly.
INCLUSIVE_LOWER = {"及以上", "以上", "不少于", "不低于"}
INCLUSIVE_UPPER = {"以下", "以内", "不超过", "不高于", "不大于"}
EXCLUSIVE_LOWER = {"超过", "高于", "大于"}
EXCLUSIVE_UPPER = {"不满", "低于", "少于", "不足"}


@pytest.mark.parametrize("bound", sorted(BOUNDS))
def test_bound_words_say_whether_the_number_is_included(book: RuleBook, bound: str) -> None:
    p = Param("x", book.supervision.threshold.quote, "100", Decimal(100), bound, BOUNDS[bound])
    at, above, below = p.holds(Decimal(100)), p.holds(Decimal("100.01")), p.holds(Decimal("99.99"))
    expected = {
        **dict.fromkeys(INCLUSIVE_LOWER, (True, True, False)),
        **dict.fromkeys(INCLUSIVE_UPPER, (True, False, True)),
        **dict.fromkeys(EXCLUSIVE_LOWER, (False, True, False)),
        **dict.fromkeys(EXCLUSIVE_UPPER, (False, False, True)),
    }
    assert (at, above, below) == expected[bound]
    assert p.inclusive is at


def test_rule_file_errors_are_chinese(corpus_copy: Path) -> None:
    _edit(corpus_copy / "rules.toml", 'route = "filing"', 'route = "备案"')
    with pytest.raises(RuleError, match="approval_route.funding.2.route：取值应为 'approval' or 'filing'"):
        _load(corpus_copy)


# --- a copy of corpus/ to break on purpose ------------------------------------------------------


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder, ignore=shutil.ignore_patterns("extra"))
    return folder


def _settings(folder: Path) -> Settings:
    return Settings(corpus_dir=folder, extra_docs=None, index_dir=folder.parent / "index")


def _load(folder: Path) -> RuleBook:
    settings = _settings(folder)
    return load_rules(settings, load_corpus(settings))


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _rewrite_text(folder: Path, old: str, new: str) -> None:
    """Edit the 办法's text and record its new sha256, as a maintainer would after checking it."""
    _edit(folder / TEXT, old, new)
    digest = hashlib.sha256((folder / TEXT).read_bytes()).hexdigest()
    manifest = folder / "documents.toml"
    manifest.write_text(
        re.sub(r'sha256 = "[0-9a-f]+"', f'sha256 = "{digest}"', manifest.read_text(encoding="utf-8"), count=1),
        encoding="utf-8",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('value = "200万元", bound = "及以上"', 'value = "300万元", bound = "及以上"', "数值“300万元”不在引文"),
        ('总投资在200万元及以上"', '总投资在200万元及以上，"', "不是办法 第十九条原文的一部分"),  # a full-width comma
        ('bound = "及以上"', 'bound = "至少"', "不认识的比较词"),
        ('bound = "及以上"', 'bound = "以下"', "比较词“以下”不在引文"),
        ('cite = "第十九条", text = "总投资在200', 'cite = "第十八条", text = "总投资在200', "不是办法 第十八条原文"),
        ('cite = "第十条第（三）项"', 'cite = "第十条第（九）项"', "引用“第十条第（九）项”无效"),
        ('phrase = "使用频率低"', 'phrase = "使用频率很低"', "facts.low_usage"),
        ('when = [["replaceable"]]', 'when = [["replacable"]]', "未定义的事实“replacable”"),
        ("[supervision]\n", "[supervision]\nthresold = 1\n", "多余的项"),
        ('doc = "baotou-2024-106"\ntitle = "监理制', 'doc = "gov-info-projects-2019"\ntitle = "监理制', "不可用"),
        ('stages = ["项目建议书"', 'stages = ["项目申请书"', "“项目申请书”不在办法 第十一条第一款的引文中"),
        ('label = "自筹资金"', 'label = "自有资金"', "“自有资金”不是办法 第十二条原文"),
    ],
)
def test_drifted_rule_data_is_refused(corpus_copy: Path, old: str, new: str, message: str) -> None:
    _edit(corpus_copy / "rules.toml", old, new)
    with pytest.raises(RuleError, match=re.escape(message)):
        _load(corpus_copy)


def test_unreadable_or_missing_rule_file(corpus_copy: Path) -> None:
    (corpus_copy / "rules.toml").write_text("[supervision\n", encoding="utf-8")
    with pytest.raises(RuleError, match="无法读取"):
        _load(corpus_copy)
    (corpus_copy / "rules.toml").unlink()
    with pytest.raises(RuleError, match="找不到规则数据文件"):
        _load(corpus_copy)


def test_manifest_dates_must_agree_with_the_validity_clause(corpus_copy: Path) -> None:
    _edit(corpus_copy / "documents.toml", "expiry_date = 2026-11-30", "expiry_date = 2026-12-01")
    with pytest.raises(RuleError, match="应为 2024-12-01 / 2026-11-30"):
        _load(corpus_copy)


def test_text_changed_but_not_the_data_is_refused(corpus_copy: Path) -> None:
    _rewrite_text(corpus_copy, "总投资在200万元及以上", "总投资在100万元及以上")
    with pytest.raises(RuleError, match="supervision"):
        _load(corpus_copy)


def test_another_city_is_served_by_editing_data_not_code(corpus_copy: Path) -> None:
    """A 办法 with 100万元, 10%, a 100万元 cap and 应当 instead of 原则上: edit its text and the rule data;
    the calculators follow, and no Baotou wording or number is left in what they say."""
    for old, new in (
        (
            "总投资在200万元及以上的政务信息化项目原则上实行监理制",
            "总投资在100万元及以上的政务信息化项目应当实行监理制",
        ),
        ("不超过概算总投资15%", "不超过概算总投资10%"),
        ("比值不超过15%", "比值不超过10%"),
        ("不超过总投资5%且不超过200万元", "不超过总投资5%且不超过100万元"),
    ):
        _rewrite_text(corpus_copy, old, new)
    rules = corpus_copy / "rules.toml"
    _edit(rules, "总投资在200万元及以上", "总投资在100万元及以上", count=2)
    _edit(rules, "原则上实行监理制", "应当实行监理制", count=2)
    _edit(rules, 'value = "200万元", bound = "及以上"', 'value = "100万元", bound = "及以上"')
    _edit(rules, "不超过概算总投资15%", "不超过概算总投资10%")
    _edit(rules, "比值不超过15%", "比值不超过10%", count=2)
    _edit(rules, 'value = "15%"', 'value = "10%"')
    _edit(rules, 'text = "且不超过200万元", value = "200万元"', 'text = "且不超过100万元", value = "100万元"')
    settings = _settings(corpus_copy)
    corpus = load_corpus(settings)
    calc = Calculators.create(settings, corpus)
    day = date(2026, 11, 26)

    supervision = calc.supervision(Decimal(1_500_000), as_of=day)
    assert supervision.outcome["supervision_required"] is True and supervision.outcome["in_principle"] is False
    assert "应当实行监理制" in supervision.conclusion
    below = calc.supervision(Decimal(990_000), as_of=day)
    assert below.outcome["supervision_required"] is False and "100万元及以上" in below.conclusion

    twelve = calc.adjustment(AdjustmentInput(Decimal(10_000_000), Decimal(1_200_000), Decimal(1_200_000)), as_of=day)
    assert twelve.outcome["self_adjust_allowed"] is False and "调整比例12%超过10%" in twelve.conclusion
    capped = AdjustmentInput(Decimal(36_000_000), Decimal(1_500_000), Decimal(1_500_000), Decimal(1_500_000))
    over_cap = calc.adjustment(capped, as_of=day)  # 5% is 180万, but this city's cap is 100万
    assert over_cap.outcome["checks"]["new_content_cap"]["ok"] is False

    for result in (supervision, below, twelve, over_cap):
        said = "\n".join([result.conclusion, *result.trace, *result.assumptions])
        assert "原则上实行监理制" not in said and "200万元" not in said and "15%" not in said
        for step in result.steps:
            if step.quote is not None:
                assert corpus.document(step.quote.doc_id).text[step.quote.start : step.quote.end] == step.quote.text
