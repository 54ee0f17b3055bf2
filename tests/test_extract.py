"""Reading calculator inputs from questions (assistant/extract.py): the dev set, new wordings it must
generalise to, questions that are not calculator questions, and follow-up turns.

Dates are compared as exact strings: the extractor returns a full date as ISO (2024年11月30日 →
2024-11-30), which is how the dev set writes it, and months, years and relative dates as written."""

from __future__ import annotations

import contextlib
import json
import time
from datetime import date
from typing import Any

import pytest

from assistant.calculators import INPUTS, Calculators
from assistant.config import PROJECT_ROOT
from assistant.errors import AmountError, DateError
from assistant.extract import Extraction, Extractor

DATASETS = PROJECT_ROOT / "evals" / "datasets"
DAY = date(2026, 11, 26)


def _load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATASETS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


DEV = _load("calculators_dev.jsonl")
NOT_CALCULATOR = _load("out_of_scope_dev.jsonl") + _load("national_dev.jsonl")


@pytest.fixture(scope="module")
def extractor(calculators: Calculators) -> Extractor:
    return Extractor(calculators.rules)


def _show(result: Extraction | None) -> str:
    return "None" if result is None else f"{result.rule} {dict(result.inputs)} missing={result.missing}"


# --- 1. the dev set ---------------------------------------------------------------------------------


@pytest.mark.parametrize("item", DEV, ids=[item["id"] for item in DEV])
def test_dev_set(extractor: Extractor, item: dict[str, Any]) -> None:
    # null in the dev set means "not in the question", which extraction leaves out; the document of a
    # validity question is not extracted either (the engine resolves it from the question's named document).
    expected = {k: v for k, v in item["inputs"].items() if v is not None and k != "document"}
    result = extractor.extract(item["q"])
    assert result is not None, f"{item['id']} {item['q']!r}: not detected as a calculator question"
    assert (result.rule, dict(result.inputs)) == (item["rule"], expected), (
        f"{item['id']} {item['q']!r}\n  expected {item['rule']} {expected}\n  got      {_show(result)}"
    )
    assert result.missing == (), f"{item['id']}: {_show(result)}"
    assert extractor.detect(item["q"]) == item["rule"]


# --- 2. new wordings ---------------------------------------------------------------------------------

FINE = {
    "new_infrastructure": False,
    "department_approved": True,
    "on_gov_cloud": True,
    "replaceable": False,
    "unclear_requirements": False,
    "unclear_goals": False,
    "withholds_data": False,
}
IN_USE_FINE = {"out_of_touch": False, "updates_stopped": False, "long_idle": False, "low_usage": False}


def all_fine(kind: str | None, **facts: bool) -> dict[str, Any]:
    """“其他都符合”: every fact favourable except those given; a 新建 project has no system in use."""
    base = FINE if kind == "新建" else FINE | IN_USE_FINE
    return ({"kind": kind} if kind else {}) | {"facts": base | facts}


