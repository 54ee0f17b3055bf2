"""The web app (`regassist serve`, `make run`): chat with cited answers, the calculators as forms, an
article browser, and a stable API that is also served as MCP tools.

Everything goes through one `Api` over the shared engine, so the forms, the API and the MCP tools can
never disagree. Every text shown passes through views.py, which escapes it.
"""

from __future__ import annotations

import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio is imported; never on
os.environ["HF_HUB_OFFLINE"] = "1"  # gradio's own client must not look up the Hub

import functools
import importlib.util
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import gradio as gr

from . import views
from .answer import Answer, Assistant
from .calculators import Calculation
from .check import Checker
from .citations import quote_unit
from .config import Settings
from .errors import (
    ConfigError,
    DocumentNotBundled,
    DocumentNotFound,
    RegassistError,
    RequestError,
    UnitNotFound,
)
from .guard import check_question
from .numerals import to_chinese
from .records import document_record, search_record, unit_record
from .references import parse_ref
from .retrieve import resolve_reference
from .rules import KIND_FACTS
from .structure import Document

SCOPES = {"办法优先，含相关国家法律": "all", "仅办法": "primary"}
TRI_STATE = {"未说明": None, "是": True, "否": False}
KIND_CHOICES = {"未说明": None, "新建": "new", "升级改造": "upgrade", "其他": "other"}
EXAMPLES = [
    "我们的项目总投资230万元，需要监理吗？",
    "概算1000万元，增加建设内容120万元，可以自行调整吗？",
    "新建机房的项目能申报吗？",
    "第二十一条第二款",
    "这个办法什么时候失效？",
    "项目验收后多久要做自评价？",
    "政府采购法第二条",
]
ALL_CHAPTERS = "全部章节"
# After an answer: scroll the chat so the latest question (and the verdict under it) is at the top.
SHOW_LATEST = """() => {
  const asked = document.querySelectorAll('#chat .ra-user');
  if (asked.length) asked[asked.length - 1].scrollIntoView({block: 'start', behavior: 'instant'});
}"""
CSS = """
.ra p { margin: 0.3em 0; }
.ra blockquote { border-left: 3px solid #c7d2fe; margin: 0.4em 0; padding: 0.2em 0.8em; color: #374151; }
.ra-tag { color: #1d4ed8; font-weight: 600; }
.ra-cites { margin-top: 0.6em; border-top: 1px solid #e5e7eb; padding-top: 0.4em; }
.ra-cites-title { font-size: 0.9em; color: #6b7280; }
.ra-cite { border: 1px solid #e5e7eb; border-radius: 6px; margin: 0.3em 0; padding: 0.2em 0.6em; }
.ra-cite summary { cursor: pointer; }
.ra mark { background: #fde68a; padding: 0 1px; }
.ra-num { display: inline-block; font-size: 0.8em; color: #6b7280; border: 1px solid #d1d5db;
  border-radius: 4px; padding: 0 4px; margin-right: 6px; }
.ra-article-label { font-weight: 600; margin-top: 0.3em; }
.ra-par { margin: 0.4em 0; }
.ra-item { margin: 0.2em 0 0.2em 1.5em; }
.ra-status { font-size: 0.85em; color: #047857 !important; }
.ra-unknown { color: #6b7280 !important; }
.ra-expired, .ra-expired p, .ra-error, .ra-error p { color: #b91c1c !important; }
.ra-note, .ra-where { font-size: 0.85em; color: #6b7280; }
.ra-warnings { font-size: 0.85em; color: #b45309; }
.ra-verdict { font-weight: 600; font-size: 1.05em; }
.ra-banner { font-weight: 600; }
.ra-memo { border: 1px solid #e5e7eb; border-radius: 6px; padding: 0.4em 0.8em; margin: 0.4em 0; }
.ra-bad { background: #fee2e2; border-bottom: 2px solid #b91c1c; }
.ra-good { background: #dcfce7; }
.ra-defect { color: #b91c1c; }
.ra-finding { border-top: 1px solid #e5e7eb; margin-top: 0.4em; padding-top: 0.2em; }
.ra-document table th { text-align: left; padding-right: 1em; color: #6b7280; font-weight: normal; }
"""


