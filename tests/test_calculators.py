"""The calculators at every boundary, as properties, and with every quoted step checked against the text."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.amounts import DateSpan, parse_amount, parse_date
from assistant.calculators import INPUTS, AdjustmentInput, Calculation, Calculators, RouteInput
from assistant.config import PROJECT_ROOT
from assistant.corpus import Corpus
from assistant.errors import AmountError, DocumentNotFound, RequestError
from assistant.metrics import outcome_differences

DAY = date(2026, 11, 26)
WAN = Decimal(10_000)


def _amount(text: str) -> Decimal:
    return parse_amount(text)


def assert_verbatim(result: Calculation, corpus: Corpus) -> None:
    """Every step that quotes the regulation shows a verbatim slice of the source, and so does every citation."""
    quoted = [s for s in result.steps if s.quote is not None]
    for step in quoted:
        q = step.quote
        assert corpus.document(q.doc_id).text[q.start : q.end] == q.text
        assert f"“{q.text}”" in step.render() and q.tag in step.render()
    for q in result.citations:
        doc = corpus.document(q.doc_id)
        assert doc.text[q.start : q.end] == q.text
        unit = doc.find(q.ref)
        assert unit.start <= q.start and q.end <= unit.end
    assert {q.unit_id for q in result.citations} == {s.quote.unit_id for s in quoted}
    assert result.to_dict()["trace"] == [s.render() for s in result.steps]


# --- 1. supervision, 第十九条 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "required"),
    [
        ("200万元", True),  # exactly the threshold: 及以上 includes it
        ("2000000元", True),
        ("两百万", True),
        ("199.99万元", False),
        ("1999999.99元", False),
        ("230万", True),
        ("1.5亿", True),
        ("50万", False),
    ],
)
def test_supervision_boundary(calculators: Calculators, default_corpus: Corpus, total: str, required: bool) -> None:
    result = calculators.supervision(_amount(total), as_of=DAY)
    assert result.outcome["supervision_required"] is required
    assert "原则上" in result.conclusion  # the clause's hedge is kept either way
    assert result.conclusion.startswith("需要。" if required else "不要求。")
    assert [q.label for q in result.citations] == ["办法 第十九条"]
    assert_verbatim(result, default_corpus)


@pytest.mark.parametrize("bad", [Decimal(0), Decimal(-1), Decimal("1e12"), Decimal("0.001")])
def test_supervision_refuses_impossible_totals(calculators: Calculators, bad: Decimal) -> None:
    with pytest.raises(AmountError, match="总投资"):
        calculators.supervision(bad, as_of=DAY)


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=1, max_value=10**12))
def test_supervision_is_monotone(calculators: Calculators, a: int, b: int) -> None:
    low, high = sorted((Decimal(a) / 100, Decimal(b) / 100))
    assert (
        calculators.supervision(low, as_of=DAY).outcome["supervision_required"]
        <= (calculators.supervision(high, as_of=DAY).outcome["supervision_required"])
    )


@given(st.integers(min_value=1, max_value=10**9))
def test_supervision_unit_invariance(calculators: Calculators, fen: int) -> None:
    yuan = Decimal(fen) / 100
    verdicts = {
        calculators.supervision(parse_amount(form), as_of=DAY).outcome["supervision_required"]
        for form in (f"{yuan:f}元", f"{yuan / WAN:f}万元", f"{yuan / 10**8:f}亿元")
    }
    assert len(verdicts) == 1


@given(st.integers(min_value=2, max_value=10**11))
def test_supervision_boundary_is_inclusive_for_any_threshold(calculators: Calculators, fen: int) -> None:
    threshold = Decimal(fen) / 100
    rule = calculators.rules.supervision
    moved = dataclasses.replace(rule, threshold=dataclasses.replace(rule.threshold, value=threshold))
    calc = Calculators(dataclasses.replace(calculators.rules, supervision=moved), calculators.corpus)
    assert calc.supervision(threshold, as_of=DAY).outcome["supervision_required"] is True
    assert calc.supervision(threshold - Decimal("0.01"), as_of=DAY).outcome["supervision_required"] is False


# --- 2. adjustment, 第二十一条 --------------------------------------------------------------------------


def adjust(
    calculators: Calculators,
    total: str,
    increase: str | None = None,
    decrease: str = "0",
    new: str = "0",
    savings: str = "0",
    **kw: object,
) -> Calculation:
    given = AdjustmentInput(
        total=_amount(total),
        increase=None if increase is None else parse_amount(increase, allow_zero=True),
        decrease=parse_amount(decrease, allow_zero=True),
        new_content=parse_amount(new, allow_zero=True),
        savings=parse_amount(savings, allow_zero=True),
        **kw,  # type: ignore[arg-type]
    )
    return calculators.adjustment(given, as_of=DAY)


@pytest.mark.parametrize(
    ("total", "increase", "decrease", "new", "allowed", "failed"),
    [
        ("1000万", "100万", "100万", "40万", True, None),  # the example
        ("1000万", "150万", "150万", "0", True, None),  # ratio exactly 15%
        ("1000万", "150.01万", "150.01万", "0", False, "adjustment_ratio"),
        ("1000万", "100万", "150万", "0", True, None),  # the larger of the two counts
        ("1000万", "100万", "150.01万", "0", False, "adjustment_ratio"),
        ("1000万", "50万", "50万", "50万", True, None),  # new content exactly 5%, 5% < 200万
        ("1000万", "50.01万", "50.01万", "50.01万", False, "new_content_ratio"),
        ("5000万", "200万", "200万", "200万", True, None),  # 5% is 250万: the 200万 cap binds first
        ("5000万", "200.01万", "200.01万", "200.01万", False, "new_content_cap"),
        ("5000万", "250万", "250万", "250万", False, "new_content_cap"),
        ("4000万", "200万", "200万", "200万", True, None),  # 5% = 200万 = cap: both exactly met
        ("1000万", "100万", "0", "0", True, None),  # a net increase is allowed if paid within the estimate (assumed)
    ],
)
def test_adjustment_boundaries(
    calculators: Calculators,
    default_corpus: Corpus,
    total: str,
    increase: str,
    decrease: str,
    new: str,
    allowed: bool,
    failed: str | None,
) -> None:
    result = adjust(calculators, total, increase, decrease, new)
    assert result.outcome["self_adjust_allowed"] is allowed
    checks = result.outcome["checks"]
    failing = [name for name, check in checks.items() if check["ok"] is False]
    assert failing == ([failed] if failed else [])
    if allowed:
        assert (
            result.conclusion.startswith("可以自行调整。") and "市行政审批政务服务与数据管理局备案" in result.conclusion
        )
        assert result.outcome["filing_authority"] == "市行政审批政务服务与数据管理局"
    else:
        assert result.conclusion.startswith("不能自行调整。") and "第二十一条第三款" in result.conclusion
    assert_verbatim(result, default_corpus)


def test_adjustment_reports_each_sub_check_with_its_numbers(calculators: Calculators) -> None:
    checks = adjust(calculators, "1000万", "100万", "100万", "40万").outcome["checks"]
    assert checks["adjustment_ratio"] == {
        "ok": True,
        "increase_yuan": 1_000_000,
        "decrease_yuan": 1_000_000,
        "larger_yuan": 1_000_000,
        "ratio": 0.1,
        "ratio_text": "10%",
        "limit": 0.15,
    }
    assert checks["new_content_ratio"]["limit_yuan"] == 500_000 and checks["new_content_cap"]["limit_yuan"] == 2_000_000
    assert checks["within_estimate"]["net_change_yuan"] == 0
    assert checks["goal_unchanged"] == {"ok": True, "assumed": True}


def test_tender_savings_are_excluded(calculators: Calculators, default_corpus: Corpus) -> None:
    without = adjust(calculators, "1000万", "150万", "150万")
    with_savings = adjust(calculators, "1000万", "150万", "150万", savings="80万")
    assert with_savings.outcome["self_adjust_allowed"] is without.outcome["self_adjust_allowed"] is True
    assert with_savings.outcome["checks"] == without.outcome["checks"]
    assert any("资金结余 80万元 不计入" in line for line in with_savings.trace)
    assert "由招标采购形成的资金结余不计入上述调整范围。" in " ".join(with_savings.trace)
    assert_verbatim(with_savings, default_corpus)


def test_preconditions_are_inputs_or_stated_assumptions(calculators: Calculators) -> None:
    assumed = adjust(calculators, "1000万", "100万", "100万")
    assert any("建设目标不变" in a for a in assumed.assumptions)
    assert any("第一款所列情形之一" in a for a in assumed.assumptions)
    assert "按下列假设成立" in assumed.conclusion
    stated = adjust(calculators, "1000万", "100万", "100万", goal_unchanged=True, situation=2)
    assert stated.assumptions == () and stated.outcome["self_adjust_allowed"] is True
    assert "第二十一条第一款第（二）项" in " ".join(stated.trace)
    assert adjust(calculators, "1000万", "100万", "100万", goal_unchanged=False).outcome["self_adjust_allowed"] is False
    assert adjust(calculators, "1000万", "100万", "100万", situation=0).outcome["self_adjust_allowed"] is False
    # stated within the estimate (e.g. paid from 预备费) though the amounts alone would exceed it
    told = adjust(calculators, "1000万", "100万", "0", within_estimate=True)
    assert told.outcome["self_adjust_allowed"] is True and any("核对" in line for line in told.trace)
    assert not any("概算批复" in a for a in told.assumptions)  # stated, so not assumed
    net = adjust(calculators, "1000万", "100万", "0")
    assert net.outcome["checks"]["within_estimate"] == {"ok": True, "net_change_yuan": 1_000_000, "assumed": True}
    assert any("增加额比减少额多 100万元" in a for a in net.assumptions)
    exceeds = adjust(calculators, "1000万", "100万", "0", within_estimate=False)
    assert exceeds.outcome["self_adjust_allowed"] is False and "投资规模超出概算批复" in exceeds.conclusion
    assert (
        adjust(calculators, "1000万", "100万", "100万", within_estimate=False).outcome["self_adjust_allowed"] is False
    )


def test_new_content_alone_counts_as_the_increase(calculators: Calculators) -> None:
    result = adjust(calculators, "1000万", None, "40万", "40万")
    assert result.outcome["checks"]["adjustment_ratio"]["increase_yuan"] == 400_000
    assert any("按新增建设内容投资" in a for a in result.assumptions)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("1000万", "10万", "0", "40万"), "新增建设内容投资（40万元）大于增加的投资（10万元）"),
        (("1000万", "0", "1001万"), "大于批复概算总投资"),
        (("1000万", "0", "0"), "至少一项大于零"),
        (("1000万", None, "0", "0", "50万"), "至少一项大于零"),  # savings alone are no adjustment
    ],
)
def test_adjustment_inconsistent_inputs(calculators: Calculators, args: tuple, message: str) -> None:
    with pytest.raises(AmountError, match=message.replace("（", r"\（").replace("）", r"\）")):
        adjust(calculators, *args)


def test_adjustment_situation_out_of_range(calculators: Calculators) -> None:
    with pytest.raises(RequestError, match="情形应为 1 到 3"):
        adjust(calculators, "1000万", "100万", "100万", situation=4)


amounts = st.integers(min_value=0, max_value=10**10).map(lambda fen: Decimal(fen) / 100)
totals = st.integers(min_value=10**6, max_value=10**12).map(lambda f: Decimal(f) / 100)


def allowed(calculators: Calculators, total: Decimal, inc: Decimal, dec: Decimal, new: Decimal) -> bool:
    """The verdict for any amounts, made consistent first: new content within the increase, a decrease
    within the total, and something adjusted."""
    new, dec = min(new, inc), min(dec, total)
    if inc == 0 and dec == 0:
        inc = new = Decimal("0.01")
    return calculators.adjustment(AdjustmentInput(total, inc, dec, new), as_of=DAY).outcome["self_adjust_allowed"]


@settings(max_examples=200)
@given(totals, amounts, amounts, amounts, amounts)
def test_adjustment_monotone_in_the_increase(
    calculators: Calculators, total: Decimal, inc: Decimal, extra: Decimal, dec: Decimal, new: Decimal
) -> None:
    """Adding to the increase never turns a refusal into permission."""
    new = min(new, inc)
    assert allowed(calculators, total, inc + extra, dec, new) <= allowed(calculators, total, inc, dec, new)


@settings(max_examples=200)
@given(totals, amounts, amounts, amounts, amounts)
def test_adjustment_monotone_in_the_total(
    calculators: Calculators, total: Decimal, more: Decimal, inc: Decimal, dec: Decimal, new: Decimal
) -> None:
    """A larger approved estimate, same changes: never turns permission into refusal."""
    dec = min(dec, total)
    assert allowed(calculators, total, inc, dec, new) <= allowed(calculators, total + more, inc, dec, new)


@settings(max_examples=200)
@given(
    st.integers(min_value=1, max_value=10**7),
    st.integers(min_value=0, max_value=100),
    st.integers(min_value=0, max_value=100),
)
def test_adjustment_unit_invariance(calculators: Calculators, wan: int, inc_pct: int, new_pct: int) -> None:
    total = Decimal(wan) * WAN
    inc = total * inc_pct / 400
    new = min(inc, total * new_pct / 1000).quantize(Decimal("0.01"))
    inc = inc.quantize(Decimal("0.01"))
    if inc == 0:
        return
    outcomes = []
    for unit, size in (("元", 1), ("万元", WAN), ("亿元", Decimal(10**8))):
        given = AdjustmentInput(
            parse_amount(f"{total / size:f}{unit}"),
            parse_amount(f"{inc / size:f}{unit}", allow_zero=True),
            parse_amount(f"{inc / size:f}{unit}", allow_zero=True),
            parse_amount(f"{new / size:f}{unit}", allow_zero=True),
        )
        outcomes.append(calculators.adjustment(given, as_of=DAY).outcome)
    assert outcomes[0] == outcomes[1] == outcomes[2]


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=500_000))
def test_adjustment_ratio_boundary_is_inclusive(calculators: Calculators, wan: int) -> None:
    total = Decimal(wan) * WAN * 20  # 15% of it is a whole number of 元
    at = total * 15 / 100
    assert (
        calculators.adjustment(AdjustmentInput(total, at, at), as_of=DAY).outcome["checks"]["adjustment_ratio"]["ok"]
        is True
    )
    over = at + Decimal("0.01")
    assert (
        calculators.adjustment(AdjustmentInput(total, over, over), as_of=DAY).outcome["checks"]["adjustment_ratio"][
            "ok"
        ]
        is False
    )


# --- 3. validity, 第二十九条 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "in_force", "status", "opening"),
    [
        ("2024-11-30", False, "尚未施行", "尚未施行。"),
        ("2024-12-01", True, "现行有效", "有效。"),
        ("2026-11-26", True, "现行有效", "有效。"),
        ("2026-11-30", True, "现行有效", "有效。"),
        ("2026-12-01", False, "已失效", "已失效。"),
        ("2027年3月", False, "已失效", "已失效。"),
        ("明年", False, "已失效", "已失效。"),
        ("2026年", None, "部分时间有效", "部分时间有效。"),
        ("2024年12月", True, "现行有效", "有效。"),
    ],
)
def test_validity_of_the_banfa(
    calculators: Calculators, default_corpus: Corpus, day: str, in_force: bool | None, status: str, opening: str
) -> None:
    result = calculators.validity(None, parse_date(day, as_of=DAY), as_of=DAY)
    assert result.outcome["in_force"] is in_force
    assert result.outcome["status"] == status
    assert result.conclusion.startswith(opening)
    assert [q.label for q in result.citations] == ["办法 第二十九条"]
    assert result.outcome["expiry_date"] == "2026-11-30"
    assert_verbatim(result, default_corpus)


def test_validity_counts_the_days_left(calculators: Calculators) -> None:
    assert calculators.validity(None, None, as_of=DAY).outcome["days_remaining"] == 4
    last = calculators.validity(None, None, as_of=date(2026, 11, 30))
    assert "今天是有效期最后一天" in last.conclusion and last.outcome["days_remaining"] == 0
    month = calculators.validity(None, parse_date("2026年11月", as_of=DAY), as_of=DAY)
    assert month.conclusion.startswith("有效。2026-11-01 至 2026-11-30 期间") and "days_remaining" not in month.outcome


def test_validity_is_generic_over_the_manifest(calculators: Calculators) -> None:
    law = calculators.validity("政府采购法", DateSpan.day(date(2026, 11, 26)), as_of=DAY)
    assert law.outcome["in_force"] is True and law.outcome["effective_date"] == "2003-01-01"
    assert law.citations == () and "据文件清单" in law.trace[0]
    before = calculators.validity("政府采购法", DateSpan.day(date(2002, 12, 31)), as_of=DAY)
    assert before.outcome["in_force"] is False and before.outcome["status"] == "尚未施行"
    unknown = calculators.validity("国办发〔2019〕57号", None, as_of=DAY)
    assert unknown.outcome["in_force"] is None and unknown.conclusion.startswith("无法判断。")
    with pytest.raises(DocumentNotFound):
        calculators.validity("不存在的条例", None, as_of=DAY)


# --- 4. approval route, 第五、七、八、十一、十二条 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "route", "cited"),
    [
        (
            RouteInput(("municipal",), in_library=True, in_plan=True),
            "approval",
            {"办法 第七条", "办法 第十一条第一款", "办法 第八条"},
        ),
        (RouteInput(("市本级财政资金",), in_plan=False), "not_approved", {"办法 第八条"}),
        (RouteInput(("service",), in_library=False), "no_decision", {"办法 第五条第一款"}),
        (RouteInput(("自筹资金",)), "filing", {"办法 第十二条"}),
        (RouteInput(("special", "enterprise")), "filing", {"办法 第十二条"}),
        (RouteInput(("municipal", "self"), in_plan=True), "approval", {"办法 第十一条第一款"}),
        (RouteInput(("municipal",), classified=True), "not_applicable", {"办法 第二条"}),
        (RouteInput(("municipal",)), None, {"办法 第七条", "办法 第八条"}),
    ],
)
def test_approval_route(
    calculators: Calculators, default_corpus: Corpus, given: RouteInput, route: str | None, cited: set[str]
) -> None:
    result = calculators.approval_route(given, as_of=DAY)
    assert result.outcome["route"] == route
    assert cited <= {q.label for q in result.citations}
    if route == "approval":
        assert result.outcome["stages"] == ["项目建议书", "可行性研究报告", "初步设计", "投资概算"]
        assert "获批前不得开工" in result.conclusion
    if route == "filing":
        assert result.outcome["filing_required"] is True and result.outcome["approval_required"] is False
    if route is None:
        assert result.outcome["missing"] == ["in_plan"] and "视是否纳入年度计划而定" in result.conclusion
    assert_verbatim(result, default_corpus)


def test_building_before_approval_is_named(calculators: Calculators) -> None:
    result = calculators.approval_route(RouteInput(("municipal",), True, True, built_before_approval=True), as_of=DAY)
    assert result.outcome["violations"] and "不得未批先建" in result.conclusion
    assert "办法 第二十七条第一款" in {q.label for q in result.citations}


def test_civil_works_need_the_other_approvals(calculators: Calculators) -> None:
    result = calculators.approval_route(RouteInput(("municipal",), True, True, civil_works=True), as_of=DAY)
    assert any("属于除外情形，相关审批仍需进行" in line for line in result.trace)
    assert result.outcome["other_approvals_required"] is True and "办法 第十三条的除外情形" in result.conclusion


def test_unknown_funding_lists_the_choices(calculators: Calculators) -> None:
    with pytest.raises(RequestError, match="不认识的资金来源“贷款”.*municipal"):
        calculators.approval_route(RouteInput(("贷款",)), as_of=DAY)
    with pytest.raises(RequestError, match="请说明资金来源"):
        calculators.approval_route(RouteInput(()), as_of=DAY)


# --- 5. negative list, 第十条 ----------------------------------------------------------------------------

CLEAN = {
    "new_infrastructure": False,
    "department_approved": True,
    "on_gov_cloud": True,
    "out_of_touch": False,
    "updates_stopped": False,
    "replaceable": False,
    "long_idle": False,
    "low_usage": False,
    "unclear_requirements": False,
    "unclear_goals": False,
    "withholds_data": False,
}


@pytest.mark.parametrize(
    ("kind", "changes", "grounds"),
    [
        ("new", {}, []),
        ("upgrade", {}, []),
        ("new", {"new_infrastructure": True}, [1]),
        ("new", {"department_approved": False}, [2]),
        ("new", {"on_gov_cloud": False}, [3]),
        ("other", {"on_gov_cloud": False}, []),  # (三) is about new or upgraded systems only
        ("upgrade", {"updates_stopped": True}, [4]),
        ("new", {"updates_stopped": True}, []),  # (四) concerns upgrades
        ("new", {"replaceable": True}, [5]),
        ("upgrade", {"long_idle": True}, []),  # (六) needs idle AND rarely used
        ("upgrade", {"long_idle": True, "low_usage": True}, [6]),
        ("new", {"withholds_data": True}, [7]),
        ("upgrade", {"new_infrastructure": True, "on_gov_cloud": False, "unclear_goals": True}, [1, 3, 7]),
    ],
)
def test_negative_list_grounds(
    calculators: Calculators, default_corpus: Corpus, kind: str, changes: dict, grounds: list[int]
) -> None:
    result = calculators.negative_list(kind, CLEAN | changes, as_of=DAY)
    assert result.outcome["grounds"] == grounds
    assert result.outcome["excluded"] is bool(grounds)
    assert result.outcome["undetermined"] == []
    assert result.conclusion.startswith("原则上不得申报。" if grounds else "未发现第十条所列情形")
    assert_verbatim(result, default_corpus)
    assert len([q for q in result.citations if q.ref.item]) == 7


def test_negative_list_unknown_facts_stay_unknown(calculators: Calculators) -> None:
    result = calculators.negative_list("new", {"new_infrastructure": False}, as_of=DAY)
    assert result.outcome["excluded"] is None and result.outcome["grounds"] == []
    assert result.outcome["undetermined"] == [2, 3, 5, 7]  # (四)(六) concern upgrades: known not to apply
    assert "已部署或迁移到政务云" in result.conclusion
    hit = calculators.negative_list(None, {"new_infrastructure": True}, as_of=DAY)
    assert hit.outcome["excluded"] is True and hit.outcome["grounds"] == [1]


def test_negative_list_accepts_the_clause_wording(calculators: Calculators) -> None:
    result = calculators.negative_list("新建", {"含有新建机房、网络、云平台等政务信息化基础设施": True}, as_of=DAY)
    assert result.outcome["grounds"] == [1]


def test_negative_list_bad_inputs(calculators: Calculators) -> None:
    with pytest.raises(RequestError, match="不认识的项目情况“机房”"):
        calculators.negative_list("new", {"机房": True}, as_of=DAY)
    with pytest.raises(RequestError, match="项目类型“重建”无效"):
        calculators.negative_list("重建", {}, as_of=DAY)
    with pytest.raises(RequestError, match="是项目类型"):
        calculators.negative_list(None, {"新建项目": True}, as_of=DAY)
    with pytest.raises(RequestError, match="既说成立又说不成立"):
        calculators.negative_list(None, [("需求不清", True), ("unclear_requirements", False)], as_of=DAY)


# --- 6. self-evaluation window, 第二十三条 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "as_of", "start", "end", "status"),
    [
        ("2025-06-01", DAY, date(2026, 6, 1), date(2027, 6, 1), "窗口期内"),
        ("2025-12-01", DAY, date(2026, 12, 1), date(2027, 12, 1), "未到"),
        ("2024-12-01", date(2027, 1, 1), date(2025, 12, 1), date(2026, 12, 1), "已超过"),
        ("2024-02-29", DAY, date(2025, 2, 28), date(2026, 2, 28), "已超过"),
        ("2025-06-01", date(2026, 6, 1), date(2026, 6, 1), date(2027, 6, 1), "窗口期内"),  # first day counts
        ("2025-06-01", date(2027, 6, 2), date(2026, 6, 1), date(2027, 6, 1), "已超过"),
    ],
)
def test_self_evaluation_window(
    calculators: Calculators, default_corpus: Corpus, accepted: str, as_of: date, start: date, end: date, status: str
) -> None:
    result = calculators.self_evaluation(parse_date(accepted, as_of=as_of), as_of=as_of)
    assert (result.outcome["window_start"], result.outcome["window_end"]) == (start.isoformat(), end.isoformat())
    assert result.outcome["status"] == status and result.outcome["in_window"] is (status == "窗口期内")
    assert result.outcome["report_to"] == ["市行政审批政务服务与数据管理局", "市财政局"]
    assert result.conclusion.startswith(f"应在 {start} 至 {end} 之间开展自评价")
    assert_verbatim(result, default_corpus)


def test_self_evaluation_from_the_later_of_acceptance_and_go_live(calculators: Calculators) -> None:
    result = calculators.self_evaluation(
        parse_date("2025-06-01", as_of=DAY), parse_date("2025-09-01", as_of=DAY), as_of=DAY
    )
    assert result.outcome["window_start"] == "2026-09-01"
    # going live (trial operation) before final acceptance is normal: acceptance then starts the window
    trial = calculators.self_evaluation(
        parse_date("2025-06-01", as_of=DAY), parse_date("2025-05-01", as_of=DAY), as_of=DAY
    )
    assert trial.outcome["window_start"] == "2026-06-01"


def test_self_evaluation_from_a_month(calculators: Calculators) -> None:
    result = calculators.self_evaluation(parse_date("2025年3月", as_of=DAY), as_of=DAY)
    assert result.outcome["window_start"] == "2026-03-01" and result.outcome["window_end"] == "2027-03-31"
    assert result.outcome["certain_start"] == "2026-03-31" and result.outcome["certain_end"] == "2027-03-01"


def test_self_evaluation_warns_beyond_the_banfa(calculators: Calculators) -> None:
    result = calculators.self_evaluation(parse_date("2025-06-01", as_of=DAY), as_of=DAY)
    assert any("有效期至 2026-11-30" in w for w in result.warnings)


# --- every calculator speaks for its date ------------------------------------------------------------


def test_verdicts_after_expiry_say_so(calculators: Calculators) -> None:
    later = date(2027, 1, 5)
    result = calculators.supervision(Decimal(3_000_000), as_of=later)
    assert result.outcome["document_status"] == "已失效"
    assert result.warnings and "有效期至 2026-11-30，2026-12-01 起失效" in result.warnings[0]
    assert result.trace[-1].startswith("适用日期 2027-01-05")
    early = calculators.supervision(Decimal(3_000_000), as_of=date(2024, 11, 1))
    assert "尚未施行" in early.warnings[0]
    assert calculators.supervision(Decimal(3_000_000), as_of=DAY).warnings == ()


def test_json_shape(calculators: Calculators) -> None:
    payload = calculators.supervision(Decimal(2_300_000), as_of=DAY).to_dict()
    assert set(payload) == {
        "rule",
        "title",
        "as_of",
        "conclusion",
        "inputs",
        "outcome",
        "trace",
        "assumptions",
        "warnings",
        "citations",
    }
    assert payload["citations"][0] == {
        "doc_id": "baotou-2024-106",
        "doc_title": "包头市本级政务信息化项目建设管理办法(试行)",
        "doc_number": "包府办发〔2024〕106号",
        "article": 19,
        "paragraph": None,
        "item": None,
        "label": "办法 第十九条",
        "quote": "总投资在200万元及以上的政务信息化项目原则上实行监理制,对项目建设全过程进行监理。",
    }


def test_self_evaluation_with_imprecise_dates_never_claims_more_than_it_knows(calculators: Calculators) -> None:
    # acceptance sometime in 2025, go-live on 2025-03-01: the start is the later of the two, still uncertain
    result = calculators.self_evaluation(
        parse_date("2025年", as_of=DAY), parse_date("2025-03-01", as_of=DAY), as_of=DAY
    )
    assert result.outcome["window_start"] == "2026-03-01" and result.outcome["window_end"] == "2027-12-31"
    assert result.outcome["status"] == "视具体日期而定"  # in the window only if acceptance came before 2025-11-26
    assert result.outcome["certain_start"] == "2026-12-31"
    late = calculators.self_evaluation(parse_date("2025-06-01", as_of=DAY), parse_date("2025年", as_of=DAY), as_of=DAY)
    assert late.outcome["window_start"] == "2026-06-01" and late.outcome["window_end"] == "2027-12-31"
    unsure = calculators.self_evaluation(parse_date("2025年11月", as_of=DAY), as_of=date(2026, 11, 10))
    assert unsure.outcome["in_window"] is None and unsure.outcome["status"] == "视具体日期而定"
    assert "请提供准确日期" in unsure.conclusion
    sure = calculators.self_evaluation(parse_date("2025年11月", as_of=DAY), as_of=date(2027, 1, 5))
    assert sure.outcome["in_window"] is True and "至少还有 300 天" in sure.conclusion  # to 2027-11-01


def test_route_speaks_of_other_approvals_in_the_verdict(calculators: Calculators) -> None:
    result = calculators.approval_route(RouteInput(("self",), civil_works=True), as_of=DAY)
    assert result.outcome["route"] == "filing" and result.outcome["other_approvals_required"] is True
    assert "除外情形" in result.conclusion and "不走审批" not in result.conclusion
    plain = calculators.approval_route(RouteInput(("self",)), as_of=DAY)
    assert plain.outcome["other_approvals_required"] is None


def test_route_for_filing_projects_does_not_forbid_what_does_not_apply(calculators: Calculators) -> None:
    result = calculators.approval_route(RouteInput(("self",), built_before_approval=True), as_of=DAY)
    assert result.outcome["build_before_approval_forbidden"] is False and result.outcome["violations"] == []
    assert any("备案制项目不适用" in line for line in result.trace)
    assert not any("开工前应履行备案" in line for line in result.trace)  # the 办法 says no such thing


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("国家和自治区专项资金", "special"),
        ("专项资金", "special"),
        ("企业无偿提供", "enterprise"),
        ("自筹", "self"),
        ("财政资金", "municipal"),
        (" Municipal ", "municipal"),
        ("政府购买服务", "service"),
    ],
)
def test_funding_names_people_use(calculators: Calculators, name: str, key: str) -> None:
    result = calculators.approval_route(RouteInput((name, name), in_library=True, in_plan=True), as_of=DAY)
    assert result.outcome["route"] == ("approval" if key in ("municipal", "service") else "filing")
    assert result.inputs["funding"] == [key]  # repeated names count once


def test_fact_names_ignore_bracket_width(calculators: Calculators) -> None:
    result = calculators.negative_list("新建", {"已获得市本级行业（业务）主管部门准许": False}, as_of=DAY)
    assert result.outcome["grounds"] == [2]


def test_validity_wording_for_other_days(calculators: Calculators) -> None:
    past = calculators.validity(None, DateSpan.day(date(2025, 6, 1)), as_of=DAY)
    assert past.conclusion.startswith("有效。2025-06-01，") and "现行" not in past.conclusion
    assert past.outcome["document_status"] == "现行有效"
    law = calculators.validity("政府采购法", None, as_of=DAY)
    assert "文件清单（documents.toml）记录的日期" in law.render()


def test_adjustment_without_new_content_says_it_assumed_none(calculators: Calculators) -> None:
    given = AdjustmentInput(Decimal(10_000_000), Decimal(1_000_000), Decimal(1_000_000))
    result = calculators.adjustment(given, as_of=DAY)
    assert any("未填写新增建设内容投资，按 0 计" in a and "5%" in a and "200万元" in a for a in result.assumptions)
    stated = calculators.adjustment(dataclasses.replace(given, new_content=Decimal(0)), as_of=DAY)
    assert not any("新增建设内容" in a for a in stated.assumptions)


def test_self_evaluation_headline_for_a_month_states_the_certain_window(calculators: Calculators) -> None:
    result = calculators.self_evaluation(parse_date("2025年6月", as_of=DAY), as_of=DAY)
    assert result.conclusion.startswith("按 2025-06-01 至 2025-06-30 计，2026-06-30 至 2027-06-01 之间开展自评价")
    assert "最早起点 2026-06-01，最晚截止 2027-06-30" in result.conclusion


def test_route_with_unknown_plan_cites_what_it_states(calculators: Calculators, default_corpus: Corpus) -> None:
    result = calculators.approval_route(RouteInput(("municipal",)), as_of=DAY)
    assert result.outcome["route"] is None
    assert result.outcome["stages"] == ["项目建议书", "可行性研究报告", "初步设计", "投资概算"]
    assert {"办法 第七条", "办法 第八条", "办法 第十一条第一款"} <= {q.label for q in result.citations}
    assert_verbatim(result, default_corpus)


def test_clear_negative_list_cites_the_application_conditions(calculators: Calculators) -> None:
    result = calculators.negative_list("new", CLEAN, as_of=DAY)
    assert "办法 第九条" in {q.label for q in result.citations} and "办法 第九条所列条件" in result.conclusion


def _battery(calculators: Calculators) -> list[Calculation]:
    """One result of each shape the calculators give."""

    def day(text: str) -> DateSpan:
        return parse_date(text, as_of=DAY)

    money = parse_amount
    routes = (
        RouteInput(("municipal",), True, True, built_before_approval=True, civil_works=True),
        RouteInput(("municipal",), False),
        RouteInput(("municipal",), True, False),
        RouteInput(("municipal",)),
        RouteInput(("self", "special"), built_before_approval=True, civil_works=False),
        RouteInput(("municipal",), classified=True),
    )
    refused = AdjustmentInput(
        money("5000万"),
        money("210万"),
        money("210万"),
        money("210万"),
        situation=0,
        goal_unchanged=False,
        within_estimate=False,
    )
    return [
        calculators.supervision(money("230万"), as_of=DAY),
        calculators.supervision(money("199.99万"), as_of=date(2027, 1, 1)),
        calculators.adjustment(
            AdjustmentInput(money("1000万"), money("100万"), money("100万"), money("40万"), money("20万")), as_of=DAY
        ),
        calculators.adjustment(refused, as_of=DAY),
        calculators.adjustment(AdjustmentInput(money("1000万"), money("100万"), situation=3), as_of=DAY),
        calculators.validity(None, day("2027年3月"), as_of=DAY),
        calculators.validity(None, day("2026年"), as_of=DAY),
        calculators.validity(None, day("2024-11-30"), as_of=DAY),
        calculators.validity("政府采购法", None, as_of=DAY),
        *(calculators.approval_route(given, as_of=DAY) for given in routes),
        calculators.negative_list("upgrade", CLEAN | {"long_idle": True, "low_usage": True}, as_of=DAY),
        calculators.negative_list("new", CLEAN, as_of=DAY),
        calculators.negative_list(None, {}, as_of=DAY),
        calculators.self_evaluation(day("2025-06-01"), as_of=DAY),
        calculators.self_evaluation(day("2025年"), day("2025-03-01"), as_of=DAY),
    ]


NAMED = re.compile(
    r"办法 第[一二三四五六七八九十百]+条(?:第[一二三四五六七八九十]+款)?(?:第（[一二三四五六七八九十]+）项)?"
)


def test_every_result_quotes_verbatim_and_cites_every_unit_it_names(
    calculators: Calculators, default_corpus: Corpus
) -> None:
    """A conclusion never names a unit it does not cite, and whatever it puts in “” is clause text or
    the threshold phrase it compares with."""
    for result in _battery(calculators):
        assert_verbatim(result, default_corpus)
        cited = {q.label for q in result.citations}
        for named in NAMED.findall(result.conclusion):
            assert named in cited, (result.rule, named, result.conclusion)
        for quoted in re.findall(r"“([^”]+)”", result.conclusion):
            assert any(quoted in q.text for q in result.citations), (result.rule, quoted)


@settings(max_examples=200)
@given(st.integers(min_value=1, max_value=10**7))
def test_new_content_limits_are_inclusive(calculators: Calculators, fen: int) -> None:
    """At exactly the binding limit (5% of the total, or 200万元 when that is smaller) new content passes;
    one 分 more fails."""
    total = Decimal(fen) * 20 / 100  # 元, 20 × a whole number of 分: its 5% is a whole number of 分
    limit = min(total / 20, Decimal(2_000_000))
    if limit / total > Decimal("0.15"):
        return

    def allowed_with(new: Decimal) -> bool:
        given = AdjustmentInput(total, new, new, new)
        return calculators.adjustment(given, as_of=DAY).outcome["self_adjust_allowed"]

    assert allowed_with(limit) is True
    assert allowed_with(limit + Decimal("0.01")) is False


def test_run_parses_text_inputs_once_for_every_interface(calculators: Calculators) -> None:
    result = calculators.run(
        "adjustment",
        {"total": "1000万", "increase": "100万", "decrease": "100万", "new_content": "40万", "situation": "（二）"},
        as_of=DAY,
    )
    assert result.outcome["self_adjust_allowed"] is True and result.inputs["situation"] == 2
    window = calculators.run("self_evaluation", {"accepted": "2025年6月1日"}, as_of=DAY)
    assert window.outcome["window_start"] == "2026-06-01"
    assert calculators.run("approval_route", {"funding": "自筹资金"}, as_of=DAY).outcome["route"] == "filing"
    assert calculators.run("validity", {"date": "明年"}, as_of=DAY).outcome["in_force"] is False


@pytest.mark.parametrize(
    ("rule", "inputs", "message"),
    [
        ("tax", {}, "没有计算器“tax”"),
        ("supervision", {"amount": "230万"}, "不认识输入：amount"),
        ("supervision", {}, "缺少总投资"),
        ("supervision", {"total": "230"}, "总投资“230”没有单位"),
        ("adjustment", {"total": "1000万", "increase": "10万", "goal_unchanged": "yes"}, "建设目标不变应为 是/否"),
        ("negative_list", {"facts": {"replaceable": "是"}}, "应为 是/否"),
        ("validity", {"document": " "}, "文件名称为空"),
        ("self_evaluation", {}, "缺少验收日期"),
    ],
)
def test_run_refuses_bad_inputs_by_name(calculators: Calculators, rule: str, inputs: dict, message: str) -> None:
    with pytest.raises(RequestError, match=re.escape(message)):
        calculators.run(rule, inputs, as_of=DAY)


def test_the_calculator_dev_set_agrees_item_by_item(calculators: Calculators) -> None:
    """evals/datasets/calculators_dev.jsonl was written from the 办法's text, not from this code: every
    verdict must agree (the issue asks for 100%), and every expected refusal must happen."""
    path = PROJECT_ROOT / "evals" / "datasets" / "calculators_dev.jsonl"
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= 60 and {i["rule"] for i in items} == set(INPUTS)
    disagreements = {}
    for item in items:
        expected = item["expected"]
        try:
            result = calculators.run(item["rule"], item["inputs"], as_of=date.fromisoformat(item["as_of"]))
        except RequestError as exc:
            if expected.get("error") != type(exc).__name__:
                disagreements[item["id"]] = str(exc)
            continue
        outcome = dict(result.outcome)
        outcome["failed"] = [name for name, c in outcome.get("checks", {}).items() if c["ok"] is False]
        problems = outcome_differences(expected, outcome)
        if problems:
            disagreements[item["id"]] = problems
    assert disagreements == {}