OWN: list[tuple[str, str, dict[str, Any]]] = [
    # supervision: 大写, 繁体, full-width, spaces, prefixes, typos, amount after the question, refused amounts
    ("本项目总投资为人民币贰佰伍拾万元，依据办法是否须实行监理制？", "supervision", {"total": "人民币贰佰伍拾万元"}),
    ("監理：項目總投資三百萬元，需要嗎？", "supervision", {"total": "三百萬元"}),
    ("项目預算貳佰萬元整，要唔要監理？", "supervision", {"total": "貳佰萬元"}),
    ("项目投资１８０万元要不要上监理", "supervision", {"total": "１８０万元"}),
    ("监理必须请吗？我们这个项目才120万", "supervision", {"total": "120万"}),
    ("项目总投资2.1百万，要监理吗", "supervision", {"total": "2.1百万"}),
    ("项目总投资约300万元，监理制适用吗？", "supervision", {"total": "约300万元"}),
    ("我们的系统总共花费3000000元，按规定要请监理吗", "supervision", {"total": "3000000元"}),
    ("项目总投资加起来300万，要监理吗", "supervision", {"total": "300万"}),
    ("一个项目总投资是1,999,999.99元，要监理吗", "supervision", {"total": "1,999,999.99元"}),
    ("我们单位一个项目，投资规模为250万元，是否要请监理？", "supervision", {"total": "250万元"}),
    ("总投资1亿2000万的项目要监理吗", "supervision", {"total": "1亿2000万"}),
    ("项目200万3要监理吗", "supervision", {"total": "200万3"}),  # ambiguous: the calculator refuses it
    ("项目1200万，监里要不要上？", "supervision", {"total": "1200万"}),
    ("项目总投资 230 万元，是否应当实行监理？", "supervision", {"total": "230 万元"}),
    ("總投資1.2億元的項目要實行監理制嗎", "supervision", {"total": "1.2億元"}),
    ("总投资两千万的项目，需不需要引入监理", "supervision", {"total": "两千万"}),
    ("项目总投资两百万出头，需要监理吗", "supervision", {"total": "两百万出头"}),
    ("项目总投资230万，其中硬件100万、软件130万，要监理吗？", "supervision", {"total": "230万"}),
    ("项目总投资230万，预计2025年12月验收，需要监理吗？", "supervision", {"total": "230万"}),
    ("总投资￥2,300,000，要不要监理", "supervision", {"total": "￥2,300,000"}),
    ("办法说200万元及以上要监理，我们项目230万呢？", "supervision", {"total": "230万"}),
    ("某局智慧执法平台明年建设，投资500万元，要不要监理", "supervision", {"total": "500万元"}),
    # adjustment: role words before and after amounts, several amounts, preconditions, situations
    (
        "批复概算2000万元的项目，拟调减建设内容投资280万元，可否由建设单位自行调整？",
        "adjustment",
        {"total": "2000万元", "decrease": "280万元"},
    ),
    ("我们项目原概算800万，新加一个模块40万，能自己调吗", "adjustment", {"total": "800万", "new_content": "40万"}),
    ("增加投资90万、概算600万，这种调整能自己备案吗？", "adjustment", {"increase": "90万", "total": "600万"}),
    ("六百万概算，追加九十万，能不能自己调整？", "adjustment", {"total": "六百万", "increase": "九十万"}),
    (
        "概算3000万，新增建设内容150万，增加投资总共400万，可以自行调整吗？",
        "adjustment",
        {"total": "3000万", "new_content": "150万", "increase": "400万"},
    ),
    (
        "概算壹仟万元，减少建设内容壹佰伍拾万元，能否自行调整",
        "adjustment",
        {"total": "壹仟万元", "decrease": "壹佰伍拾万元"},
    ),
    (
        "概算１０００万，增加１５０万，其他都满足，可以自己调吗？",
        "adjustment",
        {"total": "１０００万", "increase": "１５０万"},
    ),
    (
        "概算1000万，招标节余了100万，又减少了120万的建设内容，能自行调整备案吗",
        "adjustment",
        {"total": "1000万", "savings": "100万", "decrease": "120万"},
    ),
    (
        "因业务发展需要，概算500万元的项目增加建设内容投资60万元，建设目标不变，可以吗？",
        "adjustment",
        {"total": "500万元", "increase": "60万元", "goal_unchanged": True, "situation": 3},
    ),
    (
        "按上级主管部门明确规定需改变建设内容，概算1200万，减少150万，能自行调整吗",
        "adjustment",
        {"total": "1200万", "decrease": "150万", "situation": 1},
    ),
    (
        "概算1000万，增加200万，会超出概算批复，还能自己调吗",
        "adjustment",
        {"total": "1000万", "increase": "200万", "within_estimate": False},
    ),
    (
        "概算1000万的项目新增内容60万，不属于第二十一条规定的任何一种情形，能自己调吗",
        "adjustment",
        {"total": "1000万", "new_content": "60万", "situation": 0},
    ),
    ("概算1000萬，增加150萬，能自行調整嗎？", "adjustment", {"total": "1000萬", "increase": "150萬"}),
    (
        "咨询：我单位项目批复概算为人民币1000万元，现因技术方案优化需核减投资100万元，是否可自行调整并报备案？",
        "adjustment",
        {"total": "人民币1000万元", "decrease": "100万元", "situation": 2},
    ),
    ("我们概算700万，想加80万的东西，可以自己调吗", "adjustment", {"total": "700万", "increase": "80万"}),
    ("概算1000万，新增一个模块，预计80万，能自己调吗", "adjustment", {"total": "1000万", "new_content": "80万"}),
    (
        "项目原批复概算500万，现需增加投资80万元（其中新增功能模块25万元），可否自行调整？",
        "adjustment",
        {"total": "500万", "increase": "80万元", "new_content": "25万元"},
    ),
    (
        "項目概算壹仟貳佰萬元，新增建設內容陸拾萬元，可否自行調整？",
        "adjustment",
        {"total": "壹仟貳佰萬元", "new_content": "陸拾萬元"},
    ),
    (
        "概算八百万的项目减少一百二十万建设内容，建设目标没变，可以自己调整吗",
        "adjustment",
        {"total": "八百万", "decrease": "一百二十万", "goal_unchanged": True},
    ),
    ("盖算1000万，增加150万，能自己调吗", "adjustment", {"total": "1000万", "increase": "150万"}),
    (
        "概算1000万，增加100万，同时减少100万，目标不变，没超概算，属于第二十一条第一款第（三）项情形，能自己调整吗",
        "adjustment",
        {
            "total": "1000万",
            "increase": "100万",
            "decrease": "100万",
            "within_estimate": True,
            "goal_unchanged": True,
            "situation": 3,
        },
    ),
    (
        "概算是1000万元，其中新增的建设内容有52万元，能自己调吗",
        "adjustment",
        {"total": "1000万元", "new_content": "52万元"},
    ),
    (
        "项目概算1200万元，其中新增内容60万元、增加投资合计180万元、减少投资30万元，能否自行调整？",
        "adjustment",
        {"total": "1200万元", "new_content": "60万元", "increase": "180万元", "decrease": "30万元"},
    ),
    # validity: every date form, named laws, no date (the engine uses the asking date)
    ("2025年6月1日起这个办法管用吗？", "validity", {"date": "2025-06-01"}),
    ("办法在2026年底还有效吗", "validity", {"date": "2026年底"}),
    ("二〇二五年三月一日，该办法是否有效？", "validity", {"date": "2025-03-01"}),
    ("明年3月本办法还适用吗？", "validity", {"date": "明年3月"}),
    ("这个办法现在还有效吗？", "validity", {}),
    ("这个办法现在有没有效", "validity", {}),
    ("政府采购法现在还有效吗", "validity", {}),
    ("《政府投资条例》2019年6月施行了吗？", "validity", {"date": "2019年6月"}),
    ("2027/01/15办法还能用吗", "validity", {"date": "2027-01-15"}),
    ("辦法2025年還有效嗎？", "validity", {"date": "2025年"}),
    ("后年这个办法还能执行吗？", "validity", {"date": "后年"}),
    ("12月1日以后办法还管用吗", "validity", {"date": "今年12月1日"}),
    ("下个月这个办法还适用吗", "validity", {"date": "下个月"}),
    ("办法2027年还有效码", "validity", {"date": "2027年"}),
    ("办法在二〇二六年十二月一日还有效吗", "validity", {"date": "2026-12-01"}),
    ("如果2026年12月1日签合同，还能用这个办法吗", "validity", {"date": "2026-12-01"}),
    # approval route: aliases and colloquial channels, flags with negation before or after
    (
        "项目全部由市本级财政拨款，已纳入项目库和年度计划，需要审批吗？",
        "approval_route",
        {"funding": ["municipal"], "in_library": True, "in_plan": True},
    ),
    (
        "政府购买服务方式建设的系统，还没入库，可以启动投资决策吗",
        "approval_route",
        {"funding": ["service"], "in_library": False},
    ),
    ("上级专项资金建的平台，要不要报市里审批", "approval_route", {"funding": ["special"]}),
    ("企业无偿提供给我们使用的小程序，走备案还是审批？", "approval_route", {"funding": ["enterprise"]}),
    ("自有资金建设的项目需要备案吗？", "approval_route", {"funding": ["self"]}),
    ("没有用财政资金，是自筹的，要审批吗", "approval_route", {"funding": ["self"]}),
    (
        "市本级财政资金和自筹资金各一半，已入库，还没列入年度计划，能审批吗",
        "approval_route",
        {"funding": ["municipal", "self"], "in_library": True, "in_plan": False},
    ),
    (
        "企业捐赠的系统，已经开工了，要审批吗",
        "approval_route",
        {"funding": ["enterprise"], "built_before_approval": True},
    ),
    (
        "一部分用市财政资金、一部分企业免费提供，走审批还是备案？",
        "approval_route",
        {"funding": ["municipal", "enterprise"]},
    ),
    (
        "财政资金项目没进年度计划就已经开工了，能补审批吗",
        "approval_route",
        {"funding": ["municipal"], "in_plan": False, "built_before_approval": True},
    ),
    (
        "非涉密的市本级财政资金项目，已入库入计划，走什么程序？",
        "approval_route",
        {"funding": ["municipal"], "classified": False, "in_library": True, "in_plan": True},
    ),
    ("涉密系统用自筹资金建设，需要备案吗", "approval_route", {"funding": ["self"], "classified": True}),
    (
        "市财政资金建的系统，项目库里已经有了，年度计划还没列进去，能审批吗",
        "approval_route",
        {"funding": ["municipal"], "in_library": True, "in_plan": False},
    ),
    (
        "自筹资金的项目，不涉及新建土建工程，备案后还需要做节能评估吗",
        "approval_route",
        {"funding": ["self"], "civil_works": False},
    ),
    # negative list: negation, 其他都符合, a list of problems, facts left open
    (
        "升级改造项目，系统跟不上业务了，其他都符合，可以申报吗",
        "negative_list",
        all_fine("升级改造", out_of_touch=True),
    ),
    (
        "新建的政务系统准备部署在政务云，行业主管部门也批准了，需求明确，数据按要求共享，不建机房，功能没有重复，能申报吗？",
        "negative_list",
        {
            "kind": "新建",
            "facts": {
                "on_gov_cloud": True,
                "department_approved": True,
                "unclear_requirements": False,
                "withholds_data": False,
                "new_infrastructure": False,
                "replaceable": False,
            },
        },
    ),
    (
        "我们的系统在用，但使用率很低，长期闲置，想申请资金升级改造，能报吗",
        "negative_list",
        all_fine("升级改造", low_usage=True, long_idle=True),
    ),
    ("新建项目没取得主管部门同意，其他都符合，能申报吗", "negative_list", all_fine("新建", department_approved=False)),
    ("運維類項目，數據不共享，其他都符合，能申報嗎？", "negative_list", all_fine("其他", withholds_data=True)),
    ("新建项目要自建机房，还能申报吗", "negative_list", all_fine("新建", new_infrastructure=True)),
    ("升级改造项目，在用系统功能与实际业务脱节，能申报吗", "negative_list", all_fine("升级改造", out_of_touch=True)),
    (
        "这个升级改造项目的在用系统已经长期闲置，能申报吗？",
        "negative_list",
        {"kind": "升级改造", "facts": {"long_idle": True}},
    ),
    ("新建项目，部署在政务云，能申报吗", "negative_list", {"kind": "新建", "facts": {"on_gov_cloud": True}}),
    (
        "我们打算新上一个系统，部署在本单位机房里，主管部门已经同意，需求和绩效目标都明确，不涉及新建机房，"
        "功能没有重复建设，数据全部共享，能申报吗",
        "negative_list",
        {"kind": "新建", "facts": FINE | {"on_gov_cloud": False}},
    ),
    (
        "升级改造项目，主管部门同意，已在政务云，系统没有脱节也还在更新，功能不可替代，没有闲置，用的人很多，"
        "需求和绩效目标明确，数据共享，不新建机房，能申报吗",
        "negative_list",
        all_fine("升级改造"),
    ),
    # self-evaluation: 验收 and 上线 told apart, the asking date left out
    ("系统2025年6月验收，什么时候开展自评价？", "self_evaluation", {"accepted": "2025年6月"}),
    ("项目去年3月通过验收投入运行，现在做自评价来得及吗", "self_evaluation", {"accepted": "去年3月"}),
    (
        "我们的平台于2024年12月20日竣工验收，2025年1月5日正式上线，自评价期限怎么算？",
        "self_evaluation",
        {"accepted": "2024-12-20", "live": "2025-01-05"},
    ),
    ("項目2025年3月15日驗收並投入運行，自評價什麼時候做？", "self_evaluation", {"accepted": "2025-03-15"}),
    (
        "上线时间是2025-08-01，验收时间是2025-07-15，自评价窗口？",
        "self_evaluation",
        {"live": "2025-08-01", "accepted": "2025-07-15"},
    ),
    (
        "项目于2025年6月30日通过终验，2025年7月1日上线运行，自评价最晚什么时候完成？",
        "self_evaluation",
        {"accepted": "2025-06-30", "live": "2025-07-01"},
    ),
    ("二〇二五年六月三十日验收的系统，现在该做自评价了吗", "self_evaluation", {"accepted": "2025-06-30"}),
    (
        "系统是2025年8月上线的，验收是2025年10月，自评价啥时候做",
        "self_evaluation",
        {"live": "2025年8月", "accepted": "2025年10月"},
    ),
    ("2025-03-15验收的项目，按这个办法什么时候做自评价", "self_evaluation", {"accepted": "2025-03-15"}),
    ("今天是2026年11月26日，项目2025年12月1日验收，自评价现在能做吗？", "self_evaluation", {"accepted": "2025-12-01"}),
    ("截至目前（2026-11-26），2025-06-01验收的项目自评价还来得及吗", "self_evaluation", {"accepted": "2025-06-01"}),
]


