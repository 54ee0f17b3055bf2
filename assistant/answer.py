"""The answer engine: one question (and the conversation so far) → a short cited answer.

Each turn is routed — manipulation, another place's rules, a part of the last article, a calculator,
an article reference, a question about a document, an open question, another topic — and answered
deterministically from verified quotes. Every citation is re-read from the document at its offsets
(`citations.verify`) before any text is composed from it; one that fails is dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from .amounts import check_year, parse_date, parse_day
from .calculators import Calculation, Calculators
from .citations import Quote, quote_unit, verify
from .config import Settings, load_settings
from .corpus import Corpus, load_corpus, normalize_name
from .crossrefs import Edge, ReferenceGraph
from .errors import DateError, InvalidQuestion, RequestError
from .extract import ALL_ELSE_FINE, ASKS_WHEN, REQUIRED, Extraction, Extractor
from .guard import Guard, check_question
from .numerals import CN_DIGITS, to_int
from .references import MAX_NUMBER, TITLE_MARKS, UnitRef, number_error
from .retrieve import Hit, Reference, Retriever, SearchResult, referenced_units
from .rules import RuleBook, rule_clause
from .structure import EXPIRED, NOT_YET, DocumentMeta, Paragraph

INTENTS = ("article", "calculator", "validity", "document", "retrieval", "out_of_scope", "injection", "invalid")
SUPPORT_RATIO = 0.85  # a further article is cited when its score is within this share of the best
MAX_SUPPORT = 2
# A question that names no document is answered from the 办法 first when its best 办法 unit scores
# within this share of the best unit overall: near ties only. On the dev sets any lower share moved
# more national-law questions off their law than it moved 办法 questions onto the 办法 (README "Answers").
PRIMARY_RATIO = 0.95

_N = rf"[0-9{CN_DIGITS}]+"
_PART = (
    rf"第\s*(?P<para>{_N})\s*款(?:\s*第\s*(?P<pitem>{_N})\s*项|\s*第?\s*[(（]\s*(?P<pitem2>{_N})\s*[)）]\s*项?)?"
    rf"|第\s*(?P<item>{_N})\s*项|第?\s*[(（]\s*(?P<item2>{_N})\s*[)）]\s*项?"
)
_PART_TOKEN = re.compile(_PART)
# "第二款呢？", "那第（三）项是什么", "它的第三款", "第二款和第三款呢": parts of the article last asked about.
_PARTS_ONLY = re.compile(
    r"^(?:那么?|还有|再看看?|再问一下)?\s*(?:它的|这条的|该条的|本条的)?\s*"
    rf"(?:(?:{re.sub(r'[?]P<[a-z0-9]+>', '?:', _PART)})\s*[和、及与,，]?\s*)+"
    r"(?:呢|是什么|是啥|说的?是?什么|讲的?是?什么|讲了?啥|说了?啥|讲的啥|(?:是)?(?:什么|啥)意思|的内容|的原文|原文|内容|规定了什么)?\s*[?？。!！]*$"
)
_NEIGHBOUR = re.compile(
    r"^(?:那么?)?\s*(?P<which>下一条|后一条|上一条|前一条)\s*(?:呢|是什么|说的?是?什么|讲的?是?什么|的内容|原文)?\s*[?？。!！]*$"
)
_THIS_ONLY = re.compile(
    r"^(?:那么?)?\s*(?:这一?条|该条|本条|此条)\s*(?:的)?"
    r"(?:原文|全文|内容|是什么|是啥|说的?是?什么|讲的?是?什么|讲了?啥|(?:是)?(?:什么|啥)意思|怎么规定的?)\s*[?？。]*$"
)
# "这条", "该条", "它" (not 其它) — the unit or document the last turn was about.
_THIS = re.compile(r"这一?条|该条|本条|此条|这个条文|这个规定|这项规定|(?<!其)它|这个文件|这部法|该法|这个法")
# "这条还有效吗？" — a validity question about the last topic (not "这条适用于哪些项目" or "何时施行").
_THIS_DOC = re.compile(r"这部法律?|该法|这个法|本法|这个文件|该文件")
_STILL_VALID = re.compile(r"有效|失效|生效了|管用|能用|作废|过期|废止")
# Follow-ups that keep the last calculation's inputs: "那如果是150万呢？", "改成2027年3月".
_ELLIPSIS = re.compile(
    r"^(?:那|那么|如果|要是|假如|假设|换成|改成|若|倘若|再)|呢\s*[?？。]*$|如果|要是|假如|改成|换成|改为"
)
_WAS_IT = re.compile(
    r"是[^，。]{0,6}(?:\d{4}年|\d{1,2}月|今年|去年|前年)[^，。]{0,10}(?:发布|印发|出台|施行|实施|生效)的(?:吗|么|嘛)"
)
_CHANGE = re.compile(r"如果|要是|假如|假设|改成|换成|改为|若是|倘若")
_NOW = re.compile(r"^(?:那|那么)?\s*(?:现在|今天|目前|当前|眼下)\s*(?:呢|的话呢?|怎么样)?\s*[?？。]*$")
_PROJECT_EVENT = re.compile(r"验收|投入运行|投运|上线|运行")
_CLASSIFIED = re.compile(r"(?<![非不未没无])涉密|保密项目")
_NOT_CLASSIFIED = re.compile(r"(?:不|没|未|无|非)[^，。]{0,6}$")  # 不属于涉密项目, 不涉及涉密信息
_SHORT_FOLLOW = re.compile(r"^(?:那|那么)?[^，。]{0,12}呢\s*[?？。]*$")
_ACTING = re.compile(r"做|开展|报送|来得及|进行|启动")
_REPLACING = re.compile(r"换成|改成|改为")
_NOT_LIVE = re.compile(r"(?:尚未|还没有?|还未|没有|未)(?:正式)?(?:投入运行|投运|上线|运行)")
# A law named without 《》 (劳动合同法规定…): if it is no known document, the question is not ours.
_LAW_NAME = re.compile(
    r"((?:中华人民共和国)?[\u4e00-\u9fff]{2,10}(?:法|法典|条例))(?=规定|中|里|的|第|是|有|对|上|要求|，|。|？|\?|\s|$)"
)
_NOT_A_LAW = re.compile(
    r"(?:办|方|做|说|算|合|违|依|执|立|用|写|看|想|手|司|守|非|技|语|书|犯|无|没|设|加|减|取|效)法$"
    r"|(?:评分|评标价|评审|比较|分析|计算|统计|这部|本|该|此|这个)法$"
)
_LAW_LEAD = re.compile(r"^(?:依据|根据|按照|依照|采用|对照|参照|用|按)")
# Questions about a document itself: its 文号, issuer, dates, size.
_ABOUT = re.compile(
    r"(?P<number>文号|发文字号|几号文)|(?:一共|总共|共)(?:有)?(?:几|多少)条|有(?:几|多少)条(?:条文)?\s*[?？。]*$|多少个条款"
    r"|(?:谁|哪个(?:单位|部门|机关))(?:发布|印发|制定|出台|发)的?|发布(?:单位|机关|时间|日期)"
    r"|(?:什么时候|何时|哪天|从什么时候)(?:开始)?(?:发布|印发|出台|施行|实施|生效|失效|到期|作废|废止)|施行日期|生效日期|有效期"
    r"|是[^，。]{0,6}(?:\d{4}年|\d{1,2}月|今年|去年|前年)[^，。]{0,10}(?:发布|印发|出台|施行|实施|生效)的(?:吗|么|嘛)"
)
# A document as the subject of a question about dates or size (办法的施行日期, 这部法有几条).
_DOCUMENT_WORD = re.compile(r"办法|文件|这部法|该法|本法|条例|法律|法规|规定")
_CALCULATOR_NAMES = {
    "supervision": "监理计算（第十九条）",
    "adjustment": "概算调整计算（第二十一条）",
    "validity": "效力判断",
    "approval_route": "审批或备案判断",
    "negative_list": "不得申报情形判断（第十条）",
    "self_evaluation": "自评价时间计算（第二十三条）",
}
# What an answer that cannot decide asks for, by calculator.
_NEEDS = {
    "supervision": "项目总投资（如“总投资230万元”）",
    "adjustment": "批复概算总投资，以及增加、减少或新增建设内容的投资额（如“概算1000万，增加150万”）",
    "approval_route": "资金来源（市本级财政资金、采购服务、国家和自治区专项资金、企业提供、自筹资金），以及是否已入库、是否列入年度计划",
    "negative_list": "项目类型（新建或升级改造），以及第十条所列各项情形是否存在",
    "self_evaluation": "项目通过验收的日期和投入运行的日期",
    "validity": "要判断的日期",
}


@dataclass(frozen=True)
class Topic:
    """What a turn was about, so the next turn's ellipses ("第二款呢？", "那150万呢？") resolve."""

    doc_id: str | None = None
    ref: UnitRef | None = None
    rule: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)  # as given to Calculators.run (text)
    on: str | None = None  # the day a calculator question asked about ("明年"), as written


