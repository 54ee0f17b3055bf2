"""The answer engine: one question (and the conversation so far) → a short cited answer.

Each turn is routed — manipulation, article lookup, calculator, validity, open question, other topic —
and answered deterministically from verified quotes. Every citation is re-read from the document at
its offsets (`citations.verify`) before it is shown; one that fails is dropped and counted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from .calculators import Calculation, Calculators
from .citations import Quote, quote_unit, verify
from .config import Settings, load_settings
from .corpus import Corpus, load_corpus, normalize_name
from .errors import DateError, RequestError
from .extract import Extraction, Extractor
from .guard import Guard, InvalidQuestion, check_question
from .numerals import CN_DIGITS, to_int
from .references import UnitRef
from .retrieve import Hit, Reference, Retriever, SearchResult
from .structure import EXPIRED, NOT_YET

INTENTS = ("article", "calculator", "validity", "retrieval", "out_of_scope", "injection", "invalid")
SUPPORT_RATIO = 0.85  # a further article is cited when its score is within this share of the best
MAX_SUPPORT = 2

_N = rf"[0-9{CN_DIGITS}]+"
# "第二款呢？", "那第（三）项是什么", "第3项的内容" — a part of the article the last turn was about.
_PART = re.compile(
    rf"^(?:那么?|还有|再看看?|再问一下|那)?\s*(?:第\s*(?P<para>{_N})\s*款)?\s*"
    rf"(?:第\s*(?P<item>{_N})\s*项|第?\s*[(（]\s*(?P<item2>{_N})\s*[)）]\s*项?)?\s*"
    r"(?:呢|是什么|说的?是?什么|讲的?是?什么|的内容|的原文|原文|内容)?\s*[?？。!！]*$"
)
# "这条", "该条", "它" — the unit or document the last turn was about.
_THIS = re.compile(r"这一?条|该条|本条|此条|上一?条|这个条文|这个规定|这项规定|它|这个文件|这部法|该法|这个法")
_THIS_ONLY = re.compile(
    r"^(?:那|那么)?\s*(?:这一?条|该条|本条|此条|上一?条)\s*(?:的)?"
    r"(?:原文|全文|内容|是什么|说的?是?什么|讲的?是?什么|怎么规定的?)\s*[?？。]*$"
)
# Follow-ups that keep the last calculation's inputs: "那如果是150万呢？", "改成2027年3月".
_ELLIPSIS = re.compile(
    r"^(?:那|那么|如果|要是|假如|假设|换成|改成|若|倘若|再)|呢\s*[?？。]*$|如果|要是|假如|改成|换成|改为"
)
_IN_FORCE = re.compile(r"有效|失效|生效|施行|适用|管用|能用|废止|作废|过期")
_TITLE = re.compile(r"《([^》]{1,60})》")
_CALC_INTENT = {"validity": "validity"}


@dataclass(frozen=True)
class Topic:
    """What a turn was about, so the next turn's ellipses ("第二款呢？", "那150万呢？") resolve."""

    doc_id: str | None = None
    ref: UnitRef | None = None
    rule: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)  # as given to Calculators.run (text)