@pytest.mark.parametrize(("q", "rule", "inputs"), OWN, ids=[f"own-{i:03d}" for i in range(1, len(OWN) + 1)])
def test_new_wordings(
    extractor: Extractor, calculators: Calculators, q: str, rule: str, inputs: dict[str, Any]
) -> None:
    result = extractor.extract(q)
    assert result is not None and (result.rule, dict(result.inputs)) == (rule, inputs), (
        f"{q!r}\n  expected {rule} {inputs}\n  got      {_show(result)}"
    )
    # The inputs are in the calculator's format: it computes, or refuses a malformed amount or date.
    with contextlib.suppress(AmountError, DateError):
        calculators.run(rule, result.inputs, as_of=DAY)


def test_enough_new_wordings() -> None:
    assert len(OWN) >= 50
    assert not {q for q, _, _ in OWN} & {item["q"] for item in DEV}, "own questions must not repeat the dev set"
    assert {rule for _, rule, _ in OWN} == set(INPUTS)


# --- 3. questions that are not calculator questions -------------------------------------------------

GENERAL = [
    "监理单位有哪些职责？",
    "项目调整的程序是什么？",
    "办法的施行日期是哪天？",
    "自评价要报送给谁？",
    "负面清单有哪些情形？",
    "什么是备案制？",
    "办法有效期到什么时候？",
    "哪些项目需要实行监理制？",
    "调整比例怎么计算？",
    "新增建设内容有什么限制？",
    "审批包括哪些环节？",
    "自评价在什么时候开展？",
    "备案制适用于哪些资金渠道？",
    "涉密项目怎么管理？",
    "招标结余算不算调整？",
    "办法是谁发布的？",
    "第十条规定了什么？",
    "200万元以上的项目都要监理吗？",
    "调整超过15%怎么办？",
    "办法什么时候失效？",
    "办法过期以后怎么办？",
    "项目验收后多久要做自评价？",
    "不超过200万元的新增内容可以自行调整吗？",
    "办法第二十一条关于概算调整是怎么规定的？",
    "监理制是原则上实行吗？",
    "哪些情况原则上不得申报？",
    "政府采购法第八十八条讲的是什么？",
    "新建项目能申报吗",
    "我们项目2025年验收的，要监理吗？",
    "辦法的有效期是幾年？",
    "需求写得明确是申报的前提吗",
    "新增内容超了200万要重新报批吗",
    "不花市本级财政的钱也要备案吗",
]