@dataclass(frozen=True)
class Answer:
    """One turn's answer; `to_dict()` is the JSON contract, the rest (topic, dropped) stays inside."""

    question: str
    as_of: date
    answer: str  # markdown
    abstained: bool
    intent: str  # one of INTENTS
    citations: tuple[Quote, ...] = ()
    calculation: Calculation | None = None
    warnings: tuple[str, ...] = ()
    id: Any = None
    topic: Topic = field(default_factory=Topic)
    dropped: int = 0  # citations that failed verification and were not shown
    cross_references: tuple[Edge, ...] = ()  # what the cited units name, and what names them

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract (README: "The JSON contract")."""
        calc = self.calculation
        return {
            "id": self.id,
            "question": self.question,
            "as_of": self.as_of.isoformat(),
            "answer": self.answer,
            "abstained": self.abstained,
            "intent": self.intent,
            "citations": [q.citation() for q in self.citations],
            "calculation": None
            if calc is None
            else {
                "rule": calc.rule,
                "inputs": dict(calc.inputs),
                "outcome": dict(calc.outcome),
                "trace": calc.trace,
                "citations": [q.citation() for q in calc.citations],
            },
            "warnings": list(self.warnings),
            "cross_references": [e.to_dict() for e in self.cross_references],
        }


History = Sequence["Answer | Mapping[str, Any] | str"]


class Assistant:
    """The engine the CLI, the app and the evals share. `Assistant.create()` loads everything once."""

    def __init__(
        self,
        corpus: Corpus,
        retriever: Retriever,
        calculators: Calculators,
        extractor: Extractor,
        guard: Guard,
        *,
        phraser: Any = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.calculators = calculators
        self.extractor = extractor
        self.guard = guard
        self.phraser = phraser
        self.today = today
        self.normalize = retriever.tokenizer.normalize
        self.references = ReferenceGraph.build(corpus, retriever.router)
        self._unbundled = [
            (meta, {normalize_name(n) for n in (meta.title, *meta.aliases, meta.number or "") if len(n) >= 4})
            for meta in corpus.entries
            if meta.id not in corpus.documents
        ]

    @classmethod
    def create(
        cls, settings: Settings | None = None, *, corpus: Corpus | None = None, phraser: Any = None
    ) -> Assistant:
        """Corpus, index, models, rules and refusal patterns; the optional LLM when configured."""
        settings = settings or load_settings()
        corpus = corpus or load_corpus(settings)
        retriever = Retriever.create(settings, corpus)
        calculators = Calculators.create(settings, corpus)
        guard = Guard.load(settings.guard_path)
        if phraser is None and settings.llm_base_url:
            from .phrasing import Phraser

            phraser = Phraser.from_settings(settings)
        return cls(corpus, retriever, calculators, Extractor(calculators.rules), guard, phraser=phraser)

    # --- the one entry ----------------------------------------------------------------------------

    def ask(
        self,
        question: object,
        history: History = (),
        as_of: date | str | None = None,
        scope: str | Sequence[str] | None = "all",
        id: Any = None,
    ) -> Answer:
        """Answer one turn. `history` holds earlier turns (Answers, contract dicts or question strings);
        `as_of` defaults to today. Unusable input becomes an `invalid` answer, not an exception; an
        invalid `as_of`, `scope` or `history` is a RequestError (the caller's mistake, not the asker's)."""
        day = self.day(as_of)
        doc_ids = self.retriever.scope_ids(scope, day)
        shown = question.strip() if isinstance(question, str) else repr(question)[:200]
        try:
            text = check_question(question)
        except InvalidQuestion as exc:
            return Answer(shown, day, str(exc), True, "invalid", warnings=(str(exc),), id=id)
        topic = self._topic(history, day, doc_ids)
        answer = replace(self._route(text, topic, day, doc_ids), question=text, id=id)
        undecided = answer.answer.startswith(("无法计算", "要作出判断"))  # the engine refused a verdict: no rewrite
        if self.phraser is not None and not answer.abstained and not undecided:
            answer = self.phraser.rephrase(answer)
        cited = [q.unit_id for q in answer.citations]
        versions = [self.corpus.version_line(d, day) for d in dict.fromkeys(q.doc_id for q in answer.citations)]
        said = "".join(f"\n\n{line}" for line in versions if line and line not in answer.answer)
        return replace(answer, answer=answer.answer + said, cross_references=tuple(self.references.around(cited)))

    def day(self, as_of: date | str | None) -> date:
        """The day an answer speaks for: `as_of` (a date or YYYY-MM-DD text), or today when None."""
        if as_of is None:
            return self.today()
        if isinstance(as_of, datetime):
            as_of = as_of.date()
        if isinstance(as_of, date):
            return check_year(as_of, "日期")
        if not isinstance(as_of, str):
            raise DateError(f"日期“{as_of}”无效，请写成 YYYY-MM-DD，如 2026-11-26。")
        try:
            return parse_day(as_of, as_of=self.today())
        except DateError:
            raise DateError(f"日期“{as_of}”无效，请写成 YYYY-MM-DD，如 2026-11-26。") from None

    def _topic(self, history: History, day: date, doc_ids: list[str]) -> Topic:
        """The topic after the last turn; turns given as text are asked again (answers are deterministic)."""
        if isinstance(history, str | bytes) or not isinstance(history, Sequence):
            raise RequestError("对话历史应为列表（此前各轮的问题或回答）。")
        topic = Topic()
        for turn in history:
            if isinstance(turn, Answer):
                topic = turn.topic
                continue
            if isinstance(turn, Mapping):
                turn = turn.get("question", turn.get("q"))
            if not isinstance(turn, str):
                raise RequestError("对话历史的每一轮应为问题文本、回答对象或含 question 的 JSON 对象。")
            try:
                text = check_question(turn)
            except InvalidQuestion:
                continue
            topic = self._route(text, topic, day, doc_ids).topic
        return topic

    # --- routing ----------------------------------------------------------------------------------

    def _route(self, text: str, topic: Topic, day: date, doc_ids: list[str]) -> Answer:
        """One turn; a turn that is no calculation keeps the last calculation for a later "那150万呢？"."""
        answer = self._turn(text, topic, day, doc_ids)
        # A reading of the same rule's article keeps the calculation's inputs; another rule's replaces it.
        reading = answer.intent in ("article", "retrieval") and answer.topic.rule == topic.rule
        if topic.rule is not None and (answer.topic.rule is None or reading):
            kept = replace(answer.topic, rule=topic.rule, inputs=topic.inputs, on=topic.on)
            answer = replace(answer, topic=kept)
        return answer

    def _turn(self, text: str, topic: Topic, day: date, doc_ids: list[str]) -> Answer:
        normalized = self.normalize(text)
        if self.guard.manipulation(normalized):
            return self._refuse(text, day, "injection", self.guard.injection_refusal, topic)
        named = self.retriever.router.mentioned(text)
        named = self.corpus.version_on(named, day) if named else None
        primary = self.corpus.primary_on(day)
        # "北京市…管理办法" matches the 办法's short name too; only a national law's name or 包头 outranks it.
        ours = (named is not None and named != primary) or "包头" in normalized
        place = None if ours else self.guard.other_place(normalized)
        if place:
            note = f"问题问的是其他地方的规定（“{place}”），不在本助手收录的文件中。"
            return self._out_of_scope(text, day, topic, note)
        if _WAS_IT.search(normalized) and (about := self._about(text, normalized, day, topic, named)):
            return about  # "办法是2025年1月1日施行的吗？": the date on record, not a validity check of that day
        parts = self._parts_of_topic(normalized, topic)
        if parts is not None:
            if not parts:
                message = "请先说明是哪一条，例如“第二十一条第二款”或“政府采购法第二十六条第一款”。"
                return self._refuse(text, day, "article", message, topic)
            return self._article(text, day, parts, topic)
        fresh = self._document_of(self.extractor.extract(text), text, normalized, topic, named)
        if fresh is not None and fresh.rule != "validity" and primary not in doc_ids:
            message = "这是按办法计算的问题，但所选的检索范围不含办法；请把范围设为 all 或 primary。"
            return replace(self._refuse(text, day, "calculator", message, topic), warnings=(message,))
        default = doc_ids[0] if len(doc_ids) == 1 else None
        router_text = text
        if topic.doc_id and named is None and (_SHORT_FOLLOW.match(normalized) or _THIS_DOC.search(normalized)):
            default = topic.doc_id  # "第二十二条呢？" / "这部法第二十条" after a turn about 网络安全法
            router_text = _THIS_DOC.sub("", normalized)
        references = self.retriever.router.find(router_text, default, day=day)
        if fresh is not None and (not fresh.missing or fresh.problem):
            return self._calculate(text, normalized, day, fresh, topic, named, references)
        if references and fresh is None and _STILL_VALID.search(normalized) and not ASKS_WHEN.search(normalized):
            ref = next((r for r in references if not r.error), None)
            if ref is not None:  # "第十九条还有效吗？": the validity of its document, the article kept
                asked = Extraction("validity", {"document": ref.doc_id}, ())
                return self._calculate(text, normalized, day, asked, topic, named, references)
        if references:
            works = {self.corpus.meta(d).work_id for d in doc_ids}  # 包府办发〔2024〕106号 after its successor
            outside = [
                r
                for r in references
                if not r.error and r.doc_id in self.corpus.documents and self.corpus.meta(r.doc_id).work_id not in works
            ]
            if outside and len(outside) == len(references):
                message = f"问题问的是{self.corpus.meta(outside[0].doc_id).cite_title()}，不在所选的检索范围内。"
                return replace(self._refuse(text, day, "article", message, topic), warnings=(message,))
            return self._article(text, day, references, topic)
        carried = self._follow_up(text, normalized, topic, fresh, named)
        if carried is not None and (not carried.missing or carried.problem):
            return self._calculate(text, normalized, day, carried, topic, named, [])
        about = self._about(text, normalized, day, topic, named)
        if about is not None:
            return about
        unread = _CHANGE.search(normalized) and re.search(r"[\d零一二两三四五六七八九十百千万亿]", normalized)
        if topic.rule and unread and len(normalized) <= 20 and carried is None and fresh is None:
            message = (
                f"没能从“{text}”读出要改变的条件。上一问用的是{_CALCULATOR_NAMES.get(topic.rule, topic.rule)}，"
                f"请说明要改的是哪一项，例如“那如果总投资是150万呢？”。"
            )
            return self._refuse(text, day, "validity" if topic.rule == "validity" else "calculator", message, topic)
        wanted = (carried or fresh).rule if (carried or fresh) else self.extractor.wants(text)
        return self._open(text, normalized, day, doc_ids, topic, named, wanted)

    def _parts_of_topic(self, normalized: str, topic: Topic) -> list[Reference] | None:
        """ "第二款呢？", "下一条", "这条原文": parts or neighbours of the article last asked about; None when
        the question is not one of these, [] when it is but there is no article to resolve it against."""
        this, neighbour, parts = (
            _THIS_ONLY.match(normalized),
            _NEIGHBOUR.match(normalized),
            _PARTS_ONLY.match(normalized),
        )
        if not (this or neighbour or parts):
            return None
        if topic.ref is None or topic.doc_id is None:
            return []
        article = UnitRef(article=topic.ref.article, suffix=topic.ref.suffix, document=topic.doc_id)
        if this:
            return [Reference(article, topic.doc_id, (0, 0))]
        if neighbour:
            step = 1 if neighbour.group("which") in ("下一条", "后一条") else -1
            number = topic.ref.article + step
            if number < 1:
                return [Reference(article, topic.doc_id, (0, 0), "已经是第一条，没有上一条。")]
            return [Reference(UnitRef(article=number, document=topic.doc_id), topic.doc_id, (0, 0))]
        found = []
        for m in _PART_TOKEN.finditer(normalized):
            try:
                numbers = {k: to_int(v) for k, v in m.groupdict().items() if v}
            except ValueError:
                numbers = {"bad": 0}
            if any(not 1 <= v <= MAX_NUMBER for v in numbers.values()):
                error = number_error(m.group(0))
                found.append(Reference(article, topic.doc_id, (0, 0), error))
                continue
            paragraph = numbers.get("para")
            item = numbers.get("pitem") or numbers.get("pitem2") or numbers.get("item") or numbers.get("item2")
            if paragraph is None and item is not None:
                paragraph = self._paragraph_with_items(topic)  # 第三项 of the 款 we were in, if it has items
            ref = replace(article, paragraph=paragraph, item=item)
            found.append(Reference(ref, topic.doc_id, (0, 0)))
        return found

    def _paragraph_with_items(self, topic: Topic) -> int | None:
        if topic.ref is None or topic.ref.paragraph is None or topic.doc_id not in self.corpus.documents:
            return None
        try:
            _, unit = self.corpus.lookup(replace(topic.ref, item=None, subitem=None), topic.doc_id)
        except RequestError:
            return None
        return topic.ref.paragraph if getattr(unit, "items", ()) else None

    def _document_of(
        self, extraction: Extraction | None, text: str, normalized: str, topic: Topic, named: str | None
    ) -> Extraction | None:
        """A validity question's document: the one it names, else the one "这条/这部法" points at (the
        last turn's), else the 办法. "这条还有效吗？" is a validity question about the last topic."""
        deixis = topic.doc_id is not None and _THIS.search(normalized) is not None
        if extraction is None and deixis and _STILL_VALID.search(normalized) and not ASKS_WHEN.search(normalized):
            extraction = self.extractor.extract(text, rule="validity") or Extraction("validity", {}, ())
        if extraction is None or extraction.rule != "validity":
            return extraction
        document = named or (topic.doc_id if _THIS.search(normalized) else None)
        if document is None:
            return extraction
        return replace(extraction, inputs={**extraction.inputs, "document": document})

    def _follow_up(
        self, text: str, normalized: str, topic: Topic, fresh: Extraction | None, named: str | None
    ) -> Extraction | None:
        """An elliptical turn after a calculation: the last inputs, with what this turn changes."""
        elliptical = _ELLIPSIS.search(normalized) or _THIS.search(normalized) or ALL_ELSE_FINE.search(normalized)
        if not topic.rule or not elliptical:
            return None
        if _NOW.match(normalized):  # "那现在呢？": the same question for today
            inputs = {k: v for k, v in topic.inputs.items() if not (topic.rule == "validity" and k == "date")}
            return Extraction(topic.rule, inputs, ())
        if fresh is None and (wanted := self.extractor.wants(text)) and wanted != topic.rule:
            fresh = Extraction(wanted, {}, REQUIRED.get(wanted, ()))  # "那需要监理吗？" after 概算调整
        if fresh is not None and fresh.rule != topic.rule:
            shared = {k: topic.inputs[k] for k in fresh.missing if k == "total" and k in topic.inputs}
            if not shared:
                return None  # another calculator, asked afresh ("那需要做自评价吗")
            inputs = {**fresh.inputs, **shared}
            return replace(fresh, inputs=inputs, missing=tuple(k for k in fresh.missing if k not in inputs))
        extraction = fresh or self.extractor.extract(text, rule=topic.rule)
        if extraction is None and topic.rule == "self_evaluation" and _NOT_LIVE.search(normalized):
            extraction = Extraction(topic.rule, {}, ())  # "那要是还没上线呢？"
        if extraction is None or extraction.rule != topic.rule:
            return None
        merged = _merge(topic.inputs, extraction.inputs)
        if extraction.filled:  # "那其他都符合呢？" fills only what was never said: facts stated earlier stand
            new = extraction.inputs.get("facts", {})
            filled = {k: v for k, v in new.items() if k in extraction.filled}
            restated = {k: v for k, v in new.items() if k not in extraction.filled}
            merged["facts"] = {**filled, **topic.inputs.get("facts", {}), **restated}
        if extraction.rule == "validity" and named is not None:
            merged["document"] = named  # "那审计法呢？"
        if extraction.rule == "self_evaluation" and _NOT_LIVE.search(normalized):
            merged.pop("live", None)
        on = extraction.on or topic.on
        if (
            extraction.rule == "self_evaluation"
            and "accepted" in extraction.inputs
            and "accepted" in topic.inputs
            and not _PROJECT_EVENT.search(normalized)
            and not _REPLACING.search(normalized)
            and _ACTING.search(normalized)
        ):  # "那2027年7月1日做还来得及吗？": the day asked about, not a new acceptance date
            on = extraction.inputs["accepted"]
            merged["accepted"] = topic.inputs["accepted"]
        return replace(
            extraction,
            inputs=merged,
            missing=tuple(k for k in extraction.missing if k not in merged),
            on=on,
        )

    # --- answers ----------------------------------------------------------------------------------

    def _refuse(self, text: str, day: date, intent: str, message: str, topic: Topic | None = None) -> Answer:
        """No answer: the message, no citations; the conversation's topic survives the turn."""
        return Answer(text, day, message, True, intent, topic=topic or Topic())

    def _out_of_scope(self, text: str, day: date, topic: Topic, note: str | None = None) -> Answer:
        names = "、".join(
            f"《{self.corpus.meta(d).short_name}》"
            for d in self.corpus.in_force_ids(day)
            if d != self.corpus.primary_on(day)
        )
        message = self.guard.refusal.format(documents=names)
        return self._refuse(text, day, "out_of_scope", f"{note}\n\n{message}" if note else message, topic)

    def _article(self, text: str, day: date, references: list[Reference], topic: Topic) -> Answer:
        """The units a question names, quoted whole; what does not exist is said, never guessed."""
        found, notices = referenced_units(self.corpus, references)
        quotes = [quote_unit(doc, unit) for (doc, unit), _ in found]
        if not quotes:
            unknown = all(r.unknown_document for r in references if r.error) and any(r.error for r in references)
            answer = self._refuse(text, day, "out_of_scope" if unknown else "article", "\n".join(notices), topic)
            return replace(answer, warnings=tuple(notices))

        def compose(shown: list[Quote]) -> list[str]:
            return [f"**{q.tag}**\n\n{_blockquote(q.text)}" for q in shown]

        return self._finish(text, day, "article", quotes, compose, notices=notices)

    def _calculate(
        self,
        text: str,
        normalized: str,
        day: date,
        extraction: Extraction,
        topic: Topic,
        named: str | None,
        references: list[Reference],
    ) -> Answer:
        """A calculator's verdict, trace and clauses, for the day the question speaks for; "无法计算" with
        the rule's clause when an input cannot be read."""
        intent = "validity" if extraction.rule == "validity" else "calculator"
        document = extraction.inputs.get("document") if extraction.rule == "validity" else None
        clause = rule_clause(self._book(day), extraction.rule, self._doc_id(document, day))
        notes: list[str] = []
        if named and named != self.corpus.primary_on(day) and extraction.rule != "validity":
            notes.append(f"问题提到{self.corpus.meta(named).cite_title()}；以上计算依据的是办法的规定。")
        asked = day
        if extraction.on:
            try:
                span = parse_date(extraction.on, as_of=day, field="问题所问日期")
            except DateError as exc:
                notes.append(f"{exc} 以下按 {day} 判断。")
            else:
                asked = day if span.start <= day <= span.end else span.start  # 今年 is today, not 1 January
                first = "" if span.is_day or asked == day else f"（取其第一天 {asked}）"
                notes.append(f"问题问的是“{extraction.on}”的情况，以下按 {asked}{first} 判断。")
        secret = _CLASSIFIED.search(normalized)
        outside = secret is not None and not _NOT_CLASSIFIED.search(normalized[: secret.start()])
        if outside and extraction.rule not in ("validity", "approval_route"):
            clause = self._book(day).approval_route.classified
            problem = "涉密项目不适用本办法（第二条只适用于非涉密政务信息化项目），应按国家有关保密规定执行。"
            return self._carry(
                self._finish(
                    text,
                    asked,
                    intent,
                    [clause],
                    lambda shown: [f"不适用：{problem}"] + [f"依据{q.tag}“{q.text}”" for q in shown],
                    extra=[problem],
                ),
                extraction,
                topic,
            )
        try:
            if extraction.problem:
                raise RequestError(extraction.problem)
            if (
                extraction.rule == "self_evaluation"
                and "live" not in extraction.inputs
                and _NOT_LIVE.search(normalized)
            ):
                raise RequestError(
                    "项目尚未投入运行：自评价期限自项目通过验收并投入运行后起算，投入运行后一至两年内开展自评价。"
                )
            calc = self.calculators.run(extraction.rule, extraction.inputs, as_of=asked)
        except RequestError as exc:
            # An input the calculator refuses (230 without a unit, 2月30日): no verdict, but the rule's clause.
            problem = str(exc)

            def refused(shown: list[Quote]) -> list[str]:
                return [f"无法计算：{problem}"] + [f"相关规定：\n\n**{q.tag}**\n\n{_blockquote(q.text)}" for q in shown]

            if clause is None:
                return self._carry(
                    replace(self._refuse(text, asked, intent, f"无法计算：{problem}", topic), warnings=(problem,)),
                    extraction,
                    topic,
                )
            answer = self._finish(text, asked, intent, [clause], refused, extra=[problem])
            return self._carry(answer, extraction, topic)
        # The clause the conclusion names leads (第十条第（五）项 before 第十条's lead-in), then the trace's order.
        unique = sorted(
            dict.fromkeys(calc.citations),
            key=lambda q: -len(q.unit_label) if q.unit_label in calc.conclusion else 1,
        )
        failures = [q for q in unique if verify(q, self.corpus)]
        if failures:  # a trace quotes every citation: one that fails withholds the whole calculation
            message = "规则数据与条文核验不一致，无法给出计算结果；请管理员检查 corpus/rules.toml。"
            warning = f"有 {len(failures)} 条引文未通过原文核验，已删除。"
            answer = self._refuse(text, asked, intent, message, topic)
            return replace(answer, warnings=(message, warning), dropped=len(failures))

        lapsed = [f"**注意：{w}**" for w in calc.warnings if "已失效" in w or "尚未施行" in w]

        def compose(shown: list[Quote]) -> list[str]:
            trace = "\n".join(f"{i}. {t}" for i, t in enumerate(calc.trace, 1))
            body = [calc.conclusion, *lapsed, "**计算过程**", trace]  # an expired 办法 is said right after the verdict
            if calc.assumptions:
                body.append("**假设**（问题未说明，按此计算）\n\n" + "\n".join(f"- {a}" for a in calc.assumptions))
            main = _main_units(shown)
            if main:
                body.append("**依据**\n\n" + "\n\n".join(f"{q.tag}“{q.text}”" for q in main))
            return [*body, *notes]

        answer = self._finish(text, asked, intent, unique, compose, calculation=calc, extra=calc.warnings)
        return self._carry(answer, extraction, topic, references)

    def _book(self, day: date) -> RuleBook:
        """The rule data of the day (a version without its own falls back to the primary's clauses)."""
        return self.calculators.book_on(day) or self.calculators.rules

    def _doc_id(self, name: str | None, day: date | None = None) -> str | None:
        try:
            return self.corpus.resolve(name, day).id
        except RequestError:
            return None

    def _carry(
        self, answer: Answer, extraction: Extraction, topic: Topic, references: Sequence[Reference] = ()
    ) -> Answer:
        """The next turn may change an input ("那150万呢？"). A validity answer keeps the article the
        conversation was on ("这条还有效吗？" then "第二款呢？"), or is about its document."""
        kept = answer.topic
        if extraction.rule == "validity":
            doc_id = self._doc_id(extraction.inputs.get("document"))
            named_ref = next((r for r in references if not r.error and r.doc_id == doc_id), None)
            if named_ref is not None:  # 网络安全法第二十一条还有效吗 → then 第二款呢
                kept = Topic(doc_id, replace(named_ref.ref, document=doc_id))
            elif doc_id is not None and topic.doc_id == doc_id and topic.ref is not None:
                kept = Topic(topic.doc_id, topic.ref)
            elif doc_id is not None and kept.doc_id != doc_id:
                kept = Topic(doc_id)
        return replace(
            answer, topic=replace(kept, rule=extraction.rule, inputs=dict(extraction.inputs), on=extraction.on)
        )

    def _about(self, text: str, normalized: str, day: date, topic: Topic, named: str | None) -> Answer | None:
        """文号, issuer, dates, size of a document: from the manifest, with the clause that states its term."""
        about = _ABOUT.search(normalized)
        this = topic.doc_id if topic.doc_id and _THIS.search(normalized) else None
        if not about or not (named or this or about.group("number") or _DOCUMENT_WORD.search(normalized)):
            return None  # 招标公告的发布时间, 测评报告有效期: not about a document of ours
        doc_id = named or this or self.corpus.primary_on(day)
        meta = self.corpus.meta(doc_id)
        doc = self.corpus.documents.get(doc_id)
        clause = rule_clause(self._book(day), "validity", doc_id)
        facts = _document_facts(meta, day)
        if doc is not None:
            facts.append(f"条文：共{len(doc.articles)}条（第一条至{doc.articles[-1].label}）。" if doc.articles else "")
        else:
            facts.append("正文：未收录，无法引用其条文。")

        def compose(shown: list[Quote]) -> list[str]:
            lead = [f"{meta.cite_title()}：", "\n".join(f"- {f}" for f in facts if f)]
            return lead + [f"依据{q.tag}：\n\n{_blockquote(q.text)}" for q in shown]

        if clause is None:  # a national law's facts come from the manifest alone
            body = "\n".join(compose([]))
            return Answer(
                text, day, body, False, "document", topic=Topic(doc_id, topic.ref if topic.doc_id == doc_id else None)
            )
        answer = self._finish(text, day, "document", [clause], compose)
        return replace(answer, topic=Topic(doc_id, answer.topic.ref))

    def _open(
        self,
        text: str,
        normalized: str,
        day: date,
        doc_ids: list[str],
        topic: Topic,
        named: str | None,
        wanted: str | None,
    ) -> Answer:
        """An open question: the best units by retrieval, or a refusal when nothing in scope fits."""
        unknown_titles = [t for t in TITLE_MARKS.findall(text) if self._doc_id(t) is None]
        for name in _LAW_NAME.findall(normalized):
            name = _LAW_LEAD.sub("", name)
            if not _NOT_A_LAW.search(name) and not _THIS_DOC.fullmatch(name) and self._doc_id(name) is None:
                unknown_titles.append(name)
        if named is None and unknown_titles:
            note = f"问题提到的《{unknown_titles[0]}》不在本助手收录的文件中。"
            return self._out_of_scope(text, day, topic, note)
        if named is not None and named not in self.corpus.documents:
            message = f"{self.corpus.meta(named).cite_with_number()}未收录正文，无法引用其条文。"
            citing = self._citing(named, doc_ids)
            if citing:  # "这个办法是根据国家政务信息化项目建设管理办法制定的吗？": what cites it can be quoted

                def compose(shown: list[Quote]) -> list[str]:
                    quoted = "\n\n".join(f"{q.tag}\n\n{_blockquote(q.text)}" for q in shown)
                    return [f"{message}收录的文件中提到它的条文：\n\n{quoted}"]

                return self._finish(text, day, "retrieval", citing, compose, extra=[message])
            return replace(self._refuse(text, day, "retrieval", message, topic), warnings=(message,))
        if named is not None and named not in doc_ids:
            message = f"问题问的是{self.corpus.meta(named).cite_title()}，不在所选的检索范围内。"
            return replace(self._refuse(text, day, "retrieval", message, topic), warnings=(message,))
        if named is None and wanted is None and self.guard.off_topic(normalized):
            return self._out_of_scope(text, day, topic)
        result = self.retriever.search(text, k=5, scope=doc_ids, route=False)
        sure = result.relevant or wanted is not None or named is not None
        if not result.hits or not (sure or self.guard.in_domain(normalized, result.relevance)):
            return self._out_of_scope(text, day, topic)
        return self._retrieved(text, day, result, wanted, first_primary=named is None, scope=doc_ids)

    def _retrieved(
        self, text: str, day: date, result: SearchResult, wanted: str | None, first_primary: bool, scope: list[str]
    ) -> Answer:
        hits = list(result.hits)
        banfa = None
        own_id = self.corpus.primary_on(day)
        if first_primary and hits[0].entry.doc_id != own_id:
            primary = next((h for h in hits if h.entry.doc_id == own_id), None)
            if primary is not None and primary.score >= PRIMARY_RATIO * hits[0].score:
                hits.remove(primary)
                hits.insert(0, primary)  # a near tie goes to the 办法; the national provision stays as support
            elif own_id in scope:
                own = self.retriever.search(text, k=1, scope=[own_id], route=False)
                banfa = own.hits[0] if own.relevant and own.hits else None  # the 办法's own clause, beside the law
        main = hits[0]
        chosen = [main] + [
            h for h in hits[1:] if h.score >= SUPPORT_RATIO * main.score and _article_key(h) != _article_key(main)
        ][:MAX_SUPPORT]
        if banfa is not None:
            chosen.insert(1, banfa)
        quotes = [self._hit_quote(h) for h in chosen]
        lead_in = self._lead_in(quotes[0])
        if lead_in is not None:
            quotes.insert(1, lead_in)

        def compose(shown: list[Quote]) -> list[str]:
            body: list[str] = []
            if wanted is not None:
                body.append(f"要作出判断，还需要：{_NEEDS[wanted]}。请补充后再问。以下是相关规定。")
            lead, *rest = shown
            body.append(f"依据{lead.tag}：\n\n{_blockquote(lead.text)}")
            if rest and lead_in is not None and rest[0] == lead_in:  # what the item is a case of, under its own tag
                rest.pop(0)
                body.append(f"该项列于{lead_in.tag}“{lead_in.text}”之下。")
            if rest:
                body.append("相关条文：\n\n" + "\n\n".join(f"{q.tag}\n\n{_blockquote(q.text)}" for q in rest))
            return body

        return self._finish(text, day, "retrieval", quotes, compose, notices=list(result.notices))

    def _rule_of(self, quote: Quote) -> str | None:
        """The calculator whose rule the quoted article states (第十九条 → supervision), so that after
        reading it "那150万呢？" is calculated rather than read as a new question."""
        for rule in ("supervision", "adjustment", "negative_list", "self_evaluation", "validity"):
            clause = rule_clause(self.calculators.books.get(quote.doc_id, self.calculators.rules), rule, quote.doc_id)
            if clause is not None and (clause.doc_id, clause.ref.article) == (quote.doc_id, quote.ref.article):
                return rule
        return None

    def _lead_in(self, quote: Quote) -> Quote | None:
        """An item read alone ("(一)含有新建机房…的项目;") lacks what it is a case of: the words of its
        款 before the first item ("以下政务信息化项目原则上不得申报:")."""
        if quote.ref.item is None or quote.ref.subitem is not None:
            return None
        doc = self.corpus.documents[quote.doc_id]
        paragraph = doc.find(replace(quote.ref, item=None))
        if not isinstance(paragraph, Paragraph) or not paragraph.items:
            return None
        words = doc.text[paragraph.start : paragraph.items[0].start].strip()
        return quote_unit(doc, paragraph, words) if words else None

    def _hit_quote(self, hit: Hit) -> Quote:
        e = hit.entry
        doc = self.corpus.documents[e.doc_id]
        unit = doc.find(UnitRef(article=e.article, suffix=e.suffix, paragraph=e.paragraph, item=e.item))
        return quote_unit(doc, unit)

    def _finish(
        self,
        text: str,
        day: date,
        intent: str,
        quotes: Iterable[Quote],
        compose: Callable[[list[Quote]], list[str]],
        *,
        calculation: Calculation | None = None,
        notices: Iterable[str] = (),
        extra: Iterable[str] = (),
    ) -> Answer:
        """Verify every citation and drop what fails before any text is composed from them; then add
        notes on validity and on documents not bundled. Nothing verified to show is an abstention."""
        shown: list[Quote] = []
        dropped = 0
        for q in dict.fromkeys(quotes):
            if verify(q, self.corpus) is None:
                shown.append(q)
            else:
                dropped += 1
        if dropped and not shown:
            message = "引用的条文未通过原文核验，不能显示。"
            warning = f"有 {dropped} 条引文未通过原文核验，已删除。"
            return replace(self._refuse(text, day, intent, message), warnings=(warning,), dropped=dropped)
        body = compose(shown)
        notes = list(notices)
        warnings = list(dict.fromkeys([*notices, *extra]))
        if calculation is None or calculation.rule != "validity":
            validity, expired = self._validity(shown, day, skip=calculation is not None)
            notes += validity
            warnings += expired
        elif calculation.outcome.get("status") in (EXPIRED, NOT_YET, "部分时间有效"):
            warnings.append(calculation.conclusion.split("。")[0] + "。")  # the verdict is the warning
        notes += self._unbundled_mentions(shown)
        if dropped:
            warnings.append(f"有 {dropped} 条引文未通过原文核验，已删除。")
        main = shown[0] if shown else None
        rule = self._rule_of(main) if main and calculation is None else None
        topic = Topic(main.doc_id, _unit_ref(main), rule=rule) if main else Topic()
        return Answer(
            text,
            day,
            "\n\n".join(part for part in [*body, *notes] if part),
            False,
            intent,
            tuple(shown),
            calculation,
            tuple(dict.fromkeys(warnings)),
            topic=topic,
            dropped=dropped,
        )

    def _validity(self, quotes: list[Quote], day: date, skip: bool = False) -> tuple[list[str], list[str]]:
        """One line per cited document on its status for the day; warnings when it is not in force
        (`skip`: a calculation has warned already)."""
        notes: list[str] = []
        warnings: list[str] = []
        for doc_id in dict.fromkeys(q.doc_id for q in quotes):
            meta = self.corpus.meta(doc_id)
            status = meta.status_on(day)
            line = f"效力：按 {day}，{meta.cite_title()}{status}{_term(meta)}。"
            if status == EXPIRED and meta.expiry_date:
                line = (
                    f"**注意：按 {day}，{meta.cite_title()}已失效**（有效期至 {meta.expiry_date}，"
                    f"{meta.expiry_date + timedelta(days=1)} 起失效）。以上为其原有规定，仅供参考，请以届时有效的规定为准。"
                )
            elif status == NOT_YET:
                line = f"**注意：按 {day}，{meta.cite_title()}尚未施行**{_term(meta)}。"
            if status in (EXPIRED, NOT_YET) and not skip:
                warnings.append(line.replace("**", ""))
            notes.append(f"{line}{meta.version_note(day) or ''}")
        return notes, warnings

    def _citing(self, doc_id: str, scope: list[str]) -> list[Quote]:
        """The 款 of bundled documents in scope that name a document whose own text is not bundled."""
        names = next((n for meta, n in self._unbundled if meta.id == doc_id), set())
        found = []
        for doc in (self.corpus.documents[d] for d in scope if d in self.corpus.documents):
            for article in doc.articles:
                for paragraph in article.paragraphs:
                    if any(name in normalize_name(paragraph.text) for name in names):
                        found.append(quote_unit(doc, paragraph if len(article.paragraphs) > 1 else article))
        return found[: MAX_SUPPORT + 1]

    def _unbundled_mentions(self, quotes: list[Quote]) -> list[str]:
        """Documents a quoted text names whose own text is not bundled: said, with their 文号."""
        return [
            f"条文提到的{meta.cite_with_number()}未收录正文，无法引用其条文。"
            for meta, names in self._unbundled
            if any(any(name in normalize_name(q.text) for name in names) for q in quotes)
        ]


