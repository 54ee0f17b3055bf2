"""The interpretation and citation checker: read a memo, find every reference in it, check each one.

For each reference: does the unit exist (else the document's extent), is every quoted text a
verbatim slice of it (else the closest real passage), do the numbers said beside it agree with the
clause and its rule data, is the document in force on the day, is its text bundled at all. Like a
linter, a report is clean only when every reference checks out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from fractions import Fraction
from typing import Any, Literal

from .amounts import AmountError, format_amount, format_ratio, parse_amount
from .calculators import Calculators
from .citations import Quote, quote_unit
from .corpus import CN_DATE, Corpus
from .errors import RequestError
from .guard import check_memo
from .numerals import to_int
from .references import TITLE_MARKS, UnitRef
from .retrieve import Mention, Reference, Retriever
from .rules import RuleBook
from .structure import IN_FORCE, UNKNOWN, Article, Document, DocumentMeta, Paragraph, Unit

KINDS = ("unknown_unit", "misquote", "wrong_article", "number_contradicts", "expired", "not_bundled")
KIND_NAMES = {
    "unknown_unit": "条文不存在",
    "misquote": "引文不符",
    "wrong_article": "疑似引错条文",
    "number_contradicts": "数字与条文不符",
    "expired": "文件不在有效期内",
    "not_bundled": "文件未收录",
}
Verdict = Literal["consistent", "contradicts", "not_checkable"]

_QUOTES = re.compile(r"“([^“”\n]{1,600})”|「([^「」\n]{1,600})」|『([^『』\n]{1,600})』|\"([^\"\n]{1,600})\"")
_SENTENCE_END = "。！？；!?;\n"
_CN = "零〇一二三四五六七八九十百千两"
_MAGNITUDE = "(?:千万|百万|十万|千|万|亿)"
# 230万元, 230万, 1.5亿, 2300000元, 二百三十万元; not the 一元 of 统一元数据
_BIG = _CN + "壹贰叁肆伍陆柒捌玖拾佰仟"
_AMOUNT = re.compile(
    rf"(?<![\d.,])(?:(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?\s?(?:{_MAGNITUDE}元?|元)"
    rf"|[{_BIG}]{{2,}}(?:{_MAGNITUDE}元?|元)|[{_BIG}](?:万|亿)元?)(?![\d])"
)
_PERCENT = re.compile(rf"(?<![\d.])(\d+(?:\.\d+)?)%|百分之(\d+(?:\.\d+)?|[{_CN}]+)")
# A span of time: 两年, 一至两年, 3年内, 六个月, 十五个工作日, 30日 (not the 1日 of 12月1日)
_SPAN = re.compile(
    rf"(?<![\d.{_CN}第月])(\d{{1,3}}|[{_CN}]{{1,4}})(?:\s*(?:至|到|-|~|—|～)\s*(\d{{1,3}}|[{_CN}]{{1,4}}))?"
    rf"\s*(?P<unit>个?周?年|个月|个?工作日|日|天)(?![\d度月级])"
)
# kind, the largest number read as one, months per unit: 一至两年 and 6个月内 compare as 12–24 against 6 months
_SPAN_KIND = {"年": ("period", 50, 12), "月": ("period", 600, 1), "日": ("days", 1000, 1), "天": ("days", 1000, 1)}
_HALF_YEAR = re.compile(r"(?<![\d.])半年")
# Whether a sentence says a project needs supervision (实行监理) or does not: the negative words first.
_DENIES = re.compile(
    r"不强制|非强制|暂不|未达到|未达|不足|低于|不属于|不需要?|无需|无须|不必|不用|不须|可不|不适用|不要求|不实行|不应"
)
_NOT_INVESTMENT = re.compile(r"费|价|酬|薪|补贴|奖|罚")
_LINE_STOPS = "。！？；;!?”」』)）"  # not a colon: 规定：⏎“…” is one sentence
_LIST_ITEM = re.compile(r"^(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．)]|[①-⑳])")
_LIST_ITEM_START = re.compile(
    r"(?:^|\n)(?:[一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．)]|[①-⑳])"
)
_SHORT_NAME = re.compile(r"\s*[(（]\s*(?:以下)?(?:简称|下称)\s*[《“\"]?([^》”\")）]{1,20})[》”\"]?\s*[)）]")
_POINTER = re.compile(r"(?:该|同|上述|前述|此|本)(?:法|法律|办法|条例|规定|文件)\s*$")
# A clause of a contract, minutes or tender document is no regulation's: 合同第五条, 会议纪要第三条.
_OTHER_PAPER = re.compile(
    r"(?:合同|协议|纪要|招标文件|投标文件|采购文件|磋商文件|方案|报告|章程|标书|说明书|任务书|承诺书|细则表|清单)》?\s*(?:的|中|里)?\s*$"
)
_SAYS_EXPIRED = re.compile(r"届满|已失效|失效了|已废止|已到期|已过期|不再有效|停止执行")
_HEDGE = re.compile(r"可以|可自愿|自愿|视情|酌情|是否")
_TOTAL = re.compile(r"(?:总投资|投资总额|总投资额|项目投资|概算总投资)[^，,。；;]{0,6}$")
_AFFIRMS = re.compile(r"达到|已达|属于|应当|应|须|需要|需|必须|适用|实行")
# Words that make a number a bound ("150万元以上", "不超过10%") rather than one project's figure.
_BOUND_BEFORE = re.compile(
    r"(?:不超过|超过|不得超过|不得高于|不高于|高于|不低于|低于|不足|不满|达到|达|至少|不少于|最多|至多|最高|上限为?|可达|以内|大于|小于)"
    r"[^，,。；;]{0,8}$"
)
_BOUND_AFTER = re.compile(r"^\s*(?:\(含\)|（含）)?\s*(?:及以上|以上|以下|及以下|以内|之内|内|为限|封顶)")
_FILLER = re.compile(
    r"根据|依据|依照|按照|遵照|参照|对照|规定|明确|要求|指出|提出|写明|载明|该条|本条|此条|其中|可知|来看|的|了|：|:|，|,|、|。|（|）|\(|\)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
WRAPPED_MIN = 20  # a line this long ending without a stop was wrapped; a shorter one is a heading
TERM_MAX = 6  # a quoted text shorter than this, found nowhere, is a name or term ("城市大脑"), not a quote
CLOSEST_ARTICLES = 5  # other articles, most alike by shared character pairs, searched for the closest passage
CLOSEST_MIN = 0.5  # difflib ratio below which no passage is offered as the one meant
TOPIC_MAX = 60  # searches for a wrong article per memo (each is an embedding search)
TOPIC_CHARS = 120  # a longer sentence is searched by its start: encoding time grows with its length
TOPIC_WORDS = 3  # words of the claim the likelier article must have (twice as many as the cited one)
TOPIC_MIN_CHARS = 6  # a claim shorter than this says too little to compare with an article
TOPIC_RANK = 3  # the cited article must be among the claim's best few in its document
TOPIC_RELEVANCE = 0.5  # and only a confident search result may say the memo cited the wrong one


@dataclass(frozen=True)
class Defect:
    kind: str  # one of KINDS
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "name": KIND_NAMES[self.kind], "message": self.message}


@dataclass(frozen=True)
class QuoteCheck:
    text: str  # as the memo writes it, without its quotation marks
    span: tuple[int, int]
    verbatim: bool
    elsewhere: Quote | None = None  # the same words in another unit of the document
    closest: Quote | None = None  # the nearest real passage, when not verbatim
    similarity: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": list(self.span),
            "verbatim": self.verbatim,
            "found_in": self.elsewhere.label if self.elsewhere else None,
            "closest": self.closest.text if self.closest else None,
            "closest_label": self.closest.label if self.closest else None,
            "similarity": round(self.similarity, 3),
        }


@dataclass(frozen=True)
class Value:
    """A number in a text: what kind, where, its value, and the words just before it."""

    kind: Literal["amount", "percent", "period", "days", "date"]
    text: str
    span: tuple[int, int]
    value: Any  # Decimal 元, Fraction, (low, high) months or days, date
    bounded: bool  # written as a bound (以上, 不超过) rather than one project's figure
    before: str  # the words just before it, and just after: what it is a number of
    after: str = ""


@dataclass(frozen=True)
class NumberCheck:
    text: str
    kind: str
    verdict: Verdict
    clause: str | None = None  # the clause's own number it was compared with
    source: str | None = None  # 【办法 第十九条】 or the rule data it came from
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "verdict": self.verdict,
            "clause_value": self.clause,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class Finding:
    """One reference in the memo and everything checked about it."""

    text: str  # the reference as written (办法第十九条, 国办发〔2019〕57号)
    span: tuple[int, int]
    sentence: str
    doc: DocumentMeta | None  # None: a name no manifest entry answers to
    ref: UnitRef | None  # None: the document is named without an article
    unit: Quote | None = None  # the whole unit, when it exists
    exists: bool | None = None  # None: cannot tell (text not bundled)
    status: str | None = None
    quotes: tuple[QuoteCheck, ...] = ()
    numbers: tuple[NumberCheck, ...] = ()
    suggestion: Quote | None = None  # the unit the memo more likely meant
    defects: tuple[Defect, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        if self.unit is not None:
            return self.unit.label
        title = TITLE_MARKS.search(self.text)
        written = title.group(1) if title else self.text.split("第")[0].strip("《》()（） ")
        name = self.doc.short_name if self.doc else written
        return f"{name} {self.ref.label()}" if self.ref else name

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "span": list(self.span),
            "sentence": self.sentence,
            "doc_id": self.doc.id if self.doc else None,
            "doc_title": self.doc.title if self.doc else None,
            "doc_number": self.doc.number if self.doc else None,
            "bundled": self.doc.bundled if self.doc else False,
            "article": self.ref.article if self.ref else None,
            "paragraph": self.ref.paragraph if self.ref else None,
            "item": self.ref.item if self.ref else None,
            "label": self.label,
            "unit_id": self.unit.unit_id if self.unit else None,
            "exists": self.exists,
            "status": self.status,
            "unit_text": self.unit.text if self.unit else None,
            "quotes": [q.to_dict() for q in self.quotes],
            "numbers": [n.to_dict() for n in self.numbers],
            "suggestion": self.suggestion.citation() if self.suggestion else None,
            "defects": [d.to_dict() for d in self.defects],
            "notes": list(self.notes),
            "ok": not self.defects,
        }


@dataclass(frozen=True)
class Report:
    text: str  # the memo as read (NFKC, 繁→简, blank lines dropped); spans index into it
    as_of: date
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()

    @property
    def defects(self) -> list[tuple[Finding, Defect]]:
        return [(f, d) for f in self.findings for d in f.defects]

    @property
    def ok(self) -> bool:
        return not self.defects

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "references": len(self.findings),
            "defects": len(self.defects),
            "findings": [f.to_dict() for f in self.findings],
            "notes": list(self.notes),
            "text": self.text,
        }


class Checker:
    """Built from an Assistant (corpus, retriever, rules, day) so the checker reads references and
    dates exactly as the chat does."""

    def __init__(
        self, corpus: Corpus, retriever: Retriever, calculators: Calculators, day: Callable[[Any], date]
    ) -> None:
        self.corpus = corpus
        self.retriever = retriever
        self.router = retriever.router
        self.calculators = calculators  # their rule data: the numbers clauses state, by version
        self.day = day

    @classmethod
    def of(cls, assistant: Any) -> Checker:
        return cls(assistant.corpus, assistant.retriever, assistant.calculators, assistant.day)

    def check(self, memo: object, as_of: date | str | None = None) -> Report:
        """A report on every reference in `memo`; InvalidQuestion when it is not usable text."""
        day = self.day(as_of)
        text = self._prepare(memo)
        quotes = [(m.start(), m.end(), next(g for g in m.groups() if g is not None)) for m in _QUOTES.finditer(text)]

        def quoted(start: int, end: int) -> bool:
            return any(qs <= start and end <= qe for qs, qe, _ in quotes)

        mentions = _aliased(text, [m for m in self.router.mentions(text) if not quoted(m.start, m.end)])
        context = _last_before(text, mentions)
        anywhere = _last_before(text, mentions, items=False)
        found = [_pointed(text, r, anywhere) for r in self.router.find(text, context=context, day=day)]
        # 第三条至第五条 cites its two ends (the articles between are not written, so not checked);
        # 合同第五条, 会议纪要第三条 are another paper's clauses, no regulation's
        references = [
            r
            for r in found
            if not quoted(*r.span)
            and "条" in text[r.span[0] : r.span[1]]
            and not _OTHER_PAPER.search(text[max(0, r.span[0] - 12) : r.span[0]])
        ]
        sentences = _sentences(text, quotes)
        findings: list[tuple[int, Finding]] = []
        for reference in references:
            findings.append((reference.span[0], self._reference(text, reference, mentions, sentences, day)))
        mentions = [self._dated(m, day) for m in mentions]
        for mention in mentions:
            if not _attached(mention, references, mentions, self._same):
                findings.append((mention.start, self._document(text, mention, sentences, day)))
        findings.sort(key=lambda pair: pair[0])
        checked = [f for _, f in findings]
        checked = self._quotes(text, quotes, checked, sentences)
        # what the memo says in its own words: quotes, references and names blanked (offsets kept)
        said = _mask(
            text, [(s, e) for s, e, _ in quotes] + [f.span for f in checked] + [(m.start, m.end) for m in mentions]
        )
        checked = self._numbers(said, checked, sentences, day)
        checked = [
            _as_of_its_day(self._topic(said, f, sentences, checked) if n < TOPIC_MAX else f, day)
            for n, f in enumerate(checked)
        ]
        notes: tuple[str, ...] = () if checked else ("未发现任何文件或条文引用，没有可核对的内容。",)
        if len(checked) > TOPIC_MAX:
            notes = (f"引用较多：只对前 {TOPIC_MAX} 处做了“所述内容是否出自所引条文”的检索比对，其余各项检查照常。",)
        return Report(text, day, tuple(checked), notes)

    # --- reading ----------------------------------------------------------------------------------

    def _same(self, a: str | None, b: str | None) -> bool:
        """Two ids of one document (versions count as one)."""
        return a is not None and b is not None and self.corpus.meta(a).work_id == self.corpus.meta(b).work_id

    def _dated(self, mention: Mention, day: date) -> Mention:
        """A name its versions share means the version of the day; a 文号 names its own."""
        if mention.doc_id is None or self.router.by_number(mention.text, mention.doc_id):
            return mention
        return replace(mention, doc_id=self.corpus.version_on(mention.doc_id, day))

    def _prepare(self, memo: object) -> str:
        """The memo as the router reads it, line by line. A line that ends without a stop and is not
        followed by a list item was wrapped: it is joined to the next, so a sentence or a quote
        broken across lines is read whole."""
        if isinstance(memo, str):
            memo = memo.replace("\f", "\n").replace("\v", "\n")  # page breaks in exported text
        text = check_memo(memo)
        out: list[str] = []
        blank = True  # a blank line ends a paragraph: nothing is joined across it
        for raw in text.splitlines():
            line = self.retriever.tokenizer.normalize(raw)
            if not line:
                blank = True
                continue
            wrapped = out and not blank and not _LIST_ITEM.match(line) and out[-1][-1] not in _LINE_STOPS
            # a heading (关于……的说明) is short and has no stop; a wrapped line is long or ends mid-clause
            if wrapped and (len(out[-1]) >= WRAPPED_MIN or out[-1][-1] in "：:，,、"):
                out[-1] += line
            else:
                out.append(line)
            blank = False
        return "\n".join(out)

    def _reference(
        self, text: str, reference: Reference, mentions: list[Mention], sentences: list[tuple[int, int]], day: date
    ) -> Finding:
        start = _written_start(reference, mentions, self._same)
        written = text[start : reference.span[1]]
        sentence = _sentence_of(text, sentences, reference.span[0])
        if reference.error:
            if reference.unknown_document:
                name = next((m.text for m in mentions if m.start == start), written.split("第")[0] or "该文件")
                message = f"{name}不在已知文件之列，未收录正文，无法核对{reference.ref.label()}。"
                return Finding(
                    written, (start, reference.span[1]), sentence, None, reference.ref,
                    defects=(Defect("not_bundled", message),),
                )  # fmt: skip
            return Finding(
                written, (start, reference.span[1]), sentence, None, None,
                defects=(Defect("unknown_unit", reference.error),),
            )  # fmt: skip
        meta = self.corpus.meta(reference.doc_id)
        finding = Finding(written, (start, reference.span[1]), sentence, meta, reference.ref)
        finding = self._status(finding, meta, day)
        doc = self.corpus.documents.get(meta.id)
        if doc is None:
            message = f"{meta.cite_with_number()}未收录正文，无法核对{reference.ref.label()}。"
            return replace(finding, defects=(*finding.defects, Defect("not_bundled", message)))
        try:
            unit = doc.find(reference.ref)
        except RequestError as exc:
            message = str(exc) if meta.short_name in str(exc) else f"{meta.short_name}：{exc}"
            return replace(finding, exists=False, defects=(*finding.defects, Defect("unknown_unit", message)))
        return replace(finding, unit=quote_unit(doc, unit), exists=True)

    def _document(self, text: str, mention: Mention, sentences: list[tuple[int, int]], day: date) -> Finding:
        sentence = _sentence_of(text, sentences, mention.start)
        if mention.doc_id is None:  # a notice, a plan, a contract: named, not cited; nothing to check
            note = f"{mention.text}不在已知文件之列，未收录正文；未引用其条文，不作核对。"
            return Finding(mention.text, (mention.start, mention.end), sentence, None, None, notes=(note,))
        meta = self.corpus.meta(mention.doc_id)
        finding = self._status(Finding(mention.text, (mention.start, mention.end), sentence, meta, None), meta, day)
        if meta.id not in self.corpus.documents:
            message = f"{meta.cite_with_number()}未收录正文，无法核对其内容。"
            return replace(finding, defects=(*finding.defects, Defect("not_bundled", message)))
        return finding

    def _status(self, finding: Finding, meta: DocumentMeta, day: date) -> Finding:
        status = meta.status_on(day)
        finding = replace(finding, status=status)
        if status in (IN_FORCE, UNKNOWN):
            return finding
        span = f"（{meta.term()}）" if meta.term() else ""
        message = f"按 {day}，{meta.cite_title()}{status}{span}。"
        current = self.corpus.version_on(meta.id, day)
        if current != meta.id:
            message += f"该日适用的版本是{self.corpus.meta(current).cite_with_number()}。"
        return replace(finding, defects=(*finding.defects, Defect("expired", message)))

    # --- quotes -----------------------------------------------------------------------------------

    def _quotes(
        self, text: str, quotes: list[tuple[int, int, str]], findings: list[Finding], sentences: list[tuple[int, int]]
    ) -> list[Finding]:
        """Each quote is checked against the reference that introduces it (`_quote_owner`); a quote no
        reference introduces is not checked, and a short one found nowhere is taken for a term."""
        out = list(findings)
        for start, end, inner in quotes:
            here = _sentence_span(sentences, start)
            owner = _quote_owner(text, out, start, end, here)
            if owner is None or out[owner].unit is None:
                continue
            finding = out[owner]
            siblings = [f.unit for f in out if f.unit is not None and _sentence_span(sentences, f.span[0]) == here]
            check = self._quote(inner.strip(), (start, end), finding.unit, siblings)
            if not check.verbatim and check.elsewhere is None and len(_fold(check.text)) < TERM_MAX:
                notes = (*finding.notes, f"“{check.text}”较短且原文中没有，按名称或术语处理，未作引文核对。")
                out[owner] = replace(finding, notes=notes)
                continue
            defects = list(finding.defects)
            if check.elsewhere is not None:
                where = check.elsewhere.label
                defects.append(
                    Defect("wrong_article", f"引文“{_short(check.text)}”不在{finding.unit.label}，而在{where}。")
                )
                finding = replace(finding, suggestion=finding.suggestion or check.elsewhere)
            elif not check.verbatim:
                closest = (
                    f"最接近的原文是【{check.closest.label}】“{check.closest.text}”"
                    if check.closest
                    else "原文中找不到相近的文字"
                )
                defects.append(
                    Defect("misquote", f"引文“{_short(check.text)}”不是{finding.unit.label}的原文；{closest}。")
                )
            out[owner] = replace(finding, quotes=(*finding.quotes, check), defects=tuple(defects))
        return out

    def _quote(self, inner: str, span: tuple[int, int], unit: Quote, siblings: list[Quote]) -> QuoteCheck:
        doc = self.corpus.documents[unit.doc_id]
        parts = [p for p in re.split(r"…+|\.{3,}|⋯+", inner) if _fold(p)]
        if parts and _in_order(parts, unit.text):
            return QuoteCheck(inner, span, True)
        for other in siblings:  # '第十九条和第二十一条规定“…”': any unit named in the sentence may hold it
            if other is not unit and other.doc_id == unit.doc_id and all(_fold(p) in _fold(other.text) for p in parts):
                return QuoteCheck(inner, span, True)
        holder = _holder(doc, parts)
        if holder is not None:
            return QuoteCheck(inner, span, False, elsewhere=quote_unit(doc, holder))
        closest, score = _closest(doc, unit, inner)
        if score < CLOSEST_MIN:  # a window of unrelated words would only mislead
            closest = None
        return QuoteCheck(inner, span, False, closest=closest, similarity=score)

    # --- numbers ----------------------------------------------------------------------------------

    def _numbers(
        self, masked: str, findings: list[Finding], sentences: list[tuple[int, int]], day: date
    ) -> list[Finding]:
        """Numbers said in a reference's sentence (`masked`: outside quotes, references and names),
        compared with the numbers of the units the sentence cites (and the rule data bound to them)."""
        out = list(findings)
        for lo, hi in sentences:
            members = [i for i, f in enumerate(out) if lo <= f.span[0] < hi and f.unit is not None]
            if not members:
                continue
            claims = _values(masked, lo, hi)
            if not claims:
                continue
            stated = {i: self._clause_values(out[i].unit, day) for i in members}
            for claim in claims:
                verdicts = {
                    i: self._applied(claim, masked[lo:hi], out[i].unit, day) or _compare(claim, stated[i])
                    for i in members
                }
                consistent = [i for i, v in verdicts.items() if v.verdict == "consistent"]
                contradicting = [i for i, v in verdicts.items() if v.verdict == "contradicts"]
                if consistent:
                    chosen = {consistent[0]: verdicts[consistent[0]]}
                elif contradicting:
                    chosen = {i: verdicts[i] for i in contradicting}
                else:
                    chosen = {members[0]: verdicts[members[0]]}
                for i, check in chosen.items():
                    finding = out[i]
                    defects = finding.defects
                    if check.verdict == "contradicts":
                        defects = (*defects, Defect("number_contradicts", check.note))
                    out[i] = replace(finding, numbers=(*finding.numbers, check), defects=defects)
        return out

    def _applied(self, claim: Value, sentence: str, unit: Quote, day: date) -> NumberCheck | None:
        """One project's 总投资 said beside 第十九条: the rule data decides whether supervision is
        required, and the sentence must not say the opposite ("180万元，已达到第十九条的标准")."""
        book = self._book(unit, day)
        if book is None or claim.kind != "amount" or claim.bounded or not _TOTAL.search(claim.before):
            return None
        rule = book.supervision
        threshold = rule.threshold
        if (rule.doc_id, rule.clause.ref.article) != (unit.doc_id, unit.ref.article) or claim.value == threshold.value:
            return None  # another clause; or "200万元门槛", the threshold itself, compared as a number
        clause = next((c for c in re.split(r"[，,；;。]", sentence) if "监理" in c), "")
        if _HEDGE.search(clause) or not (_DENIES.search(clause) or _AFFIRMS.search(clause)):
            return None  # 可以自愿实行监理, or no word either way
        said = not _DENIES.search(clause)
        required = threshold.holds(claim.value)
        note = (
            f"“{claim.text}”{'达到' if required else '未达到'}【{rule.clause.label}】“{threshold.raw}{threshold.bound}”，"
            f"{'原则上应实行监理' if required else '不要求实行监理'}"
            + ("，与文中说法一致。" if said == required else "；文中说法与此相反。")
        )
        verdict: Verdict = "consistent" if said == required else "contradicts"
        return NumberCheck(claim.text, claim.kind, verdict, threshold.raw, f"【{rule.clause.label}】", note)

    def _book(self, unit: Quote, day: date) -> RuleBook | None:
        """The rule data bound to the unit's version (a 文号 may cite an earlier one), else the day's."""
        return self.calculators.books.get(unit.doc_id) or self.calculators.book_on(day)

    def _clause_values(self, unit: Quote, day: date) -> list[tuple[Value, str]]:
        """The unit's own numbers, each with where it comes from, plus dates its rule data derives
        (第二十九条's 两年 gives the last day in force)."""
        label = f"【{unit.label}】"
        found = [(v, label) for v in _values(unit.text, 0, len(unit.text))]
        book = self._book(unit, day)
        if book is not None:
            for rule in book.validity.values():
                if rule.doc_id == unit.doc_id and rule.clause.ref.article == unit.ref.article:
                    expiry = rule.expiry
                    shown = f"{expiry.year}年{expiry.month}月{expiry.day}日"
                    value = Value("date", shown, (0, 0), expiry, True, "有效期至", "")
                    found.append((value, f"规则数据：{rule.clause.label} 有效期至 {expiry}"))
        return found

    # --- what the sentence says, against the article it cites -------------------------------------

    def _topic(
        self, masked: str, finding: Finding, sentences: list[tuple[int, int]], findings: list[Finding]
    ) -> Finding:
        """A claim whose words belong to another article: the cited one is not among the claim's best
        few in its document while a confident search finds another. Only a sentence citing one unit,
        whose quotes and numbers did not already settle it, is judged this way."""
        if finding.unit is None or finding.defects or finding.suggestion is not None:
            return finding
        if any(q.verbatim for q in finding.quotes) or any(n.verdict == "consistent" for n in finding.numbers):
            return finding
        lo, hi = _sentence_span(sentences, finding.span[0])
        if sum(1 for f in findings if f.ref is not None and lo <= f.span[0] < hi) > 1:
            return finding
        said = masked[lo:hi]
        doc = self.corpus.documents[finding.unit.doc_id]
        copied = _copied_from(doc, said, finding.unit.ref.article)
        if copied is not None:
            message = (
                f"所述内容与{finding.unit.label}不符：其中“{_short(copied[1])}”是{doc.short_label(copied[0])}的原文。"
            )
            best = quote_unit(doc, copied[0])
            return replace(finding, suggestion=best, defects=(*finding.defects, Defect("wrong_article", message)))
        claim = _FILLER.sub(" ", said).strip()[:TOPIC_CHARS]
        if len(_CJK.findall(claim)) < TOPIC_MIN_CHARS:
            return finding
        try:
            result = self.retriever.search(claim, k=5, scope=[finding.unit.doc_id], route=False)
        except RequestError:
            return finding
        articles = [h.entry.article for h in result.hits]
        if not articles or finding.unit.ref.article in articles[:TOPIC_RANK]:
            return finding
        if result.relevance < TOPIC_RELEVANCE:
            return finding
        # the words must say so too: a date or an office's name alone ("市数据局召开会议") is no claim
        words = {w for w in self.retriever.tokenizer.tokens(claim) if len(w) > 1 and not w[0].isdigit()}
        top = doc.article(articles[0], result.hits[0].entry.suffix)
        cited = doc.article(finding.unit.ref.article, finding.unit.ref.suffix)
        shared_top = sum(1 for w in words if w in top.text)
        if shared_top < TOPIC_WORDS or shared_top < 2 * sum(1 for w in words if w in cited.text) + 1:
            return finding
        best = quote_unit(doc, top)
        message = f"所述内容与{finding.unit.label}不符，更可能出自{best.label}（按检索，该条排第一，所引条文不在前{TOPIC_RANK}）。"
        return replace(finding, suggestion=best, defects=(*finding.defects, Defect("wrong_article", message)))


# --- helpers ---------------------------------------------------------------------------------------


COPIED_MIN = 10  # characters of another article's wording, unquoted, that say where a claim comes from


def _copied_from(doc: Document, said: str, cited: int) -> tuple[Article, str] | None:
    """The article whose wording the claim copies (at least COPIED_MIN characters, twice as many as
    it shares with the cited article), when that is not the cited one."""
    folded = _fold(said)
    if len(folded) < COPIED_MIN:
        return None
    best: tuple[int, Article | None, str] = (0, None, "")
    own = 0
    for article in doc.articles:
        text = _fold(article.text)
        match = SequenceMatcher(None, folded, text, autojunk=False).find_longest_match(0, len(folded), 0, len(text))
        if article.number == cited:
            own = max(own, match.size)
        elif match.size > best[0]:
            best = (match.size, article, folded[match.a : match.a + match.size])
    size, article, words = best
    if article is None or size < COPIED_MIN or size < 2 * own:
        return None
    written = re.search(r"[\W_]*".join(map(re.escape, words)), article.text)  # the article's own punctuation
    return article, written.group(0) if written else words


def _last_before(text: str, mentions: list[Mention], items: bool = True) -> Callable[[int], Mention | None]:
    """The document named last before a position, within the same list item: '二、依据第十九条…'
    after a first item about 《政府采购法》 is the 办法's, as its reader takes it. (该法 and 同法 point
    back across items: `items=False`.)"""
    items = [m.start() for m in _LIST_ITEM_START.finditer(text)] if items else []

    def context(position: int) -> Mention | None:
        start = max((i for i in items if i <= position), default=0)
        before = [m for m in mentions if start <= m.start and m.end <= position]
        return before[-1] if before else None

    return context


def _as_of_its_day(finding: Finding, day: date) -> Finding:
    """Two things a reference cannot be blamed for. A sentence that itself says the document has expired
    ('已于2026年11月30日有效期届满') is not citing it as in force. And when the text on file is a version
    newer than the day (网络安全法 as amended in 2025, read for 2025-06-01), its numbering and wording
    may not be that day's: what would be a defect is said as a note."""
    defects, notes = list(finding.defects), list(finding.notes)
    if any(d.kind == "expired" for d in defects) and _SAYS_EXPIRED.search(finding.sentence):
        notes += [f"（文中已说明其失效）{d.message}" for d in defects if d.kind == "expired"]
        defects = [d for d in defects if d.kind != "expired"]
    later = finding.doc.version_note(day) if finding.doc is not None and finding.doc.bundled else None
    textual = ("unknown_unit", "misquote", "wrong_article", "number_contradicts")
    if later and any(d.kind in textual for d in defects):
        notes += [f"{later}按所收录文本：{d.message}" for d in defects if d.kind in textual]
        defects = [d for d in defects if d.kind not in textual]
    if (defects, notes) == (list(finding.defects), list(finding.notes)):
        return finding
    return replace(finding, defects=tuple(defects), notes=tuple(notes))


def _aliased(text: str, mentions: list[Mention]) -> list[Mention]:
    """A memo's own short names: 《中华人民共和国政府采购法》（以下简称《采购法》） makes 采购法 that law."""
    names: dict[str, str] = {}
    out = list(mentions)
    for m in mentions:
        if m.doc_id is None:
            continue
        defined = _SHORT_NAME.match(text, m.end)
        if defined:
            names[defined.group(1)] = m.doc_id
    if not names:
        return out
    for i, m in enumerate(out):
        if m.doc_id is None and m.text.strip("《》") in names:
            out[i] = replace(m, doc_id=names[m.text.strip("《》")])
    for name, doc_id in names.items():
        for found in re.finditer(re.escape(name), text):
            if all(found.end() <= m.start or found.start() >= m.end for m in out):
                out.append(Mention(found.start(), found.end(), doc_id, name))
    return sorted(out, key=lambda m: m.start)


def _pointed(text: str, reference: Reference, context: Callable[[int], Mention | None]) -> Reference:
    """该法第六条, 同法第六条, 上述办法第二十二条, 《采购法》第二十六条 (a name the memo defined): the
    router calls these unknown; they are the document named before."""
    if not reference.unknown_document:
        return reference
    near = context(reference.span[0])
    before = text[max(0, reference.span[0] - 8) : reference.span[0]]
    aliased = near is not None and near.doc_id is not None and before.rstrip().endswith(near.text)
    if near is None or near.doc_id is None or not (aliased or _POINTER.search(before)):
        return reference
    return Reference(replace(reference.ref, document=near.doc_id), near.doc_id, reference.span)


def _attached(
    mention: Mention,
    references: list[Reference],
    mentions: list[Mention],
    same: Callable[[str | None, str | None], bool],
) -> bool:
    """A name some reference after it (before the next name) belongs to: '《政府采购法》第二条'."""
    following = [m.start for m in mentions if m.start >= mention.end]
    limit = min(following, default=10**9)
    return any(
        mention.end <= r.span[0] < limit and (same(r.doc_id, mention.doc_id) or (mention.doc_id is None and r.error))
        for r in references
    )


def _written_start(
    reference: Reference, mentions: list[Mention], same: Callable[[str | None, str | None], bool]
) -> int:
    """Where the reference begins as written, its document's name included when it stands right before."""
    for m in mentions:
        if 0 <= reference.span[0] - m.end <= 2 and (same(m.doc_id, reference.doc_id) or reference.unknown_document):
            return m.start
    return reference.span[0]


def _sentences(text: str, quotes: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Sentence spans; a full stop inside a quote ends nothing."""
    out, start = [], 0
    inside = {i for qs, qe, _ in quotes for i in range(qs, qe)}
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END and i not in inside:
            out.append((start, i + 1))
            start = i + 1
    if start < len(text):
        out.append((start, len(text)))
    return out


def _sentence_span(sentences: list[tuple[int, int]], position: int) -> tuple[int, int]:
    return next((s for s in sentences if s[0] <= position < s[1]), sentences[-1] if sentences else (0, 0))


def _sentence_of(text: str, sentences: list[tuple[int, int]], position: int) -> str:
    lo, hi = _sentence_span(sentences, position)
    return text[lo:hi].strip()


def _quote_owner(text: str, findings: list[Finding], start: int, end: int, sentence: tuple[int, int]) -> int | None:
    """The reference a quote is attributed to, in its sentence: right after it ('第二十三条“…”的要求'),
    after a word of saying ('第十九条规定：“…”', '第五条，即…“…”'), after a comma when the quote is a
    statement rather than a name, or right before it in brackets ('“…”（第十九条）'). A quoted name
    beside a reference ('依据第十九条，“城市大脑”项目…') is nobody's quote."""
    lo, hi = sentence
    units = [(i, f) for i, f in enumerate(findings) if f.ref is not None]
    before = [i for i, f in units if lo <= f.span[0] and f.span[1] <= start]
    if before:
        between = text[findings[before[-1]].span[1] : start]
        statement = len(_fold(text[start:end])) >= STATEMENT_MIN
        if len(between) <= SAYS_MAX and (
            not between.strip() or _SAYS.search(between) or (statement and _PAUSE.fullmatch(between))
        ):
            return before[-1]
    after = [i for i, f in units if end <= f.span[0] < hi]
    if after and _CITED_AFTER.fullmatch(text[end : findings[after[0]].span[0]]):
        return after[0]
    return None


# Words that introduce a quotation after a reference, and what may stand between a quote and the
# reference that follows it in brackets.
_SAYS = re.compile(r"规定|要求|明确|指出|写|说|讲|载明|提出|强调|表述|称|即|也就是|内容为|原文|[：:]")
_PAUSE = re.compile(r"[\s,，、]*")
_CITED_AFTER = re.compile(r"\s*[(（【\[]?\s*(?:见|参见|引自|出自)?\s*")
SAYS_MAX = 30  # characters between a reference and the quote it introduces
STATEMENT_MIN = 10  # a quote this long after a bare comma is a statement, not a name


_PUNCT = re.compile(r"[\s\W_]+")


def _fold(text: str) -> str:
    """Text for comparing quotes: NFKC, no punctuation or spaces (， and , are one mark)."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


def _in_order(parts: list[str], text: str) -> bool:
    folded, at = _fold(text), 0
    for part in parts:
        found = folded.find(_fold(part), at)
        if found < 0:
            return False
        at = found + len(_fold(part))
    return True


def _holder(doc: Document, parts: list[str]) -> Unit | None:
    """The smallest unit of the document holding every part of a quote, if any does."""
    if not parts:
        return None
    holders = [u for u in doc.units() if all(_fold(p) in _fold(u.text) for p in parts)]
    return _whole(doc, min(holders, key=lambda u: len(u.text))) if holders else None


def _whole(doc: Document, unit: Unit) -> Unit:
    """A one-款 article's only 款 is cited as the article (第十九条, not 第十九条第一款)."""
    if isinstance(unit, Paragraph) and len(doc.article(unit.ref.article, unit.ref.suffix).paragraphs) == 1:
        return doc.article(unit.ref.article, unit.ref.suffix)
    return unit


def _closest(doc: Document, unit: Quote, quoted: str) -> tuple[Quote | None, float]:
    """The passage of the cited unit (or, when that has nothing close, of the document) nearest to
    the quote: a window of the quote's length slid over the text, scored by difflib."""
    best: tuple[float, Quote | None] = (0.0, None)
    target = doc.find(unit.ref)
    pairs = {quoted[i : i + 2] for i in range(len(quoted) - 1)}
    others = sorted((a for a in doc.articles if a is not target), key=lambda a: -sum(1 for g in pairs if g in a.text))
    for candidate in [target, *others[:CLOSEST_ARTICLES]]:
        if isinstance(candidate, Article) and candidate is not target and best[0] >= 0.6:
            break
        score, start, end = _best_window(candidate.text, quoted)
        if score > best[0]:
            best = (score, quote_unit(doc, _innermost(doc, candidate, start, end), candidate.text[start:end]))
    return best[1], best[0]


def _innermost(doc: Document, unit: Unit, start: int, end: int) -> Unit:
    """The smallest unit inside `unit` holding [start, end) of its text."""
    absolute = (unit.start + start, unit.start + end)
    inner = [u for u in doc.units() if u.start <= absolute[0] and absolute[1] <= u.end and unit.start <= u.start]
    return _whole(doc, min(inner, key=lambda u: len(u.text))) if inner else unit


def _best_window(text: str, quoted: str) -> tuple[float, int, int]:
    n = len(quoted)
    if not text or not n:
        return 0.0, 0, 0
    best = (0.0, 0, min(n, len(text)))
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(quoted)
    step = 1 if len(text) < 3000 else max(1, n // 8)
    for start in range(0, max(1, len(text) - n // 2), step):
        for length in {n, n + n // 5, max(1, n - n // 5)}:
            window = text[start : start + length]
            matcher.set_seq1(window)
            if matcher.real_quick_ratio() <= best[0] or matcher.quick_ratio() <= best[0]:
                continue
            score = matcher.ratio()
            if score > best[0]:
                best = (score, start, start + len(window))
    score, start, end = best
    while start < end and not text[start].strip():
        start += 1
    return score, start, end


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with the spans blanked out (same length), so offsets still hold."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            chars[i] = " " if chars[i] != "\n" else "\n"
    return "".join(chars)


def _values(text: str, lo: int, hi: int) -> list[Value]:
    """Amounts, percentages, years and dates written in text[lo:hi]."""
    out: list[Value] = []
    part = _mask(text, [(0, lo), (hi, len(text))])
    taken: list[tuple[int, int]] = []

    def add(kind: Any, m: re.Match[str], value: Any) -> None:
        if any(s < m.end() and m.start() < e for s, e in taken):
            return
        taken.append(m.span())
        # the words of its own clause only: 有效期两年，本项目建设期为三年 — 三年 is no 有效期
        before = re.split(r"[，,；;。：:]", part[max(0, m.start() - 12) : m.start()])[-1]
        after = re.split(r"[，,；;。]", part[m.end() : m.end() + 12])[0]
        bounded = bool(_BOUND_BEFORE.search(before) or _BOUND_AFTER.match(after))
        out.append(Value(kind, m.group(0), m.span(), value, bounded, before.strip(), after.strip()))

    for m in CN_DATE.finditer(part):
        try:
            add("date", m, date(*map(int, m.groups())))
        except ValueError:
            continue
    for m in _AMOUNT.finditer(part):
        try:
            add("amount", m, parse_amount(m.group(0).replace(" ", "")))
        except AmountError:
            continue
    for m in _PERCENT.finditer(part):
        number = _number(m.group(1) or m.group(2))
        if number is not None:
            add("percent", m, number / 100)
    for m in _SPAN.finditer(part):
        kind, most, months = _SPAN_KIND[m.group("unit")[-1]]
        low, high = _number(m.group(1)), _number(m.group(2)) if m.group(2) else None
        if low is not None and low.denominator == 1 and 0 < low <= most:
            high = high if high is not None and high.denominator == 1 else low
            add(kind, m, (int(low) * months, int(high) * months))
    for m in _HALF_YEAR.finditer(part):
        add("period", m, (6, 6))
    return sorted(out, key=lambda v: v.span)


def _number(written: str) -> Fraction | None:
    try:
        if re.fullmatch(r"\d+(?:\.\d+)?", written):
            return Fraction(Decimal(written))
        return Fraction(to_int(written.replace("两", "二")))
    except (ValueError, ArithmeticError):
        return None


def _compare(claim: Value, stated: list[tuple[Value, str]]) -> NumberCheck:
    """consistent: the claim equals (or for spans lies within) the clause's number of its kind that
    reads most like it; contradicts: it is written as that kind of rule (a bound, or a date or span
    whose words match the clause's: 有效期三年 against 有效期两年) and is none of them; not_checkable
    otherwise (one project's figure, a meeting date, a construction period)."""
    same = [(v, where) for v, where in stated if v.kind == claim.kind]
    shown = _show(claim)
    if not same:
        return NumberCheck(claim.text, claim.kind, "not_checkable", note=f"条文中没有可对照的{_KIND[claim.kind]}。")
    scored = [(_likeness(claim, v), v, where) for v, where in same]
    best_score = max(score for score, _, _ in scored)
    equal = [(score, v, where) for score, v, where in scored if _agrees(claim, v)]
    if equal:
        score, v, where = max(equal, key=lambda t: t[0])
        if score >= best_score or not claim.bounded:
            return NumberCheck(claim.text, claim.kind, "consistent", v.text, where, f"{shown}与条文“{v.text}”一致。")
    _, best_v, best_where = max(scored, key=lambda t: t[0])
    # "且金额上限为100万元" against the 款's one amount: a bound of the same kind, though worded apart;
    # a fee's bound (监理费不超过10万元) is no rule of the 办法's, which bounds investment only
    sole = claim.bounded and len(same) == 1 and not _NOT_INVESTMENT.search(claim.before)
    if (best_score == 0 and not sole) or (claim.kind in ("amount", "percent") and not claim.bounded):
        values = "、".join(v.text for v, _ in same)
        return NumberCheck(
            claim.text, claim.kind, "not_checkable", None, best_where,
            f"{shown}不是条文所定的标准，无法直接对照（条文中为{values}）。",
        )  # fmt: skip
    return NumberCheck(
        claim.text, claim.kind, "contradicts", best_v.text, best_where,
        f"{shown}与{best_where}所定的“{best_v.text}”不符。",
    )  # fmt: skip


_KIND = {"amount": "金额", "percent": "比例", "period": "期限", "days": "天数", "date": "日期"}


def _agrees(claim: Value, stated: Value) -> bool:
    if claim.kind in ("period", "days"):
        return stated.value[0] <= claim.value[0] and claim.value[1] <= stated.value[1]
    return bool(claim.value == stated.value)


def _likeness(claim: Value, stated: Value) -> int:
    """Shared character pairs of the words around two numbers, within their own clauses."""

    def grams(text: str) -> set[str]:
        folded = _fold(text)
        return {folded[i : i + 2] for i in range(len(folded) - 1)}

    return len((grams(claim.before) | grams(claim.after)) & (grams(stated.before) | grams(stated.after)))


def _show(value: Value) -> str:
    shown = {"amount": format_amount, "percent": format_ratio}.get(value.kind)
    plain = shown(value.value) if shown else value.text
    return f"“{value.text}”" if plain == value.text else f"“{value.text}”（{plain}）"


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "…"


def summary(report: Report) -> str:
    """The verdict line: how many references, how many problems."""
    if not report.findings:
        return "未发现任何文件或条文引用。"
    problems = len(report.defects)
    verdict = f"发现 {problems} 处问题。" if problems else "全部核对无误。"
    return f"共 {len(report.findings)} 处引用，{verdict}"


def render(report: Report) -> str:
    """The report for people: a verdict line, then each reference with what was found."""
    lines = [f"核对日期 {report.as_of}：{summary(report)}", *report.notes]
    for n, f in enumerate(report.findings, 1):
        mark = "✗" if f.defects else "✓"
        state = []
        if f.exists is False:
            state.append("条文不存在")
        if f.status:
            state.append("效力状态未记录" if f.status == UNKNOWN else f.status)
        if f.doc is not None and not f.doc.bundled:
            state.append("未收录正文")
        lines.append("")
        lines.append(f"{n}. {mark} {f.text} → {f.label}" + (f"（{'，'.join(state)}）" if state else ""))
        lines.append(f"   句子：{f.sentence}")
        for d in f.defects:
            lines.append(f"   [{KIND_NAMES[d.kind]}] {d.message}")
        for q in f.quotes:
            if q.verbatim:
                lines.append(f"   引文“{_short(q.text)}”：与原文一致。")
        for c in f.numbers:
            if c.verdict != "contradicts":
                lines.append(f"   数字：{c.note}")
        lines += [f"   说明：{note}" for note in f.notes]
        if f.suggestion is not None:
            lines.append(f"   建议核对：【{f.suggestion.label}】{_short(f.suggestion.text, 80)}")
        elif f.unit is not None and f.defects:
            lines.append(f"   原文：【{f.unit.label}】{_short(f.unit.text, 80)}")
    return "\n".join(lines)