@pytest.mark.parametrize("item", NOT_CALCULATOR, ids=[item["id"] for item in NOT_CALCULATOR])
def test_out_of_scope_and_national_are_not_calculator_questions(extractor: Extractor, item: dict[str, Any]) -> None:
    result = extractor.extract(item["q"])
    assert result is None, f"{item['id']} {item['q']!r}: {_show(result)}"


@pytest.mark.parametrize("q", GENERAL)
def test_general_questions_go_to_retrieval(extractor: Extractor, q: str) -> None:
    assert extractor.extract(q) is None, f"{q!r}: {_show(extractor.extract(q))}"
    assert extractor.detect(q) is None


# --- 4. follow-up turns -----------------------------------------------------------------------------

FOLLOW_UPS: list[tuple[str, str, str | None, dict[str, Any] | None]] = [
    # (previous calculator, new text, calculator expected, inputs expected; None: nothing for it)
    ("supervision", "那如果是150万呢？", "supervision", {"total": "150万"}),
    ("supervision", "换成1.8亿呢", "supervision", {"total": "1.8亿"}),
    ("supervision", "要是一百九十万元呢", "supervision", {"total": "一百九十万元"}),
    ("adjustment", "增加改成200万呢", "adjustment", {"increase": "200万"}),
    ("adjustment", "那如果是150万呢？", "adjustment", {"total": "150万"}),
    ("adjustment", "新增内容改成60万呢", "adjustment", {"new_content": "60万"}),
    ("adjustment", "要是减少130万呢", "adjustment", {"decrease": "130万"}),
    ("adjustment", "如果建设目标变了呢", "adjustment", {"goal_unchanged": False}),
    ("adjustment", "如果超概算了呢", "adjustment", {"within_estimate": False}),
    ("adjustment", "如果是为了优化技术方案呢", "adjustment", {"situation": 2}),
    ("validity", "要是2027年3月呢？", "validity", {"date": "2027年3月"}),
    ("validity", "那明年呢", "validity", {"date": "明年"}),
    ("validity", "那现在呢", "validity", {"date": "今天"}),
    ("validity", "那政府采购法呢", "validity", {}),
    ("approval_route", "那要是自筹资金呢", "approval_route", {"funding": ["self"]}),
    ("approval_route", "如果没入库呢", "approval_route", {"in_library": False}),
    ("approval_route", "如果还没进年度计划呢", "approval_route", {"in_plan": False}),
    ("approval_route", "要是涉及新建土建工程呢", "approval_route", {"civil_works": True}),
    ("negative_list", "如果没上政务云呢", "negative_list", {"facts": {"on_gov_cloud": False}}),
    ("negative_list", "要是升级改造项目呢", "negative_list", {"kind": "升级改造"}),
    ("negative_list", "如果主管部门没批呢", "negative_list", {"facts": {"department_approved": False}}),
    ("self_evaluation", "如果是2025年6月验收的呢", "self_evaluation", {"accepted": "2025年6月"}),
    ("self_evaluation", "那上线日期是2025-09-01呢", "self_evaluation", {"live": "2025-09-01"}),
    ("self_evaluation", "要是2025-01-10呢", "self_evaluation", {"accepted": "2025-01-10"}),
    # the text clearly asks another calculator
    ("supervision", "那概算1000万增加200万能自己调吗", "adjustment", {"total": "1000万", "increase": "200万"}),
    ("adjustment", "那这个1000万的项目要监理吗", "supervision", {"total": "1000万"}),
    ("negative_list", "那2027年这个办法还有效吗", "validity", {"date": "2027年"}),
    # nothing for the previous calculator
    ("supervision", "好的谢谢", None, None),
    ("validity", "那监理呢", None, None),
    ("adjustment", "明白了", None, None),
    ("validity", "办法是谁发布的？", None, None),
    ("supervision", "监理单位有哪些职责？", None, None),
    ("approval_route", "什么是备案制？", None, None),
]