@dataclass(frozen=True)
class Answer:
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

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract (README: "JSON contract")."""
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
        }


History = Sequence["Answer | Mapping[str, Any] | str"]


class Assistant:
    """The engine the CLI, the app and the evals share. `Assistant.create()` loads everything once."""

    def __init__(
        self,
        corpus: Corpus,
        retriever: Retriever,
        calculators: Calculators,
        guard: Guard,
        *,
        phraser: Any = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.calculators = calculators
        self.extractor = Extractor(calculators.rules)
        self.guard = guard
        self.phraser = phraser
        self.today = today
        self.normalize = retriever.tokenizer.normalize
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
        return cls(corpus, retriever, calculators, guard, phraser=phraser)

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
        invalid `as_of` or `scope` is a RequestError (the caller's mistake, not the asker's)."""
        day = self._day(as_of)
        doc_ids = self.retriever.scope_ids(scope)
        shown = question if isinstance(question, str) else repr(question)[:200]
        try:
            text = check_question(question)
        except InvalidQuestion as exc:
            return Answer(shown, day, str(exc), True, "invalid", warnings=(str(exc),), id=id)
        topic = self._topic(history, day, scope)
        answer = self._route(text, topic, day, doc_ids)
        answer = replace(answer, question=text, id=id)
        if self.phraser is not None and not answer.abstained:
            answer = self.phraser.rephrase(answer, self)
        return answer

    def _day(self, as_of: date | str | None) -> date:
        if as_of is None:
            return self.today()
        if isinstance(as_of, date):
            return as_of
        try:
            return date.fromisoformat(str(as_of).strip())
        except ValueError:
            raise DateError(f"日期“{as_of}”无效，请写成 YYYY-MM-DD，如 2026-11-26。") from None

    def _topic(self, history: History, day: date, scope: str | Sequence[str] | None) -> Topic:
        """The topic after the last turn; turns given as text are asked again (answers are deterministic)."""
        if isinstance(history, str | bytes) or not isinstance(history, Sequence):
            raise RequestError("对话历史应为列表（此前各轮的问题或回答）。")
        topic = Topic()
        replayed: list[Answer] = []
        for turn in history:
            if isinstance(turn, Answer):
                topic = turn.topic
                replayed.append(turn)
                continue
            if isinstance(turn, Mapping):
                turn = turn.get("question", turn.get("q"))
            if not isinstance(turn, str):
                raise RequestError("对话历史的每一轮应为问题文本、回答对象或含 question 的 JSON 对象。")
            try:
                text = check_question(turn)
            except InvalidQuestion:
                continue
            previous = self._route(text, topic, day, self.retriever.scope_ids(scope))
            topic = previous.topic
            replayed.append(previous)
        return topic

    # --- routing ----------------------------------------------------------------------------------

    def _route(self, text: str, topic: Topic, day: date, doc_ids: list[str]) -> Answer:
        normalized = self.normalize(text)
        if self.guard.manipulation(normalized):
            return self._refuse(text, day, "injection", self.guard.injection_refusal)
        place = self.guard.other_place(normalized)
        if place:
            return self._out_of_scope(text, day, f"问题问的是其他地方的规定（“{place}”），不在本助手收录的文件中。")
        part = self._part_of_topic(normalized, topic)
        if part is not None:
            return self._article(text, day, [part], topic)
        with_calculators = self.corpus.primary in doc_ids
        extraction = self._extraction(text, normalized, topic) if with_calculators else None
        if extraction is not None and not extraction.missing:
            return self._calculate(text, day, extraction, topic)
        default = doc_ids[0] if len(doc_ids) == 1 else None
        references = self.retriever.router.find(text, default)
        if references:
            return self._article(text, day, references, topic)
        if extraction is not None:  # a calculator question without its amount: say what is needed
            return self._open(text, day, doc_ids, topic, missing=extraction)
        return self._open(text, day, doc_ids, topic)

    def _part_of_topic(self, normalized: str, topic: Topic) -> Reference | None:
        """ "第二款呢？" / "这条原文" after a turn about an article: that article's 款/项, or itself."""
        if topic.ref is None or topic.doc_id is None:
            return None
        if _THIS_ONLY.match(normalized):
            return Reference(topic.ref, topic.doc_id, (0, 0))
        m = _PART.match(normalized)
        if not m or not any(m.group(g) for g in ("para", "item", "item2")):
            return None
        item = m.group("item") or m.group("item2")
        paragraph = to_int(m.group("para")) if m.group("para") else None
        if paragraph is None and item is not None:
            paragraph = topic.ref.paragraph  # 第三项 of the 款 we were in
        ref = UnitRef(
            article=topic.ref.article,
            suffix=topic.ref.suffix,
            paragraph=paragraph,
            item=to_int(item) if item else None,
            document=topic.doc_id,
        )
        return Reference(ref, topic.doc_id, (0, 0))

    def _extraction(self, text: str, normalized: str, topic: Topic) -> Extraction | None:
        """The calculator question in this turn, with the last turn's inputs carried where it is elliptical."""
        extraction = self.extractor.extract(text)
        elliptical = bool(_ELLIPSIS.search(normalized)) or bool(_THIS.search(normalized))
        if topic.rule and elliptical:
            if extraction is None:
                extraction = self.extractor.extract(text, rule=topic.rule)
            if extraction is not None and extraction.rule == topic.rule:
                merged = _merge(topic.inputs, extraction.inputs)
                missing = tuple(k for k in extraction.missing if k not in merged)
                extraction = replace(extraction, inputs=merged, missing=missing)
        if extraction is None and topic.doc_id and _THIS.search(normalized) and _IN_FORCE.search(normalized):
            extraction = self.extractor.extract(text, rule="validity") or Extraction("validity", {}, ())
        if extraction is not None and extraction.rule == "validity" and "document" not in extraction.inputs:
            named = self.retriever.router.mentioned(text)
            if named is None and topic.doc_id and _THIS.search(normalized):
                named = topic.doc_id
            if named is not None:
                extraction = replace(extraction, inputs={**extraction.inputs, "document": named})
        return extraction

    # --- answers ----------------------------------------------------------------------------------

    def _refuse(self, text: str, day: date, intent: str, message: str) -> Answer:
        return Answer(text, day, message, True, intent)

    def _out_of_scope(self, text: str, day: date, note: str | None = None) -> Answer:
        names = "、".join(
            f"《{self.corpus.meta(d).short_name}》" for d in self.corpus.documents if d != self.corpus.primary
        )
        message = self.guard.refusal.format(documents=names)
        return self._refuse(text, day, "out_of_scope", f"{note}\n\n{message}" if note else message)

    def _article(self, text: str, day: date, references: list[Reference], topic: Topic) -> Answer:
        """The units a question names, quoted whole; what does not exist is said, never guessed."""
        quotes: list[Quote] = []
        notices: list[str] = []
        for reference in references:
            if reference.error:
                notices.append(reference.error)
                continue
            try:
                doc, unit = self.corpus.lookup(reference.ref, reference.doc_id)
            except RequestError as exc:
                meta = self.corpus.meta(reference.doc_id)
                said = str(exc)
                notices.append(said if meta.short_name in said or meta.title in said else f"{meta.short_name}：{said}")
                continue
            quotes.append(quote_unit(doc, unit))
        if not quotes:
            unknown = all(r.error and "无效" not in r.error for r in references)
            intent = "out_of_scope" if unknown else "article"
            answer = self._refuse(text, day, intent, "\n".join(notices))
            return replace(answer, warnings=tuple(notices), topic=topic)

        def compose(shown: list[Quote]) -> list[str]:
            return [f"**{q.tag}**\n\n{_blockquote(q.text)}" for q in shown]

        return self._finish(text, day, "article", quotes, compose, notices=notices)

    def _calculate(self, text: str, day: date, extraction: Extraction, topic: Topic) -> Answer:
        intent = _CALC_INTENT.get(extraction.rule, "calculator")
        carried = Topic(topic.doc_id, topic.ref, extraction.rule, dict(extraction.inputs))
        try:
            calc = self.calculators.run(extraction.rule, extraction.inputs, as_of=day)
        except RequestError as exc:
            # An input the calculator refuses (230 without a unit, 2月30日): no verdict, but the rule's clause.
            clause = self._rule_clause(extraction.rule)
            problem = str(exc)

            def refused(shown: list[Quote]) -> list[str]:
                return [f"无法计算：{problem}"] + [f"相关规定：\n\n**{q.tag}**\n\n{_blockquote(q.text)}" for q in shown]

            answer = self._finish(text, day, intent, [clause] if clause else [], refused, notices=[problem])
            return replace(answer, topic=replace(answer.topic, rule=extraction.rule, inputs=carried.inputs))
        failures = [q for q in calc.citations if verify(q, self.corpus)]
        if failures:  # a trace quotes every citation: one that fails withholds the whole calculation
            message = "规则数据与条文核验不一致，无法给出计算结果；请管理员检查 corpus/rules.toml。"
            answer = self._refuse(text, day, intent, message)
            return replace(answer, abstained=False, warnings=(message,), dropped=len(failures))

        def compose(shown: list[Quote]) -> list[str]:
            body = [calc.conclusion, "**计算过程**", "\n".join(f"{i}. {t}" for i, t in enumerate(calc.trace, 1))]
            if calc.assumptions:
                body.append("**假设**（问题未说明，按此计算）\n\n" + "\n".join(f"- {a}" for a in calc.assumptions))
            main = _main_units(shown)
            if main:
                body.append("**依据**\n\n" + "\n\n".join(f"{q.tag}“{q.text}”" for q in main))
            return body

        answer = self._finish(text, day, intent, calc.citations, compose, calculation=calc, extra=calc.warnings)
        return replace(answer, topic=replace(answer.topic, rule=extraction.rule, inputs=carried.inputs))

    def _rule_clause(self, rule: str) -> Quote | None:
        rules = self.calculators.rules
        clause = {
            "supervision": rules.supervision.clause,
            "adjustment": getattr(rules.adjustment, "clause", None),
            "approval_route": rules.approval_route.scope,
            "negative_list": rules.negative_list.clause,
            "self_evaluation": rules.self_evaluation.clause,
        }.get(rule)
        if rule == "validity":
            clause = next((v.clause for v in rules.validity.values()), None)
        return clause

    def _open(
        self, text: str, day: date, doc_ids: list[str], topic: Topic, missing: Extraction | None = None
    ) -> Answer:
        """An open question: the best units by retrieval, or a refusal when nothing in scope fits."""
        normalized = self.normalize(text)
        named = self.retriever.router.mentioned(text)
        unknown_titles = [t for t in _TITLE.findall(text) if not self._known(t)]
        if named is None and unknown_titles:
            note = f"问题提到的《{unknown_titles[0]}》不在本助手收录的文件中。"
            return self._out_of_scope(text, day, note)
        if named is None and missing is None and self.guard.off_topic(normalized):
            return self._out_of_scope(text, day)
        result = self.retriever.search(text, k=5, scope=doc_ids)
        if named is not None and named not in self.corpus.documents:
            meta = self.corpus.meta(named)
            number = f"（{meta.number}）" if meta.number else ""
            message = f"{meta.cite_title()}{number}未收录正文，无法引用其条文。"
            answer = self._refuse(text, day, "retrieval", message)
            return replace(answer, warnings=(message,))
        sure = result.relevant or missing is not None or named is not None or self.guard.in_domain(normalized)
        if not result.hits or not sure:
            return self._out_of_scope(text, day)
        return self._retrieved(text, day, result, missing)

    def _known(self, title: str) -> bool:
        try:
            self.corpus.resolve(title)
        except RequestError:
            return False
        return True

    def _retrieved(self, text: str, day: date, result: SearchResult, missing: Extraction | None) -> Answer:
        hits = list(result.hits)
        main = hits[0]
        chosen = [main] + [
            h for h in hits[1:] if h.score >= SUPPORT_RATIO * main.score and _article_key(h) != _article_key(main)
        ][:MAX_SUPPORT]
        quotes = [self._hit_quote(h) for h in chosen]

        def compose(shown: list[Quote]) -> list[str]:
            body: list[str] = []
            if missing is not None:
                names = "、".join(_input_names(missing))
                body.append(f"要作出判断，还需要：{names}。请补充后再问（例如“总投资230万元的项目需要监理吗？”）。")
            if not shown:
                return [*body, "未能给出经核验的条文。"]
            lead, *rest = shown
            body.append(f"依据{lead.tag}：\n\n{_blockquote(lead.text)}")
            if rest:
                body.append("相关条文：\n\n" + "\n\n".join(f"{q.tag}\n\n{_blockquote(q.text)}" for q in rest))
            return body

        return self._finish(text, day, "retrieval", quotes, compose, notices=list(result.notices))

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
        notes on validity and on documents not bundled."""
        shown: list[Quote] = []
        dropped = 0
        for q in dict.fromkeys(quotes):
            if verify(q, self.corpus) is None:
                shown.append(q)
            else:
                dropped += 1
        body = compose(shown) if shown or not dropped else ["引用的条文未通过原文核验，不能显示。"]
        warnings = list(dict.fromkeys([*notices, *extra]))
        notes = list(notices)
        validity, expired = self._validity(shown, day)
        notes += validity
        warnings += expired
        notes += self._unbundled_mentions(shown)
        if dropped:
            warnings.append(f"有 {dropped} 条引文未通过原文核验，已删除。")
        if notes:
            body = [*body, "\n\n".join(notes)]
        main = shown[0] if shown else None
        topic = Topic(main.doc_id, _unit_ref(main), None, {}) if main else Topic()
        return Answer(
            text,
            day,
            "\n\n".join(part for part in body if part),
            False,
            intent,
            tuple(shown),
            calculation,
            tuple(dict.fromkeys(warnings)),
            topic=topic,
            dropped=dropped,
        )

    def _validity(self, quotes: list[Quote], day: date) -> tuple[list[str], list[str]]:
        """One line per cited document on its status for the day; warnings when it is not in force."""
        notes: list[str] = []
        warnings: list[str] = []
        for doc_id in dict.fromkeys(q.doc_id for q in quotes):
            meta = self.corpus.meta(doc_id)
            status = meta.status_on(day)
            span = []
            if meta.effective_date:
                span.append(f"{meta.effective_date} 起施行")
            if meta.expiry_date:
                span.append(f"有效期至 {meta.expiry_date}")
            detail = f"（{'，'.join(span)}）" if span else ""
            if status == EXPIRED and meta.expiry_date:
                line = (
                    f"**注意：按 {day}，{meta.cite_title()}已失效**（有效期至 {meta.expiry_date}，"
                    f"{meta.expiry_date + timedelta(days=1)} 起失效）。以上为其原有规定，仅供参考，请以届时有效的规定为准。"
                )
                warnings.append(line.replace("**", ""))
            elif status == NOT_YET:
                line = f"**注意：按 {day}，{meta.cite_title()}尚未施行**{detail}。"
                warnings.append(line.replace("**", ""))
            else:
                line = f"效力：按 {day}，{meta.cite_title()}{status}{detail}。"
            version = meta.version_note(day)
            notes.append(f"{line}{version or ''}")
        return notes, warnings

    def _unbundled_mentions(self, quotes: list[Quote]) -> list[str]:
        """Documents a quoted text names whose own text is not bundled: said, with their 文号."""
        notes = []
        for meta, names in self._unbundled:
            if any(any(name in normalize_name(q.text) for name in names) for q in quotes):
                number = f"（{meta.number}）" if meta.number else ""
                notes.append(f"条文提到的{meta.cite_title()}{number}未收录正文，无法引用其条文。")
        return notes


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


def _input_names(extraction: Extraction) -> list[str]:
    from .calculators import INPUTS

    names = INPUTS.get(extraction.rule, {})
    return [names.get(key, key) for key in extraction.missing]