def _text(value: object, name: str, limit: int = 500) -> str:
    """A text parameter as clients send it: None counts as empty; anything else must be a string."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RequestError(f"{name} 应为文本，而不是 {_shown(value)}。")
    if len(value) > limit:
        raise RequestError(f"{name} 太长（{len(value)} 个字符，最多 {limit} 个）。")
    return value


def _flag(value: object, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise RequestError(f"{name} 应为 true、false 或 null，而不是 {_shown(value)}。")
    return value


def _shown(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:40]


class Api:
    """The endpoints as plain typed functions over one engine. The forms call them; Gradio serves them
    as the HTTP API and as MCP tools (the docstrings become the tools' descriptions). Errors are
    RegassistError with a Chinese message."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.corpus = assistant.corpus
        self.calculators = assistant.calculators
        self.checker = Checker.of(assistant)

    def day(self, as_of: str | None) -> date:
        return self.assistant.day(self.given_day(as_of))

    def given_day(self, as_of: object) -> str | None:
        return _text(as_of, "as_of", 100).strip() or None

    def _lookup(self, reference: object, document: object, day: date | None = None) -> tuple[Document, Any]:
        """A reference, in the document it names or `document`; naming two different ones is an error."""
        text = _text(reference, "reference", 200)
        name = _text(document, "document", 200).strip() or None
        default = self.corpus.resolve(name, day).id if name else None
        doc, unit = self.locate(text, default, day)
        if default and doc.id != default:
            named = self.corpus.meta(default).short_name
            raise RequestError(f"文件名称给了两次：“{doc.meta.short_name}”和“{named}”，请只保留一个。")
        return doc, unit

    def locate(self, text: str, default: str | None = None, day: date | None = None) -> tuple[Document, Any]:
        """The one unit a reference names, read as questions are (第二十一条第二款, 21条2款, 审计法第六条,
        or a bare 19); unnamed references are in `default` (else the 办法). With `day`, a document with
        several versions is read at the one in force then (Browse passes none: the document on screen)."""
        found = self.assistant.retriever.router.find(text, default, day=day)
        if not found:
            parsed = parse_ref(text)  # a bare number; otherwise the usual "无法识别条文编号"
            return self.corpus.lookup(parsed, parsed.document or default, day)
        if len(found) > 1:
            raise RequestError(f"“{text.strip()[:60]}”含有 {len(found)} 处条文引用：一次只能查一条。")
        if found[0].error:
            raise (DocumentNotFound if found[0].unknown_document else RequestError)(found[0].error)
        return resolve_reference(self.corpus, found[0])

    # --- answers, search, text ----------------------------------------------------------------------

    def ask(self, question: str, as_of: str = "", scope: str = "all", history: list | None = None) -> dict:
        """Answer a question about 《包头市本级政务信息化项目建设管理办法(试行)》 and the national laws it
        rests on, with verified article-level citations. Returns the answer JSON contract: id, question,
        as_of, answer, abstained, intent, citations, calculation, warnings.

        Args:
            question: the question, e.g. 总投资230万元的项目需要监理吗？
            as_of: the day the answer speaks for, YYYY-MM-DD; empty means today
            scope: "all" (the 办法 first, then national laws), "primary" (the 办法 only) or a document name
            history: earlier turns of the conversation, oldest first (questions as text, or earlier answers)
        """
        history = [] if history is None else history
        if not isinstance(history, list):
            raise RequestError("history 应为列表（此前各轮的问题或回答）。")
        scope = _text(scope, "scope", 200).strip() or "all"
        return self.assistant.ask(question, history=history, as_of=self.given_day(as_of), scope=scope).to_dict()

    def search(self, query: str, k: int = 5, scope: str = "all") -> dict:
        """Search the regulations for the articles, paragraphs and items closest to a query.

        Args:
            query: words or a question, e.g. 监理 or 第二十一条
            k: how many hits, 1 to 50
            scope: "all", "primary" (the 办法 only) or a document name
        """
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 50:
            raise RequestError(f"k 应为 1 到 50 的整数，而不是 {_shown(k)}。")
        text = check_question(query)
        retriever = self.assistant.retriever
        scope = _text(scope, "scope", 200).strip() or "all"
        result = retriever.search(text, k=k, scope=scope)
        record = search_record(retriever, result)
        if result.routed and not result.hits:  # every reference named a unit that does not exist
            message = "；".join(result.notices)
            record["error"] = {"type": "UnitNotFound", "message": message, "exit_code": 2}
        return record

    def article(self, reference: str, document: str = "", as_of: str = "") -> dict:
        """The exact text of an article, paragraph (款) or item (项), with its status on a day.

        Args:
            reference: e.g. 第二十一条第二款, 21条2款, 第十条第（三）项, or 审计法第六条
            document: title, short name or 文号 of the document; empty means the 办法 (or the one named in reference)
            as_of: the day for the status, YYYY-MM-DD; empty means today
        """
        day = self.day(as_of)
        doc, unit = self._lookup(reference, document, day)
        return unit_record(doc, unit, day)

    def documents(self, as_of: str = "") -> dict:
        """Every document known: title, 文号, level, dates, status on a day, and whether its text is bundled.

        Args:
            as_of: the day for the status, YYYY-MM-DD; empty means today
        """
        day = self.day(as_of)
        return {
            "as_of": day.isoformat(),
            "documents": [document_record(self.corpus, meta, day) for meta in self.corpus.entries],
        }

    def verify_citation(self, reference: str, quote: str = "", document: str = "", as_of: str = "") -> dict:
        """Check a citation: does the article/款/项 exist, and is the quoted text a verbatim slice of it
        (character for character, punctuation included)?

        Args:
            reference: e.g. 第十九条 or 审计法第六条
            quote: the quoted words to check; empty checks only that the unit exists
            document: title, short name or 文号; empty means the 办法 (or the one named in reference)
            as_of: the day whose version of a document is read, YYYY-MM-DD; empty means today
        """
        quote = _text(quote, "quote", 5000)
        day = self.day(as_of)
        try:
            doc, unit = self._lookup(reference, document, day)
        except DocumentNotBundled as exc:  # it may exist: its text is not here to check
            return {"exists": None, "verbatim": None, "problem": str(exc)}
        except (UnitNotFound, DocumentNotFound) as exc:
            return {"exists": False, "verbatim": False if quote else None, "problem": str(exc)}
        record = {"exists": True, "label": doc.label(unit), "unit_id": unit.id, "text": unit.text}
        if not quote:
            return {**record, "verbatim": None, "problem": None}
        try:
            found = quote_unit(doc, unit, quote)
        except RequestError as exc:
            return {**record, "verbatim": False, "problem": str(exc)}
        return {**record, "verbatim": True, "problem": None, "start": found.start, "end": found.end}

    def check(self, text: str, as_of: str = "") -> dict:
        """Check the references in a memo or draft answer: does each cited 条/款/项 exist (else the
        document's extent), is quoted text verbatim (else the closest real passage), do the numbers
        beside it agree with the clause and its rule data, is the document in force on the day and
        bundled. Returns ok, counts, and one finding per reference with its defects.

        Args:
            text: the memo, e.g. 根据《包头市本级政务信息化项目建设管理办法》第十九条，总投资150万元以上的项目应实行监理制。
            as_of: the day the memo is read for, YYYY-MM-DD; empty means today
        """
        return self.checker.check(text, as_of=self.given_day(as_of)).to_dict()

    # --- calculators --------------------------------------------------------------------------------

    def calculation(self, rule: str, inputs: Mapping[str, Any], as_of: object = "") -> Calculation:
        """One calculator run; blank text inputs count as not given."""
        given = {k: v for k, v in inputs.items() if not (v is None or (isinstance(v, str) and not v.strip()))}
        return self.calculators.run(rule, given, as_of=self.day(as_of))

    def _run(self, rule: str, texts: Mapping[str, object], flags: Mapping[str, object], as_of: object) -> dict:
        """An API call's inputs checked for type (text, or true/false/null), then one calculator run."""
        inputs: dict[str, Any] = {key: _text(value, key, 200) for key, value in texts.items()}
        inputs |= {key: _flag(value, key) for key, value in flags.items()}
        return self.calculation(rule, inputs, as_of).to_dict()

    def supervision(self, total: str, as_of: str = "") -> dict:
        """Does a project need supervision (监理, 第十九条)? Returns verdict, trace and cited clauses.

        Args:
            total: the project's total investment, e.g. 230万元, 2300000元, 二百三十万
            as_of: the day the rule is applied, YYYY-MM-DD; empty means today
        """
        return self._run("supervision", {"total": total}, {}, as_of)

    def adjustment(
        self,
        total: str,
        increase: str = "",
        decrease: str = "",
        new_content: str = "",
        savings: str = "",
        within_estimate: bool | None = None,
        goal_unchanged: bool | None = None,
        situation: str = "",
        as_of: str = "",
    ) -> dict:
        """May the construction unit adjust the budget itself (概算调整, 第二十一条)?

        Args:
            total: the approved total investment (批复概算总投资), e.g. 1000万元
            increase: investment of added content, new content included; empty means the new content alone
            decrease: investment of removed content; empty means 0
            new_content: investment of newly added content (新增的建设内容); empty means 0
            savings: savings from tendering (招标采购结余), which do not count; empty means 0
            within_estimate: the investment stays within the approved estimate; null if not stated
            goal_unchanged: the construction goal is unchanged; null if not stated
            situation: which item of 第二十一条第一款 applies: 1, 2, 3, or none; empty if not stated
            as_of: the day the rule is applied, YYYY-MM-DD; empty means today
        """
        texts = {
            "total": total,
            "increase": increase,
            "decrease": decrease,
            "new_content": new_content,
            "savings": savings,
            "situation": situation,
        }
        flags = {"within_estimate": within_estimate, "goal_unchanged": goal_unchanged}
        return self._run("adjustment", texts, flags, as_of)

    def validity(self, document: str = "", date: str = "", as_of: str = "") -> dict:
        """Is a document in force on a day (第二十九条 for the 办法; the manifest's dates for others)?

        Args:
            document: title, short name or 文号; empty means the 办法
            date: the day or period asked about, e.g. 2027-01-01, 明年, 2026年12月; empty means as_of
            as_of: today's date for relative dates, YYYY-MM-DD; empty means today
        """
        return self._run("validity", {"document": document, "date": date}, {}, as_of)

    def approval_route(
        self,
        funding: list[str],
        in_library: bool | None = None,
        in_plan: bool | None = None,
        classified: bool = False,
        built_before_approval: bool | None = None,
        civil_works: bool | None = None,
        as_of: str = "",
    ) -> dict:
        """Approval (审批) or filing (备案), and the steps, for a project by its funding (第五、七、八、十一、十二条).

        Args:
            funding: funding sources: municipal, service, special, enterprise, self (or their Chinese names)
            in_library: the project is in the project library (项目库); null if not stated
            in_plan: the project is in the annual plan (年度计划); null if not stated
            classified: the project is classified (涉密)
            built_before_approval: construction began before approval; null if not stated
            civil_works: new civil works or a high-energy project; null if not stated
            as_of: the day the rule is applied, YYYY-MM-DD; empty means today
        """
        sources = [funding] if isinstance(funding, str) else funding
        if not isinstance(sources, list) or not all(isinstance(f, str) for f in sources):
            raise RequestError('funding 应为资金来源的列表，如 ["municipal"]。')
        flags = {
            "in_library": in_library,
            "in_plan": in_plan,
            "classified": classified,
            "built_before_approval": built_before_approval,
            "civil_works": civil_works,
        }
        inputs = {"funding": sources} | {key: _flag(value, key) for key, value in flags.items()}
        return self.calculation("approval_route", inputs, as_of).to_dict()

    def negative_list(self, kind: str = "", facts: dict | None = None, as_of: str = "") -> dict:
        """Is a project barred from application (不得申报, 第十条)?

        Args:
            kind: new, upgrade or other (新建, 升级改造, 其他); empty if not stated
            facts: project facts by key, true or false, e.g. {"new_infrastructure": true}; keys: new_infrastructure, department_approved, on_gov_cloud, out_of_touch, updates_stopped, replaceable, long_idle, low_usage, unclear_requirements, unclear_goals, withholds_data
            as_of: the day the rule is applied, YYYY-MM-DD; empty means today
        """
        if facts is not None and not isinstance(facts, dict):
            raise RequestError('facts 应为对象，如 {"new_infrastructure": true}。')
        inputs = {"kind": _text(kind, "kind", 50).strip() or None, "facts": facts or {}}
        return self.calculation("negative_list", inputs, as_of).to_dict()

    def self_evaluation(self, accepted: str, live: str = "", as_of: str = "") -> dict:
        """When is the self-evaluation (自评价, 第二十三条) due?

        Args:
            accepted: the day the project passed acceptance (验收), e.g. 2025-03-01
            live: the day it went into operation (投入运行); empty if not stated
            as_of: today's date, YYYY-MM-DD; empty means today
        """
        return self._run("self_evaluation", {"accepted": accepted, "live": live}, {}, as_of)


ENDPOINTS = (
    "ask",
    "search",
    "article",
    "documents",
    "verify_citation",
    "check",
    "supervision",
    "adjustment",
    "validity",
    "approval_route",
    "negative_list",
    "self_evaluation",
)


def _as_gradio_error(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A RegassistError reaches API clients as a Gradio error carrying its Chinese message."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RegassistError as exc:
            raise gr.Error(str(exc), print_exception=False) from exc

    return wrapper


# --- the screens ----------------------------------------------------------------------------------


_ITEM_MARK = re.compile(r"^\s*[(（][一二三四五六七八九十]+[)）]")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def build(api: Api, settings: Settings) -> gr.Blocks:
    """The Blocks app: 问答, 计算器, 条文浏览, and the API endpoints. Nothing is loaded here."""
    corpus = api.corpus
    rules = api.calculators.rules
    limit = {"concurrency_limit": settings.concurrency, "concurrency_id": "engine"}
    private = {"api_visibility": "private", **limit}

    def banner(as_of: str) -> str:
        try:
            day = api.day(as_of)
        except RegassistError as exc:
            return views.error_html(str(exc))
        return views.status_banner(corpus.meta(corpus.primary_on(day)), day, api.assistant.today())

    with gr.Blocks(title="办法问答助手 · regassist") as demo:
        gr.HTML(
            "<h2 style='margin:0'>包头市本级政务信息化项目建设管理办法 问答助手</h2>"
            "<p style='margin:0;color:#6b7280'>每个回答都附条文原文；数字由规则计算，不由模型生成。</p>"
        )
        with gr.Row(equal_height=True):
            as_of = gr.Textbox(
                label="按哪一天回答（YYYY-MM-DD）",
                max_lines=1,
                scale=1,
                elem_id="as-of",
            )
            with gr.Column(scale=3):
                status = gr.HTML(elem_id="banner")

        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                scope = gr.Radio(list(SCOPES), value=next(iter(SCOPES)), label="范围", elem_id="scope")
                chatbot = gr.Chatbot(
                    label="对话",
                    height=560,
                    latex_delimiters=[],
                    buttons=[],
                    autoscroll=False,  # a long answer would scroll its verdict away; see SHOW_LATEST
                    elem_id="chat",
                    placeholder="问一个关于《包头市本级政务信息化项目建设管理办法(试行)》的问题，或点击下方示例。",
                )
                answers = gr.State([])
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False,
                        placeholder="输入问题，如：总投资230万元的项目需要监理吗？（回车发送）",
                        max_lines=6,
                        scale=6,
                        elem_id="question",
                    )
                    send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                    clear = gr.Button("新对话", scale=1, elem_id="new-chat")
                gr.Examples(EXAMPLES, inputs=[question], label="示例问题（点击填入）")

            with gr.Tab("计算器", id="calculators"):
                calc_forms(api, rules, as_of, limit)

            with gr.Tab("条文浏览", id="browse"):
                browse_screen(demo, api, as_of, private)

            with gr.Tab("引用核对", id="check"):
                check_screen(api, as_of, private)

        def on_ask(text: str, as_of_text: str, scope_label: str, messages: list, history: list[Answer]):
            messages, history = list(messages or []), list(history or [])
            if not text or not text.strip():
                return text, messages, history  # nothing to send
            try:
                answer = api.assistant.ask(
                    text, history=history, as_of=api.given_day(as_of_text), scope=SCOPES.get(scope_label, "all")
                )
            except RegassistError as exc:  # a bad date: the question stays in the box to send again
                messages.append({"role": "assistant", "content": views.error_html(str(exc))})
                return text, messages, history
            messages.append({"role": "user", "content": views.user_html(text)})
            messages.append({"role": "assistant", "content": views.answer_html(answer, corpus)})
            if answer.intent == "invalid":  # too long, control characters…: kept so it can be fixed
                return text, messages, history
            return "", messages, [*history, answer]

        gr.on(
            [send.click, question.submit],
            on_ask,
            [question, as_of, scope, chatbot, answers],
            [question, chatbot, answers],
            **private,
        ).then(None, js=SHOW_LATEST)
        clear.click(lambda: ([], [], ""), None, [chatbot, answers, question], api_visibility="private")
        chatbot.clear(lambda: [], None, [answers], api_visibility="private")
        gr.on([as_of.submit, as_of.blur], banner, [as_of], [status], **private)
        # The day is filled in on each page load (a server running past midnight moves on with it).
        demo.load(
            lambda: (today := api.assistant.today().isoformat(), banner(today)),
            None,
            [as_of, status],
            api_visibility="private",
        )

        for name in ENDPOINTS:
            gr.api(_as_gradio_error(getattr(api, name)), api_name=name, **limit)
    return demo


CHECK_EXAMPLE = "根据《包头市本级政务信息化项目建设管理办法》第十九条，总投资150万元以上的项目应实行监理制。"


def check_screen(api: Api, as_of: gr.Textbox, private: Mapping[str, Any]) -> None:
    """引用核对: paste a memo, get each reference checked (the same checker as `regassist check`)."""
    memo = gr.Textbox(
        label="要核对的文字（备忘录、答复稿）",
        lines=8,
        max_lines=30,
        placeholder=CHECK_EXAMPLE,
        elem_id="check-text",
    )
    with gr.Row():
        run = gr.Button("核对", variant="primary", elem_id="check-run")
        example = gr.Button("填入示例", elem_id="check-example")
    result = gr.HTML(elem_id="check-result")

    def on_check(text: str, as_of_text: str) -> str:
        try:
            report = api.checker.check(text, as_of=api.given_day(as_of_text))
        except RegassistError as exc:
            return views.error_html(str(exc))
        return views.check_html(report, api.corpus)

    run.click(on_check, [memo, as_of], [result], **private)
    example.click(lambda: CHECK_EXAMPLE, None, [memo], api_visibility="private")


def _tri(label: str, elem_id: str | None = None) -> gr.Radio:
    return gr.Radio(list(TRI_STATE), value="未说明", label=label, elem_id=elem_id)


def _calc_handler(api: Api, rule: str, read: Callable[..., dict[str, Any]]) -> Callable[..., str]:
    """A form's click handler: inputs → the calculator → its HTML, or the error message."""

    def handler(*values: Any) -> str:
        *fields, as_of = values
        try:
            return views.calculation_html(api.calculation(rule, read(*fields), as_of), api.corpus)
        except RegassistError as exc:
            return views.error_html(str(exc))

    return handler


def calc_forms(api: Api, rules: Any, as_of: gr.Textbox, limit: Mapping[str, Any]) -> None:
    """One form per calculator; each reads its fields into `Calculators.run` inputs."""

    def form(rule: str, fields: list[Any], read: Callable[..., dict[str, Any]]) -> None:
        button = gr.Button("计算", variant="primary", elem_id=f"calc-{rule}")
        result = gr.HTML(elem_id=f"result-{rule}")
        handler = _calc_handler(api, rule, read)
        texts = [f.submit for f in fields if isinstance(f, gr.Textbox)]
        gr.on([button.click, *texts], handler, [*fields, as_of], [result], api_visibility="private", **limit)

        def again(*values: Any) -> str:
            *inputs, shown = values
            return handler(*inputs) if shown else shown  # a result on screen speaks for the new day

        gr.on([as_of.submit, as_of.blur], again, [*fields, as_of, result], [result], api_visibility="private", **limit)

    with gr.Tabs():
        with gr.Tab("监理（第十九条）", id="calc-supervision-tab"):
            total = gr.Textbox(
                label="项目总投资", placeholder="如 230万元、2300000元、二百三十万", elem_id="supervision-total"
            )
            form("supervision", [total], lambda t: {"total": t})

        with gr.Tab("概算调整（第二十一条）", id="calc-adjustment-tab"):
            with gr.Row():
                a_total = gr.Textbox(label="批复概算总投资", placeholder="如 1000万元", elem_id="adjustment-total")
                a_increase = gr.Textbox(
                    label="增加建设内容的投资（含新增内容；不填则按新增内容计）", elem_id="adjustment-increase"
                )
                a_decrease = gr.Textbox(label="减少建设内容的投资（不填为0）")
            with gr.Row():
                a_new = gr.Textbox(label="其中新增的建设内容投资（不填为0）")
                a_savings = gr.Textbox(label="招标采购形成的资金结余（不计入调整）")
            with gr.Row():
                a_within = _tri("投资规模未超出概算批复", "adjustment-within")
                a_goal = _tri("建设目标不变")
            situations = {"未说明": None, "都不符合": "none"} | {
                f"第（{to_chinese(i)}）项：{_clip(_ITEM_MARK.sub('', q.text), 36)}": str(i)
                for i, q in enumerate(rules.adjustment.situations, 1)
            }
            a_situation = gr.Dropdown(list(situations), value="未说明", label="符合第二十一条第一款的哪一项情形")

            def read_adjustment(total, increase, decrease, new, savings, within, goal, situation):
                return {
                    "total": total,
                    "increase": increase,
                    "decrease": decrease,
                    "new_content": new,
                    "savings": savings,
                    "within_estimate": TRI_STATE.get(within),
                    "goal_unchanged": TRI_STATE.get(goal),
                    "situation": situations.get(situation),
                }

            form(
                "adjustment",
                [a_total, a_increase, a_decrease, a_new, a_savings, a_within, a_goal, a_situation],
                read_adjustment,
            )

        with gr.Tab("效力（第二十九条）", id="calc-validity-tab"):
            documents = [(m.short_name, m.id) for m in api.corpus.entries]
            v_doc = gr.Dropdown(documents, value=api.corpus.primary, label="文件")
            v_date = gr.Textbox(
                label="要判断的日期或期间（不填为上方日期）", placeholder="如 2027-01-01、明年、2026年12月"
            )
            form("validity", [v_doc, v_date], lambda d, when: {"document": d, "date": when})

        with gr.Tab("审批或备案", id="calc-route-tab"):
            funding = [(f.label, f.key) for f in rules.approval_route.funding]
            r_funding = gr.CheckboxGroup(funding, label="资金来源（可多选）")
            with gr.Row():
                r_library = _tri("已纳入项目库")
                r_plan = _tri("已纳入年度计划")
            with gr.Row():
                r_built = _tri("审批前已开工")
                r_civil = _tri("涉及新建土建工程或高耗能项目")
            r_classified = gr.Checkbox(label="涉密项目")

            def read_route(funds, library, plan, built, civil, classified):
                return {
                    "funding": list(funds or []),
                    "in_library": TRI_STATE.get(library),
                    "in_plan": TRI_STATE.get(plan),
                    "built_before_approval": TRI_STATE.get(built),
                    "civil_works": TRI_STATE.get(civil),
                    "classified": bool(classified),
                }

            form("approval_route", [r_funding, r_library, r_plan, r_built, r_civil, r_classified], read_route)

        with gr.Tab("不得申报（第十条）", id="calc-negative-tab"):
            n_kind = gr.Radio(list(KIND_CHOICES), value="未说明", label="项目类型")
            facts = [(key, fact.label) for key, fact in rules.negative_list.facts.items() if key not in KIND_FACTS]
            radios = []
            for start in range(0, len(facts), 3):
                with gr.Row():
                    radios += [_tri(label) for _, label in facts[start : start + 3]]

            def read_negative(kind, *answers):
                given = {key: TRI_STATE.get(a) for (key, _), a in zip(facts, answers, strict=True)}
                return {"kind": KIND_CHOICES.get(kind), "facts": {k: v for k, v in given.items() if v is not None}}

            form("negative_list", [n_kind, *radios], read_negative)

        with gr.Tab("自评价（第二十三条）", id="calc-self-evaluation-tab"):
            with gr.Row():
                s_accepted = gr.Textbox(label="通过验收的日期", placeholder="如 2025-03-01")
                s_live = gr.Textbox(label="投入运行的日期（可不填）", placeholder="如 2025-04-01")
            form("self_evaluation", [s_accepted, s_live], lambda accepted, live: {"accepted": accepted, "live": live})


def browse_screen(demo: gr.Blocks, api: Api, as_of: gr.Textbox, private: Mapping[str, Any]) -> None:
    """Documents → chapters → articles; or a reference typed straight in."""
    corpus = api.corpus
    first = corpus.documents[corpus.primary]
    documents = [(f"{m.short_name}{'' if m.bundled else '（未收录正文）'}", m.id) for m in corpus.entries]

    with gr.Row():
        doc_box = gr.Dropdown(documents, value=corpus.primary, label="文件", elem_id="browse-doc")
        chapter_box = gr.Dropdown(
            [ALL_CHAPTERS, *views.chapters(first)], value=ALL_CHAPTERS, label="章", elem_id="browse-chapter"
        )
        article_box = gr.Dropdown(
            views.articles_in(first), value=first.articles[0].id, label="条", elem_id="browse-article"
        )
    with gr.Row():
        jump = gr.Textbox(
            label="直接打开条文",
            placeholder="如 第二十一条第二款、21条2款、审计法第六条（不写文件名时在当前文件中查找；回车打开）",
            scale=4,
            elem_id="browse-jump",
        )
        open_button = gr.Button("打开", scale=1, elem_id="browse-open")
        previous = gr.Button("上一条", scale=1, elem_id="browse-prev")
        following = gr.Button("下一条", scale=1, elem_id="browse-next")
    with gr.Row():
        with gr.Column(scale=2):
            article_view = gr.HTML(elem_id="browse-text")
        with gr.Column(scale=1):
            document_view = gr.HTML(elem_id="browse-document")

    def find(unit_id: str | None) -> tuple[Document, Any] | None:
        doc_id = (unit_id or "").split(":")[0]
        doc = corpus.documents.get(doc_id)
        article = next((a for a in doc.articles if a.id == unit_id), None) if doc else None
        return (doc, article) if article else None

    def render(doc_id: str, unit_id: str | None, as_of_text: str, mark: tuple[int, int] = (0, 0)) -> tuple[str, str]:
        try:
            day = api.day(as_of_text)
        except RegassistError as exc:
            return views.error_html(str(exc)), ""
        meta = corpus.meta(doc_id)
        card = views.document_html(meta, corpus, day)
        found = find(unit_id)
        if found is None:
            return views.error_html(f"{meta.cite_with_number()}未收录正文，无法显示条文。"), card
        doc, article = found
        return views.article_html(doc, article, corpus, day, mark, api.assistant.references), card

    def on_document(doc_id: str, as_of_text: str):
        doc = corpus.documents.get(doc_id)
        choices = views.articles_in(doc) if doc else []
        value = choices[0][1] if choices else None
        chapters = [ALL_CHAPTERS, *views.chapters(doc)] if doc else [ALL_CHAPTERS]
        text, card = render(doc_id, value, as_of_text)
        return (
            gr.update(choices=chapters, value=ALL_CHAPTERS),
            gr.update(choices=choices, value=value),
            text,
            card,
        )

    def on_chapter(doc_id: str, chapter: str, as_of_text: str):
        doc = corpus.documents.get(doc_id)
        choices = views.articles_in(doc, None if chapter == ALL_CHAPTERS else chapter) if doc else []
        value = choices[0][1] if choices else None
        text, card = render(doc_id, value, as_of_text)
        return gr.update(choices=choices, value=value), text, card

    def on_article(doc_id: str, unit_id: str, as_of_text: str):
        return render(doc_id, unit_id, as_of_text)

    def show(doc: Document, article_id: str, as_of_text: str, mark: tuple[int, int] = (0, 0)):
        text, card = render(doc.id, article_id, as_of_text, mark)
        return (
            gr.update(value=doc.id),
            gr.update(choices=[ALL_CHAPTERS, *views.chapters(doc)], value=ALL_CHAPTERS),
            gr.update(choices=views.articles_in(doc), value=article_id),
            text,
            card,
        )

    def on_jump(reference: str, doc_id: str, as_of_text: str):
        """A reference that names its document opens there; otherwise in the document on screen."""
        try:
            doc, unit = api.locate(_text(reference, "条文", 200), doc_id if doc_id in corpus.documents else None)
        except RegassistError as exc:
            return gr.update(), gr.update(), gr.update(), views.error_html(str(exc)), gr.update()
        article = doc.article(unit.ref.article, unit.ref.suffix)
        mark = (0, 0) if unit is article else (unit.start, unit.end)
        return show(doc, article.id, as_of_text, mark)

    def on_step(doc_id: str, unit_id: str, step: int, as_of_text: str):
        doc = corpus.documents.get(doc_id)
        if doc is None or not doc.articles:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        ids = [a.id for a in doc.articles]
        at = ids.index(unit_id) if unit_id in ids else 0
        to = at + step
        if not 0 <= to < len(ids):  # at either end: said, the article stays
            update = show(doc, ids[at], as_of_text)
            end = "已是第一条。" if to < 0 else f"已是最后一条（{doc.extent()}）。"
            return (*update[:3], views.block(f'<p class="ra-note">{views.esc(end)}</p>') + update[3], update[4])
        return show(doc, ids[to], as_of_text)

    outputs = [doc_box, chapter_box, article_box, article_view, document_view]
    shown = [article_view, document_view]
    doc_box.input(on_document, [doc_box, as_of], [chapter_box, article_box, *shown], **private)
    chapter_box.input(on_chapter, [doc_box, chapter_box, as_of], [article_box, *shown], **private)
    article_box.input(on_article, [doc_box, article_box, as_of], shown, **private)
    gr.on([jump.submit, open_button.click], on_jump, [jump, doc_box, as_of], outputs, **private)
    previous.click(lambda d, u, t: on_step(d, u, -1, t), [doc_box, article_box, as_of], outputs, **private)
    following.click(lambda d, u, t: on_step(d, u, 1, t), [doc_box, article_box, as_of], outputs, **private)
    gr.on([as_of.submit, as_of.blur], on_article, [doc_box, article_box, as_of], shown, **private)
    demo.load(on_article, [doc_box, article_box, as_of], shown, **private)


# --- serving ---------------------------------------------------------------------------------------


def mcp_installed() -> bool:
    """gradio[mcp] is a dependency; the check keeps a slimmer install serving without the tools."""
    return importlib.util.find_spec("mcp") is not None


def create_app(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    """The app over one engine (loaded here unless given), with its queue configured."""
    assistant = assistant or Assistant.create(settings)
    demo = build(Api(assistant), settings)
    demo.queue(max_size=settings.queue_size, default_concurrency_limit=settings.concurrency)
    return demo


def launch_options(settings: Settings) -> dict[str, Any]:
    """How `launch()` is called: never a share link; loopback unless configured."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "auth": settings.credentials,
        "auth_message": "请输入用户名和密码（REGASSIST_AUTH）。",
        "share": False,
        # Gradio's MCP server calls the app back without credentials, so under auth it is left off.
        "mcp_server": mcp_installed() and settings.credentials is None,
        "ssr_mode": False,
        "pwa": False,
        "enable_monitoring": False,
        "footer_links": ["api"],
        "quiet": True,
        "css": CSS,
    }


def exposed_without_auth(settings: Settings) -> bool:
    """Bound beyond loopback with no password: allowed, but said at start-up."""
    if settings.credentials is not None:
        return False
    try:
        return not ipaddress.ip_address(settings.host).is_loopback
    except ValueError:
        return settings.host != "localhost"


def start(settings: Settings, assistant: Assistant | None = None) -> gr.Blocks:
    """Create and launch without blocking; a port taken meanwhile is a ConfigError, not a traceback."""
    demo = create_app(settings, assistant)
    options = launch_options(settings)
    try:
        demo.launch(**options, prevent_thread_lock=True)
    except OSError as exc:
        raise ConfigError(
            f"无法在 {settings.host}:{settings.port} 上监听（{exc}）：请用 --port 或 REGASSIST_PORT 换一个端口。"
        ) from None
    if options["mcp_server"]:
        _json_for_mcp(demo)
    return demo


def _json_for_mcp(demo: gr.Blocks) -> None:
    """MCP tools return JSON text (Gradio would send the Python repr of a dict): one override at the
    seam where Gradio turns an endpoint's output into MCP content."""
    server = getattr(demo, "mcp_server_obj", None)
    if server is None:
        return
    original = server.postprocess_output_data

    def postprocess(data: Any, root_url: str) -> Any:
        data = [json.dumps(x, ensure_ascii=False) if isinstance(x, dict | list) else x for x in data]
        return original(data, root_url)

    server.postprocess_output_data = postprocess


def serve(
    settings: Settings, assistant: Assistant | None = None, *, block: bool = True, say: Callable[[str], None] = print
) -> gr.Blocks:
    """Launch; with `block`, serve until interrupted. `say` gets the addresses once serving."""
    demo = start(settings, assistant)
    url = demo.local_url or f"http://{settings.host}:{settings.port}/"
    lines = [f"已在 {url} 提供服务。", f"API：{url}?view=api（如 /ask）"]
    if launch_options(settings)["mcp_server"]:
        lines.append(f"MCP：{url}gradio_api/mcp/")
    elif settings.credentials is not None:
        lines.append("MCP 未开启：设置了 REGASSIST_AUTH 时，Gradio 的 MCP 服务无法带密码回调本应用。")
    say("\n".join(lines))
    if block:
        demo.block_thread()
    return demo
