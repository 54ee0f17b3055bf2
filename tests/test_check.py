"""The citation checker, against the real engine: the memo sets (acceptance) and each kind of check."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assistant.check import Checker, render
from assistant.citations import verify
from assistant.config import PROJECT_ROOT
from assistant.errors import InvalidQuestion
from assistant.metrics import checker_problems

DATASETS = PROJECT_ROOT / "evals" / "datasets"
SETS = ("checker_dev", "checker_heldout", "checker_heldout2")
TODAY = date(2026, 11, 26)


def memos(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATASETS / f"{name}.jsonl").read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def checker(engine) -> Checker:
    return Checker.of(engine)


def kinds(report) -> list[tuple[str, str | None, int | None]]:
    return [(d.kind, f.doc.id if f.doc else None, f.ref.article if f.ref else None) for f, d in report.defects]


# --- acceptance: every known defect found, no false alarm -------------------------------------------


def test_the_memo_sets_hold_enough_defective_and_correct_memos() -> None:
    items = [i for name in SETS for i in memos(name)]
    assert sum(1 for i in items if i["defects"]) >= 30 and sum(1 for i in items if not i["defects"]) >= 10
    found = {d["kind"] for i in items for d in i["defects"]}
    assert {"unknown_unit", "misquote", "wrong_article", "number_contradicts", "expired", "not_bundled"} <= found


@pytest.mark.parametrize("item", [i for name in SETS for i in memos(name)], ids=lambda i: i["id"])
def test_every_defect_is_found_and_nothing_else(checker: Checker, item: dict) -> None:
    record = checker.check(item["text"], as_of=item["as_of"]).to_dict()
    missed, alarms = checker_problems(item["defects"], record)
    assert (missed, alarms) == ([], []), item["note"]
    assert record["ok"] is (not item["defects"])


# --- what each check says ---------------------------------------------------------------------------


def test_a_wrong_threshold_names_the_clause_and_its_number(checker: Checker) -> None:
    report = checker.check(
        "根据《包头市本级政务信息化项目建设管理办法》第十九条，总投资150万元以上的项目应实行监理制。", TODAY
    )
    [finding] = report.findings
    assert finding.label == "办法 第十九条" and finding.exists and finding.status == "现行有效"
    [number] = finding.numbers
    assert (number.verdict, number.clause, number.source) == ("contradicts", "200万元", "【办法 第十九条】")
    assert kinds(report) == [("number_contradicts", "baotou-2024-106", 19)] and not report.ok


@pytest.mark.parametrize(
    ("memo", "verdicts"),
    [
        ("办法第二十一条第二款规定，新增的建设内容投资应不超过总投资5%且不超过200万元。", ["consistent", "consistent"]),
        ("依据办法第二十一条，资金调整不超过概算总投资15%，新增内容不超过总投资10%。", ["consistent", "contradicts"]),
        ("依据办法第二十三条，项目应在验收并投入运行后3年内开展自评价。", ["contradicts"]),
        ("依据办法第二十三条，项目应在投入运行后两年内开展自评价。", ["consistent"]),
        ("办法第二十九条规定本办法自2024年12月1日起施行，有效期至2026年11月30日。", ["consistent", "consistent"]),
        ("办法第二十九条规定本办法有效期三年。", ["contradicts"]),
        ("某项目总投资二百五十万元，依据办法第十九条应当实行监理。", ["consistent"]),  # 250万 ≥ 200万
        ("依据办法第十九条，该项目投资300万元。", ["not_checkable"]),  # says nothing about supervision
        ("依据办法第八条，该项目投资300万元。", ["not_checkable"]),
        ("该项目总投资180万元，已达到办法第十九条规定的监理标准，应实行监理。", ["contradicts"]),
        ("该项目总投资180万元，低于办法第十九条规定的200万元门槛，不需要实行监理。", ["consistent", "consistent"]),
        ("依照《网络安全法》第二十三条，网络日志留存不少于三个月。", ["contradicts"]),
        ("依照《网络安全法》第二十三条，网络日志留存不少于六个月。", ["consistent"]),
    ],
)
def test_numbers_are_compared_with_the_number_of_the_clause_that_reads_like_them(
    checker: Checker, memo: str, verdicts: list[str]
) -> None:
    report = checker.check(memo, TODAY)
    assert [n.verdict for f in report.findings for n in f.numbers] == verdicts


def test_a_misquote_gets_the_closest_real_passage_as_a_verified_slice(checker: Checker, engine) -> None:
    report = checker.check("办法第十九条规定“总投资在100万元及以上的政务信息化项目原则上实行监理制”。", TODAY)
    [finding] = report.findings
    [quote] = finding.quotes
    assert not quote.verbatim and quote.closest.text == "总投资在200万元及以上的政务信息化项目原则上实行监理制"
    assert verify(quote.closest, engine.corpus) is None and quote.similarity > 0.9
    assert kinds(report) == [("misquote", "baotou-2024-106", 19)]


@pytest.mark.parametrize(
    "memo",
    [
        "办法第十九条规定“总投资在200万元及以上的政务信息化项目原则上实行监理制，对项目建设全过程进行监理。”",
        "办法第十九条规定「原则上实行监理制」。",
        '办法第十九条规定"对项目建设全过程进行监理"。',
        "办法第二十一条规定“资金调整是指……比值不超过15%”。",  # an ellipsis skips words, in order
        "“总投资在200万元及以上的政务信息化项目原则上实行监理制”（办法第十九条）。",  # the quote before
    ],
)
def test_verbatim_quotes_pass_whatever_their_marks_and_punctuation_width(checker: Checker, memo: str) -> None:
    report = checker.check(memo, TODAY)
    assert report.ok and all(q.verbatim for f in report.findings for q in f.quotes) and report.findings[0].quotes


def test_a_quote_from_another_article_says_where_it_is(checker: Checker) -> None:
    report = checker.check("办法第十八条规定「总投资在200万元及以上的政务信息化项目原则上实行监理制」。", TODAY)
    assert kinds(report) == [("wrong_article", "baotou-2024-106", 18)]
    assert report.findings[0].suggestion.label == "办法 第十九条"


def test_a_claim_copied_from_another_article_is_a_wrong_article(checker: Checker) -> None:
    report = checker.check("依据办法第十七条，项目建设单位应当同步规划、同步建设、同步运行国产化密码保障系统。", TODAY)
    assert kinds(report) == [("wrong_article", "baotou-2024-106", 17)]
    assert "办法 第十八条" in report.defects[0][1].message


def test_a_claim_about_another_article_is_found_by_search(checker: Checker) -> None:
    report = checker.check("根据办法第八条，项目建设单位应当落实网络安全等级保护制度。", TODAY)
    assert kinds(report) == [("wrong_article", "baotou-2024-106", 8)]
    assert report.findings[0].suggestion.label == "办法 第十七条"


def test_units_that_do_not_exist_give_the_valid_range(checker: Checker) -> None:
    report = checker.check("办法第三十条规定了过渡期。第十九条第二款另有规定。第十条第（八）项也适用。", TODAY)
    messages = [d.message for _, d in report.defects]
    assert [k for k, _, _ in kinds(report)] == ["unknown_unit"] * 3
    assert "办法共29条（第一条至第二十九条），没有第三十条" in messages[0]
    assert "第十九条共1款" in messages[1] and "共7项" in messages[2]


def test_an_unnamed_reference_belongs_to_the_document_named_before_it(checker: Checker) -> None:
    report = checker.check(
        "《政府采购法》第二条规定了适用范围，第二十六条规定了采购方式。办法第十六条另有要求。", TODAY
    )
    assert [(f.doc.id, f.ref.article) for f in report.findings] == [
        ("prc-government-procurement-law", 2),
        ("prc-government-procurement-law", 26),
        ("baotou-2024-106", 16),
    ]


def test_documents_not_bundled_are_marked_with_or_without_an_article(checker: Checker) -> None:
    report = checker.check(
        "按照国办发〔2019〕57号第十条和《包头市政务云管理办法》第五条，并参照《内蒙古自治区公共数据管理暂行办法》执行。",
        TODAY,
    )
    assert kinds(report) == [
        ("not_bundled", "gov-info-projects-2019", 10),
        ("not_bundled", None, 5),
        ("not_bundled", "nmg-public-data-2024", None),
    ]
    assert report.findings[0].exists is None


def test_the_status_on_the_day_is_checked(checker: Checker) -> None:
    memo = "本办法第十九条规定“原则上实行监理制”。"
    assert checker.check(memo, TODAY).ok
    expired = checker.check(memo, "2026-12-01")
    assert kinds(expired) == [("expired", "baotou-2024-106", 19)] and "已失效" in expired.defects[0][1].message
    early = checker.check(memo, "2024-11-30")
    assert "尚未施行" in early.defects[0][1].message


def test_words_inside_a_quote_are_not_references(checker: Checker) -> None:
    memo = "办法第二十七条第二款规定“按照《财政违法行为处罚处分条例》(国令第427号)等相关规定予以处理”。"
    report = checker.check(memo, TODAY)
    assert report.ok and [f.label for f in report.findings] == ["办法 第二十七条第二款"]


def test_a_text_without_references_is_clean_and_says_so(checker: Checker) -> None:
    report = checker.check("项目建设要讲究实效。", TODAY)
    assert report.ok and report.findings == () and "未发现任何文件或条文引用" in report.notes[0]


@pytest.mark.parametrize(
    ("memo", "message"),
    [
        ("", "文本为空"),
        ("   \n ", "文本为空"),
        (b"\x00\x01", "二进制"),
        (42, "要核对的内容必须是文本"),
        ("a\x00b", "控制字符"),
    ],
)
def test_unusable_input_is_refused_in_chinese(checker: Checker, memo: object, message: str) -> None:
    with pytest.raises(InvalidQuestion, match=message):
        checker.check(memo, TODAY)


def test_an_overlong_memo_is_refused(checker: Checker) -> None:
    with pytest.raises(InvalidQuestion, match="文本过长"):
        checker.check("办法第十九条。" * 4000, TODAY)


def test_the_report_is_json_and_text(checker: Checker) -> None:
    report = checker.check(
        "根据办法第19条，总投资150万元以上的项目应实行监理制。\n《政府采购法》第二条规定“本法所称政府采购”。", TODAY
    )
    record = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert record["ok"] is False and record["references"] == 2 and record["defects"] == 1
    first = record["findings"][0]
    assert first["label"] == "办法 第十九条" and first["unit_id"] == "baotou-2024-106:19"
    assert first["defects"][0]["kind"] == "number_contradicts" and first["numbers"][0]["clause_value"] == "200万元"
    assert record["text"][first["span"][0] : first["span"][1]] == "办法第19条"
    text = render(report)
    assert text.startswith("核对日期 2026-11-26：共 2 处引用，发现 1 处问题。")
    assert "✗ 办法第19条 → 办法 第十九条（现行有效）" in text and "✓ 《政府采购法》第二条" in text


# --- what must not be reported -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "memo",
    [
        "依据办法第十九条，“城市大脑”项目总投资300万元，应实行监理。",  # a quoted name, not a quotation
        "我局“一网通办”平台升级项目拟按办法第十九条实行监理。",
        "办法第十九条规定了监理。另外，网上流传“数据共享是第一要务”的说法。",  # another sentence's quote
        "总投资250万元，依据办法第十九条应当实行监理，监理费不足总投资的2%。",  # 不足 is about the fee
        "本项目总投资250万元，其中软件120万元，依据办法第十九条应当实行监理，不应拆分立项。",
        "该项目总投资180万元，依据办法第十九条可以自愿实行监理。",  # a hedge says nothing either way
        "依据办法第二十九条，办法有效期两年，本项目建设期为三年。",  # a construction period is no 有效期
        "本项目于2025年3月1日立项，依据办法第二十九条，办法现行有效。",  # a project's date
        "近三年来，依据办法第二十三条，项目应在投入运行后两年内开展自评价。",
        "依据办法第十九条，该项目实行监理，监理费不超过10万元。",  # a fee's bound is no rule of the 办法
        "统一元数据标准，依据办法第十四条建设。",  # 统一元 is no amount
        "依据办法第三条至第五条执行。",
        "2025年6月3日，我局研究了《办法》第二十一条的适用问题。",  # a date says nothing about an article
        "2025年6月3日，市数据局召开专题会议，会议认为应当严格执行《办法》第十六条。",
        "会议纪要第三条明确，项目由市数据局牵头。",  # another paper's clause
        "按照《办法》第十九条实行监理。监理合同第五条约定，监理费为15万元。",
        "市数据局在《关于开展2025年政务信息化项目申报工作的通知》中要求，依据《办法》第十条做好申报。",
        "项目已列入包数局发〔2025〕12号计划。",  # a notice named, not cited
        "根据《办法》第十九条，本项目总投资180万元，不强制实行监理。",
        "《政府采购法》第二十六条规定了采购方式。该法第六条规定，政府采购应当严格按照批准的预算执行。",
        "根据《中华人民共和国政府采购法》（以下简称《采购法》）第二十六条，采购方式包括公开招标。"
        "《采购法》第六条规定，政府采购应当严格按照批准的预算执行。",
        "依据办法第二十三条，项目应在投入运行后18个月内开展自评价。",  # 18个月 lies within 一至两年
        "公开招标应作为主要采购方式；同时办法第十六条要求项目建设单位严格执行政府采购制度。",  # 同时办法
        '经查，该单位违反了办法第八条"项目建设单位不得未批先建"的规定。',  # 了办法
        "一、会议审议了《办法》。\n二、会议要求，上述办法第二十三条规定的自评价工作应按时开展。",
        "（一）依据《数据安全法》第三十九条开展工作。\n（二）按照该法第三十条要求定期开展风险评估。",
    ],
)
def test_correct_memos_with_names_figures_and_dates_beside_the_reference_are_clean(checker: Checker, memo: str) -> None:
    report = checker.check(memo, TODAY)
    assert report.ok, [(f.label, d.message) for f, d in report.defects]


def test_a_range_cites_its_two_ends(checker: Checker) -> None:
    report = checker.check("依据办法第三条至第五条执行。", TODAY)
    assert [f.text for f in report.findings] == ["办法第三条", "第五条"]


def test_an_unknown_wenhao_is_never_matched_to_a_known_one(checker: Checker) -> None:
    report = checker.check("我局依据包政发〔2023〕12号第三条和内政办发〔2021〕45号执行。", TODAY)
    assert kinds(report) == [("not_bundled", None, 3)]  # its article is cited and cannot be checked
    assert [f.label for f in report.findings] == ["包政发〔2023〕12号 第三条", "内政办发〔2021〕45号"]
    assert "未引用其条文，不作核对" in report.findings[1].notes[0]  # named only: a note


def test_a_title_with_its_wenhao_is_one_reference(checker: Checker) -> None:
    report = checker.check("按照《国家政务信息化项目建设管理办法》（国办发〔2019〕57号）第十条执行。", TODAY)
    assert kinds(report) == [("not_bundled", "gov-info-projects-2019", 10)]
    assert report.findings[0].text == "《国家政务信息化项目建设管理办法》(国办发〔2019〕57号)第十条"


def test_an_amount_without_yuan_is_read(checker: Checker) -> None:
    report = checker.check("根据办法第十九条，总投资150万以上的项目应实行监理制。", TODAY)
    assert kinds(report) == [("number_contradicts", "baotou-2024-106", 19)]


def test_an_unknown_document_keeps_its_name_as_written(checker: Checker) -> None:
    report = checker.check("依据《某某市数据管理办法》第三条执行。", TODAY)
    assert report.findings[0].label == "某某市数据管理办法 第三条"
    assert "《某某市数据管理办法》不在已知文件之列" in report.defects[0][1].message


def test_a_page_break_is_a_line_break(checker: Checker) -> None:
    assert checker.check("办法第十九条规定“原则上实行监理制”。\f第二十条另有规定。", TODAY).ok


def test_a_short_name_the_memo_defines_and_a_pointer_back_are_the_document_named(checker: Checker) -> None:
    report = checker.check(
        "根据《中华人民共和国政府采购法》（以下简称《采购法》）第二十六条，采购方式包括公开招标。该法第六条另有规定。",
        TODAY,
    )
    assert [(f.doc.id, f.ref.article if f.ref else None) for f in report.findings] == [
        ("prc-government-procurement-law", None),
        ("prc-government-procurement-law", 26),
        ("prc-government-procurement-law", 6),
    ]


def test_a_memo_saying_the_document_expired_is_not_citing_it_as_in_force(checker: Checker) -> None:
    report = checker.check(
        "《办法》（包府办发〔2024〕106号）已于2026年11月30日有效期届满，相关项目参照执行。", "2026-12-15"
    )
    assert report.ok and "文中已说明其失效" in report.findings[0].notes[0]


def test_a_text_newer_than_the_day_turns_its_defects_into_notes(checker: Checker) -> None:
    report = checker.check("依据《网络安全法》第二十一条，国家实行网络安全等级保护制度。", "2025-06-01")
    assert report.ok
    assert "晚于 2025-06-01" in report.findings[0].notes[0] and "第二十三条" in report.findings[0].notes[0]
    assert not checker.check("依据《网络安全法》第二十一条，国家实行网络安全等级保护制度。", TODAY).ok


def test_wrapped_lines_are_read_as_one_sentence_and_list_items_apart(checker: Checker) -> None:
    wrapped = checker.check(
        "《办法》第十九条规定：\n“总投资在300万元及以上的政务信息化项目原则上实行监理制，\n对项目建设全过程进行审计。”",
        TODAY,
    )
    assert kinds(wrapped) == [("misquote", "baotou-2024-106", 19)]
    listed = checker.check(
        "一、依据《办法》第十六条，按照《政府采购法》第二十六条公开招标。\n"
        "二、该项目总投资150万元，依据第十九条须实行监理。\n"
        "三、依据第二十三条，项目应在投入运行后三至五年内开展自评价。",
        TODAY,
    )
    assert kinds(listed) == [
        ("number_contradicts", "baotou-2024-106", 19),
        ("number_contradicts", "baotou-2024-106", 23),
    ]


@pytest.mark.parametrize(
    "memo",
    [
        "根据办法第十九条，总投资1,500,000元以上的项目应实行监理制。",
        "依据办法第二十三条，项目应在投入运行后6个月内开展自评价。",
        "依据办法第二十三条，项目应在投入运行后半年内开展自评价。",
    ],
)
def test_numbers_in_other_forms_are_compared(checker: Checker, memo: str) -> None:
    assert [k for k, _, _ in kinds(checker.check(memo, TODAY))] == ["number_contradicts"]


def test_a_heading_is_not_joined_to_the_paragraph_under_it(checker: Checker) -> None:
    memo = (
        "关于竣工验收前置审核的提示\n\n办法第二十二条规定：“未通过前置审核的应进行整改，项目建设单位不得组织竣工验收。”"
    )
    report = checker.check(memo, TODAY)
    assert report.ok and report.findings[0].sentence.startswith("办法第二十二条")
    heading = checker.check(
        "关于“智慧林草”项目监理事项的复函\n\n你单位项目总投资260万元，未达到办法第十九条规定的标准，无需实行监理。",
        TODAY,
    )
    assert kinds(heading) == [("number_contradicts", "baotou-2024-106", 19)]  # 260万 ≥ 200万; the heading hides nothing
    wrong = checker.check(
        "关于项目监理事项的复函\n\n该项目总投资180万元，已达到办法第十九条规定的监理制实施标准，应当实行监理制。", TODAY
    )
    assert kinds(wrong) == [("number_contradicts", "baotou-2024-106", 19)]


def test_an_unknown_notice_with_its_wenhao_is_one_reference(checker: Checker) -> None:
    report = checker.check("依据《关于做好数据共享工作的通知》（包数据发〔2025〕8号）第三条执行。", TODAY)
    assert [f.label for f in report.findings] == ["关于做好数据共享工作的通知 第三条"]
    assert "包数据发〔2025〕8号" in report.findings[0].text