def _term(meta: DocumentMeta) -> str:
    """（2024-12-01 起施行，有效期至 2026-11-30）, or nothing when the manifest records neither."""
    return f"（{meta.term()}）" if meta.term() else ""


def _document_facts(meta: DocumentMeta, day: date) -> list[str]:
    """What the manifest records about a document, for questions about the document itself."""
    facts = []
    if meta.number:
        facts.append(f"文号：{meta.number}")
    if meta.issuer:
        facts.append(f"发布机关：{meta.issuer}")
    if meta.publish_date:
        facts.append(f"发布日期：{meta.publish_date}")
    if meta.effective_date:
        facts.append(f"施行日期：{meta.effective_date}")
    if meta.expiry_date:
        facts.append(f"有效期至：{meta.expiry_date}")
    facts.append(f"效力：按 {day}，{meta.status_on(day)}")
    return facts


def _merge(earlier: Mapping[str, Any], now: Mapping[str, Any]) -> dict[str, Any]:
    """A follow-up's inputs over the last turn's; project facts (a table) merge fact by fact."""
    merged = dict(earlier)
    for key, value in now.items():
        before = merged.get(key)
        merged[key] = {**before, **value} if isinstance(before, Mapping) and isinstance(value, Mapping) else value
    return merged


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _article_key(hit: Hit) -> tuple[str, int, int | None]:
    return hit.entry.doc_id, hit.entry.article, hit.entry.suffix


def _unit_ref(q: Quote) -> UnitRef:
    return replace(q.ref, document=q.doc_id, subitem=None)


def _main_units(quotes: Iterable[Quote]) -> list[Quote]:
    """The clauses a calculation rests on, once each (its trace already shows the phrases)."""
    seen: dict[str, Quote] = {}
    for q in quotes:
        best = seen.get(q.unit_id)
        if best is None or len(q.text) > len(best.text):
            seen[q.unit_id] = q
    return list(seen.values())