@pytest.mark.parametrize(("previous", "text", "rule", "inputs"), FOLLOW_UPS)
def test_follow_ups(
    extractor: Extractor, previous: str, text: str, rule: str | None, inputs: dict[str, Any] | None
) -> None:
    result = extractor.extract(text, rule=previous)
    got = None if result is None else (result.rule, dict(result.inputs))
    assert got == (None if rule is None else (rule, inputs)), f"after {previous}: {text!r} → {_show(result)}"


def test_follow_up_reports_what_is_still_missing(extractor: Extractor) -> None:
    result = extractor.extract("增加改成200万呢", rule="adjustment")
    assert result is not None and result.missing == ("total",)
    result = extractor.extract("那上线日期是2025-09-01呢", rule="self_evaluation")
    assert result is not None and result.missing == ("accepted",)


def test_elliptical_text_alone_is_not_a_calculator_question(extractor: Extractor) -> None:
    for text in ("那如果是150万呢？", "要是2027年3月呢？", "如果没上政务云呢"):
        assert extractor.extract(text) is None, f"{text!r}: {_show(extractor.extract(text))}"


def test_unknown_rule_is_refused(extractor: Extractor) -> None:
    with pytest.raises(ValueError, match="no calculator"):
        extractor.extract("那如果是150万呢？", rule="tax")


def test_extraction_is_frozen(extractor: Extractor) -> None:
    result = extractor.extract("项目总投资230万，要监理吗？")
    assert result is not None
    with pytest.raises(AttributeError):
        result.rule = "adjustment"  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.inputs["total"] = "1万"  # type: ignore[index]


def test_fast(extractor: Extractor) -> None:
    questions = [item["q"] for item in DEV + NOT_CALCULATOR] + GENERAL
    start = time.perf_counter()
    for q in questions:
        extractor.extract(q)
    per_question = (time.perf_counter() - start) / len(questions)
    assert per_question < 0.001, f"{per_question * 1000:.3f} ms per question"
