"""Find the units that answer a question: an article router, then BM25 + dense fusion.

"第8条", "办法第19条", "政府采购法第二条" name their unit: the router resolves them directly
and retrieval is skipped. Everything else is ranked by a linear score, fitted on the dev set, over
reciprocal-rank and score features of the BM25 (jieba tokens) and dense (e5 or m3e) rankings, one
hit per article, with a calibrated probability that the best hit is relevant at all, so the answer
layer can abstain.
"""

from __future__ import annotations

import math
import re
import tomllib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .config import Settings
from .corpus import BRACKETS, Corpus, load_corpus, normalize_name
from .embeddings import Embedder, make_embeddings
from .errors import ConfigError, RequestError
from .guard import MAX_QUESTION, check_question
from .index import Entry, Expected, Index, expected, open_index, unit_entry
from .numerals import CN_DIGITS, to_int
from .references import MAX_NUMBER, TITLE_MARKS, UnitRef, number_error
from .structure import Document, SubItem, Unit
from .tokenizer import Lexicon, Tokenizer

Mode = Literal["hybrid", "bm25", "dense"]
MAX_QUERY = MAX_QUESTION
MAX_K = 50

# ---------------------------------------------------------------------------------------------
# Parameters (chosen on the dev set by evals/tune_retrieval.py, stored in corpus/retrieval.toml)


# Features of a candidate article that the ranker weighs; see `Retriever.candidates`.
RANK_FEATURES = (
    "bm25_rrf",  # 1/(rrf_k + best BM25 rank of the article's units)
    "dense_rrf",  # 1/(rrf_k + best dense rank)
    "bm25_rel",  # best BM25 score / the query's top BM25 score
    "dense_gap",  # best cosine − the query's top cosine (≤ 0)
    "primary",  # the unit belongs to the 办法 (answered first when several documents are in scope)
    "mentioned",  # the question names this unit's document (办法, 政府采购法 …)
    "terms",  # share of the question's tokens found in the article's subject-index terms
)
# Features of a whole question that the relevance model weighs; see `_query_features`.
QUERY_FEATURES = ("bm25_top", "bm25_per_token", "known_tokens", "dense_top", "agree")


class Ranking(BaseModel):
    """A linear score over RANK_FEATURES; the default is plain reciprocal-rank fusion."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rrf_k: float = Field(10.0, gt=0)
    candidates: int = Field(30, ge=1, le=1000)  # units taken from each ranking
    weights: dict[str, float] = Field(default_factory=lambda: {"bm25_rrf": 1.0, "dense_rrf": 1.0})

    def model_post_init(self, _context: Any) -> None:
        unknown = set(self.weights) - set(RANK_FEATURES)
        if unknown:
            raise ValueError(f"unknown ranking features: {sorted(unknown)}")


class Calibration(BaseModel):
    """Logistic model of P(the best hit is relevant) over the features of `_query_features`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    intercept: float = 0.0
    weights: dict[str, float] = Field(default_factory=dict)
    threshold: float = Field(0.5, gt=0, lt=1)

    def model_post_init(self, _context: Any) -> None:
        unknown = set(self.weights) - set(QUERY_FEATURES)
        if unknown:
            raise ValueError(f"unknown relevance features: {sorted(unknown)}")


class RetrievalParams(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    ranking: dict[str, Ranking] = Field(default_factory=dict)  # by embedding backend
    calibration: dict[str, Calibration] = Field(default_factory=dict)  # by embedding backend


def load_params(path: Path) -> RetrievalParams:
    if not path.is_file():
        raise ConfigError(f"缺少检索参数文件：{path}")
    try:
        return RetrievalParams.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError(f"检索参数文件 {path} 无效：{exc}") from exc


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # fused score (router hits: 1.0)
    source: Literal["router", "hybrid", "bm25", "dense"]
    bm25: float | None = None  # raw BM25 score of this unit, when it was a candidate
    dense: float | None = None  # cosine similarity, when it was a candidate
    bm25_rank: int | None = None
    dense_rank: int | None = None


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
    routed: bool
    relevance: float  # calibrated P(the best hit is relevant); 1.0 for a routed reference
    relevant: bool
    notices: tuple[str, ...] = ()  # a routed reference that does not exist, in words for people
    features: dict[str, float] | None = None


# ---------------------------------------------------------------------------------------------
# Router

_N = rf"[0-9{CN_DIGITS}]+"
_ARTICLE_REF = re.compile(
    rf"(?P<di>第\s*)?(?P<art>{_N})\s*条(?:之(?P<suf>{_N}))?"
    rf"(?:\s*第?\s*(?P<para>{_N})\s*款)?"
    rf"(?:\s*(?:第\s*)?\(\s*(?P<item>{_N})\s*\)\s*项?|\s*第?\s*(?P<item2>{_N})\s*项)?"
    rf"(?:\s*第\s*(?P<sub>{_N})\s*目)?"
)
_FILLER = re.compile(r"(?:的规定|规定的|中的|里的|的|中|里|内|之)\s*$")


@dataclass(frozen=True)
class Reference:
    """An explicit reference found in a question, resolved to a document."""

    ref: UnitRef
    doc_id: str
    span: tuple[int, int]
    error: str | None = None  # a number no statute has (第0条, 第10000条), or an unknown document
    unknown_document: bool = False  # the error is a name that is no known document


@dataclass(frozen=True)
class Mention:
    """A document named in a text: 《title》, 文号 or a known name; doc_id None when none is known."""

    start: int
    end: int
    doc_id: str | None
    text: str


# A 文号 as written in text: 国办发〔2019〕57号, 内政发[2024]19号, 国务院令第712号, 国令第427号
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔(\[［][0-9]{4}[〕)\]］][0-9]{1,4}号|(?:国务院|国)令第[0-9]{1,4}号")
# Words after which an unknown 文号's issuer abbreviation starts (我局依据包政发〔2023〕5号 → 包政发…).
_NUMBER_LEAD = re.compile(r"按照|根据|依据|依照|遵照|对照|参照|关于|执行|落实|印发|转发|贯彻|列入|纳入|[和与及或的]")
NAME_WINDOW = 80  # characters before a reference that can hold its document's name
_DOC_SUFFIX = re.compile(r"(?:法|法典|条例|办法|规定|细则|决定|意见|通知|规则|号|号文|》)$")
# Words that may stand before a short name without making it another title: 按办法, 新办法, 国家审计法.
# Any other word does (数据安全管理办法, 机房管理办法), unless our own title has it (政务信息化项目管理办法).
_LEAD_BEFORE = re.compile(
    r"(?:按照?|根据|依据|依照|遵照|对照|参照|关于|对于|看看|查查|看下|问下|一下|说说|讲讲|知道|这个|这部|那个|我们的|的|和|与|及|或"
    r"|[、，,:：;；。！？!?《》()（）“”\s]|本|该|此|这|那|市|新|原|现行|国家|中国|我国|用|在"
    r"|低于|高于|超过|不足|达到|符合|违反|属于|适用|执行|落实|即|见|了|同时|上述|前述|结合|贯彻|遵循"
    # a one-character word only at a clause's start: ，对办法 — the 据 of 某某市数据管理办法 is part of a title
    r"|(?:^|[，,。；;：:、\s])(?:依|据|也|均|将|由|对|以|经))$"
)
# Where a written name starts: after a lead verb or punctuation (我们按照数据安全管理办法 → 数据安全管理办法).
_NAME_START = re.compile(r"按照|根据|依据|依照|遵照|对照|参照|关于|看看|查查|查一下|[，,：:、\s]")
_NAME_RUN = re.compile(r"《?[\w〔〕()\[\]]+》?$")
_ASKING = re.compile(r"^(?:请问|我想问|想问|问一下|关于|根据|按照|依据|对照|查一下|查询|看看)+")
_ONLY_ASKING = re.compile(
    r"^[\s的]*(?:是什么|讲什么|讲了什么|说什么|说了什么|说的是什么|写的是什么|内容|原文|全文|怎么规定的?|规定了什么|有什么规定)?[\s?？。!！]*$"
)
_RANGE = re.compile(r"^\s*(?:至|到|-|~|—|－|～)\s*$")
MAX_RANGE = 20


class Router:
    """Finds 第X条(第X款)(第（X）项) references in free text and names their document.

    A reference needs 第, a document name before it, or (for '21条第1款') a 款/项 or nothing else in
    the question. A name before a reference that is no known document is reported, never guessed."""

    def __init__(self, corpus: Corpus, normalize: Callable[[str], str] | None = None) -> None:
        self.corpus = corpus
        self.normalize = normalize or (lambda text: unicodedata.normalize("NFKC", text))
        names: dict[str, str] = {}
        for meta in corpus.entries:
            for name in (meta.title, *meta.aliases, meta.number or "", meta.short_name):
                key = normalize_name(name)
                if len(key) >= 2:
                    names.setdefault(key, meta.id)
        self._names = sorted(names.items(), key=lambda kv: -len(kv[0]))
        self._names_exactly = dict(self._names)

    def _document_before(self, text: str) -> tuple[str | None, str | None]:
        """(document id, error) for the name written just before a reference, if any."""
        tail = _FILLER.sub("", text[-NAME_WINDOW:].rstrip())  # no name is longer: a long text costs no more
        key = normalize_name(tail)
        exact = next(((name, doc) for name, doc in self._names if key.endswith(name)), None)
        if exact and not self._longer_name(key, *exact):
            return exact[1], None
        if not exact and not _DOC_SUFFIX.search(tail):
            return None, None
        run = _NAME_RUN.search(tail)
        candidate = _ASKING.sub("", run.group(0) if run else tail)
        cut = max((m.end() for m in _NAME_START.finditer(candidate.rstrip("》"))), default=0)
        candidate = candidate[cut:] or candidate
        try:
            return self.corpus.resolve(candidate).id, None
        except RequestError as exc:
            return None, str(exc)

    def _longer_name(self, key: str, name: str, doc: str) -> bool:
        """Whether a short name (办法) ends another document's title: the words before it that are not
        part of this document's own title end like a title (数据安全管理办法), and are not ours."""
        if len(name) > 4:  # a full title or 文号 is never the tail of another name
            return False
        titles = [normalize_name(t) for t in (self.corpus.meta(doc).title, *self.corpus.meta(doc).aliases)]
        before = key[: len(key) - len(name)]
        shared = max(
            k for k in range(len(before) + 1) if any(t.endswith(before[len(before) - k :] + name) for t in titles)
        )
        rest = _ASKING.sub("", before[: len(before) - shared])
        if not rest or _LEAD_BEFORE.search(rest):
            return False  # 按办法, 新办法, 我想知道办法, 国家审计法
        # 政务信息化项目管理办法 is a loose wording of our own title; 机房管理办法, 数据安全管理办法 are not
        return not any(rest[-2:] in t for t in titles)

    def _name_anywhere(self, text: str) -> str | None:
        key = normalize_name(text)
        return next((doc for name, doc in self._names if name in key), None)

    def mentioned(self, question: str) -> str | None:
        """The document a question names (longest name wins: 国家…管理办法 over 办法), if any."""
        return self._name_anywhere(self.normalize(question))

    def mentions(self, text: str) -> list[Mention]:
        """Every document named in a (normalized) text, in order: 《titles》 first, then 文号, then the
        manifest's names and aliases, longest first, never overlapping. A name no manifest entry answers
        to is kept with doc_id None, so a reader can say it is not bundled instead of guessing."""
        taken: list[tuple[int, int]] = []
        found: list[Mention] = []

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        def add(start: int, end: int, doc_id: str | None) -> None:
            taken.append((start, end))
            found.append(Mention(start, end, doc_id, text[start:end]))

        for m in TITLE_MARKS.finditer(text):
            add(m.start(), m.end(), self._known(m.group(1)))
        for m in _DOC_NUMBER.finditer(text):
            if free(*m.span()):
                written = m.group(0)
                year = written.find("〔") if "〔" in written else len(written)
                # the issuer's abbreviation is as long as a known 文号 says (按照国办发… → 国办发…); an
                # unknown one starts after the last word that cannot be part of it (我局依据包政发… → 包政发…)
                known = next(
                    (
                        (m.start() + i, d)
                        for i in range(0, max(1, year))
                        if (d := self._names_exactly.get(normalize_name(written[i:]))) is not None
                    ),
                    None,
                )
                if known is None:
                    cut = max((c.end() for c in _NUMBER_LEAD.finditer(written[:year])), default=0)
                    known = (m.start() + cut, None)
                add(known[0], m.end(), known[1])
        folded = text.translate(BRACKETS)
        for name, doc in self._names:
            for m in re.finditer(re.escape(name), folded):
                window = normalize_name(folded[max(0, m.end() - NAME_WINDOW) : m.end()])
                if free(*m.span()) and not self._longer_name(window, name, doc):
                    add(m.start(), m.end(), doc)
        return _merged(text, sorted(found, key=lambda m: m.start))

    def by_number(self, written: str, doc: str) -> bool:
        """Whether the words before a reference end with the document's 文号 (one version, by name)."""
        number = self.corpus.meta(doc).number
        return bool(number) and normalize_name(_FILLER.sub("", written.rstrip())).endswith(normalize_name(number))

    def _known(self, name: str) -> str | None:
        try:
            return self.corpus.resolve(name).id
        except RequestError:
            return None

    def find(
        self,
        question: str,
        default: str | None = None,
        context: Callable[[int], Mention | None] | None = None,
        day: date | None = None,
    ) -> list[Reference]:
        """References in a question; `default` is the document for unnamed ones (else the 办法). With
        `context` (position → the document named last before it), an unnamed reference belongs to
        that document, as a reader takes 第二十六条 after 《政府采购法》第二条. With `day`, a document
        with several versions means the one in force that day, unless its 文号 names one version."""
        text = self.normalize(question)
        found: list[Reference] = []
        for m in _ARTICLE_REF.finditer(text):
            before, after = text[: m.start()], text[m.end() :]
            named, error = self._document_before(before)
            starts_clause = not before.strip() or before.rstrip()[-1] in ",，。;；:：、?？!！ "
            # 21条第1款, 十九条 (the whole question), 二十一条第二款: no 第, but nothing else it could be
            bare = starts_clause and (m.group("art").isdigit() or not before.strip())
            detailed = any(m.group(g) for g in ("para", "item", "item2"))
            if not (m.group("di") or named or error or (bare and (detailed or _ONLY_ASKING.match(after)))):
                continue  # '有一条规定', '3条规定都适用吗' name no article
            try:
                numbers = {k: to_int(v) if v else None for k, v in m.groupdict().items() if k != "di"}
            except ValueError:
                continue
            written = before
            if context is not None and not named and not error:
                near = context(m.start())
                if near is not None and near.doc_id is None:
                    error, named = f"“{near.text.strip('《》')}”不在已知文件之列，未收录正文。", None
                doc = near.doc_id if near is not None else None
                written = near.text if near is not None else ""
            else:
                doc = named or (found[-1].doc_id if found else None) or self._name_anywhere(text)
            doc = doc or default or self.corpus.primary
            if day is not None and not self.by_number(written, doc):
                doc = self.corpus.version_on(doc, day)
            if error is None and any(v is not None and not 1 <= v <= MAX_NUMBER for v in numbers.values()):
                error = number_error(m.group(0))
            if error:
                unknown = named is None  # the name before the reference failed to resolve
                numbered = unknown and all(v is None or 1 <= v <= MAX_NUMBER for v in numbers.values())
                ref = UnitRef(
                    article=numbers["art"] if numbered else 1,  # type: ignore[arg-type]
                    paragraph=numbers["para"] if numbered else None,
                    item=(numbers["item"] or numbers["item2"]) if numbered else None,
                    document=doc,
                )
                found.append(Reference(ref, doc, m.span(), error, unknown))
                continue
            ref = UnitRef(
                article=numbers["art"],  # type: ignore[arg-type]
                suffix=numbers["suf"],
                paragraph=numbers["para"],
                item=numbers["item"] or numbers["item2"],
                subitem=numbers["sub"],
                document=doc,
            )
            previous = found[-1] if found else None
            if previous and _is_range(previous, ref, text[previous.span[1] : m.start()]):
                for n in range(previous.ref.article + 1, ref.article):
                    found.append(Reference(UnitRef(article=n, document=doc), doc, (previous.span[1], m.start())))
            found.append(Reference(ref, doc, m.span()))
        return found


def _merged(text: str, mentions: list[Mention]) -> list[Mention]:
    """A title and its 文号 written together name one document once: 《…》（国办发〔2019〕57号）."""
    out: list[Mention] = []
    for m in mentions:
        last = out[-1] if out else None
        # a 《title》 no manifest lists, with its 文号, is one unknown document too
        same = m.doc_id is not None or (
            last is not None and last.text.startswith("《") and _DOC_NUMBER.fullmatch(m.text)
        )
        if last and same and m.doc_id == last.doc_id and re.fullmatch(r"[\s(（]*", text[last.end : m.start]):
            end = m.end + (1 if text[m.end : m.end + 1] in ")）" else 0)
            out[-1] = Mention(last.start, end, last.doc_id, text[last.start : end])
        else:
            out.append(m)
    return out


def referenced_units(
    corpus: Corpus, references: list[Reference]
) -> tuple[list[tuple[tuple[Document, Unit], Reference]], list[str]]:
    """The units the references name, and, for those naming none, what to tell the asker."""
    found: list[tuple[tuple[Document, Unit], Reference]] = []
    notices: list[str] = []
    for reference in references:
        if reference.error:
            notices.append(reference.error)
            continue
        try:
            found.append((resolve_reference(corpus, reference), reference))
        except RequestError as exc:
            notices.append(str(exc))
    return found, notices


def resolve_reference(corpus: Corpus, reference: Reference) -> tuple[Document, Unit]:
    """The unit a reference names; the RequestError names the document when it is not the 办法."""
    try:
        return corpus.lookup(reference.ref, reference.doc_id)
    except RequestError as exc:
        named = corpus.meta(reference.doc_id)
        if reference.doc_id == corpus.primary or named.short_name in str(exc):
            raise
        raise type(exc)(f"{named.short_name}：{exc}") from exc


def _is_range(previous: Reference, ref: UnitRef, between: str) -> bool:
    """第3条至第5条: whole articles of one document, a short span."""
    p = previous.ref
    plain = all(x is None for x in (p.paragraph, p.item, p.suffix, ref.paragraph, ref.item, ref.suffix))
    return (
        previous.error is None
        and plain
        and previous.doc_id == ref.document
        and 0 < ref.article - p.article <= MAX_RANGE
        and bool(_RANGE.match(between))
    )


# ---------------------------------------------------------------------------------------------
# Retriever


@dataclass(frozen=True)
class Signals:
    """The raw evidence for one question: both rankings over units, in scope."""

    tokens: list[str]
    bm25: dict[int, tuple[int, float]]  # entry position → (rank, score)
    dense: dict[int, tuple[int, float]]  # entry position → (rank, cosine)
    mentioned: str | None  # a document the question names


@dataclass(frozen=True)
class Candidate:
    """An article that either ranking put forward, with the unit that stood for it."""

    key: tuple[str, int, int | None]  # doc id, article, suffix
    best: int  # entry position of its best-ranked unit
    features: dict[str, float]


class Retriever:
    """Search over an open index. Build one with `Retriever.create()` (loads models and index)."""

    def __init__(
        self,
        corpus: Corpus,
        tokenizer: Tokenizer,
        embedder: Embedder,
        index: Index,
        params: RetrievalParams,
    ) -> None:
        self.corpus = corpus
        self.tokenizer = tokenizer
        self.embedder = embedder
        self.index = index
        backend = embedder.info.backend
        if backend not in params.ranking or backend not in params.calibration:
            raise ConfigError(
                f"检索参数文件中没有 {backend} 后端的排序权重或相关度校准；请运行 evals/tune_retrieval.py --write。"
            )
        self.ranking = params.ranking[backend]
        self.calibration = params.calibration[backend]
        self.router = Router(corpus, tokenizer.normalize)
        self._by_id = {e.id: e for e in index.entries}
        self._masks: dict[tuple[str, ...], Any] = {}
        self._terms: dict[tuple[str, int, int | None], set[str]] = {}
        for e in index.entries:
            if e.terms:
                self._terms.setdefault((e.doc_id, e.article, e.suffix), set()).update(tokenizer.tokens(e.terms))

    @classmethod
    def create(cls, settings: Settings | None = None, corpus: Corpus | None = None) -> Retriever:
        """Load corpus, tokenizer, embedder, parameters and the index; refuse a stale index."""
        settings = settings or Settings()
        corpus = corpus or load_corpus(settings)
        tokenizer, embedder, want = prepare(settings, corpus)
        params = load_params(settings.retrieval_config_path)
        index = open_index(settings, want, embedder)
        embedder.warm_up()
        return cls(corpus, tokenizer, embedder, index, params)

    def scope_ids(self, scope: str | Sequence[str] | None, day: date | None = None) -> list[str]:
        """'all' (every bundled document), 'primary' (the 办法), or document names / ids; a document
        with several versions is searched at the version in force on `day` (today when None)."""
        if scope is None or (isinstance(scope, str) and scope.strip() == "all"):
            return self.corpus.in_force_ids(day)
        if isinstance(scope, str) and scope.strip() == "primary":
            return [self.corpus.primary_on(day)]
        if not isinstance(scope, str | list | tuple):
            raise RequestError("检索范围应为文件名称或名称列表：all（全部文件）、primary（仅办法）或文件名称。")
        names = [scope] if isinstance(scope, str) else list(scope)
        if not names or any(not isinstance(n, str) or not n.strip() for n in names):
            raise RequestError("检索范围为空：请写 all（全部文件）、primary（仅办法）或文件名称。")
        ids = []
        for name in names:
            meta = self.corpus.resolve(name, day)
            if meta.id not in self.corpus.documents:
                raise RequestError(f"{meta.cite_with_number()}未收录正文，不能作为检索范围。")
            ids.append(meta.id)
        return list(dict.fromkeys(ids))

    def search(
        self,
        query: str,
        k: int = 5,
        scope: str | Sequence[str] | None = "all",
        mode: Mode = "hybrid",
        route: bool = True,
        day: date | None = None,
    ) -> SearchResult:
        """Ranked units for a question; a question that names articles gets exactly those units.
        `day` picks the version of a document with several (today when None)."""
        query = check_question(query)
        if mode not in ("hybrid", "bm25", "dense"):
            raise RequestError(f"检索方式“{mode}”无效：应为 hybrid、bm25 或 dense。")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise RequestError(f"返回条数应为 1 到 {MAX_K} 之间的整数，收到“{k}”。")
        doc_ids = self.scope_ids(scope, day)
        if route:
            default = doc_ids[0] if len(doc_ids) == 1 else None  # '第五条' with --scope 审计法
            references = self.router.find(query, default, day=day or date.today())
            if references:
                return self._routed(query, references)
        result = self._ranked(query, k, doc_ids, mode)
        mentioned = self.router.mentioned(query)
        if mentioned and mentioned not in self.corpus.documents:
            meta = self.corpus.meta(mentioned)
            notice = f"问题提到的{meta.cite_with_number()}未收录正文，以下结果来自其他文件。"
            return replace(result, notices=(*result.notices, notice), relevant=False)
        return result

    def _routed(self, query: str, references: list[Reference]) -> SearchResult:
        hits: list[Hit] = []
        found, notices = referenced_units(self.corpus, references)
        for (doc, unit), reference in found:
            if isinstance(unit, SubItem):  # 目 are indexed with their 项
                doc, unit = self.corpus.lookup(replace(reference.ref, subitem=None), reference.doc_id)
            entry = self._by_id.get(unit.id) or unit_entry(doc, unit)
            hits.append(Hit(entry=entry, score=1.0, source="router"))
        unique = tuple({h.entry.id: h for h in hits}.values())
        return SearchResult(query, unique, True, 1.0 if unique else 0.0, bool(unique), tuple(notices))

    def _work(self, doc_id: str) -> str:
        """Versions of one document share its features (the 办法's successor is the 办法)."""
        return self.corpus.meta(doc_id).work_id

    def _mask(self, doc_ids: tuple[str, ...]) -> Any:
        """Which entries are in scope, as a boolean array; a handful of scopes recur, so kept."""
        import numpy as np

        mask = self._masks.get(doc_ids)
        if mask is None:
            mask = self._masks[doc_ids] = np.array([e.doc_id in doc_ids for e in self.index.entries])
        return mask

    def signals(self, query: str, doc_ids: Sequence[str], k: int = 5) -> Signals:
        """Both rankings, in scope, deep enough for k articles; the relevance signal needs both."""
        import numpy as np

        entries, n = self.index.entries, max(self.ranking.candidates, 4 * k)
        allowed = self._mask(tuple(doc_ids))
        tokens = self.tokenizer.query_tokens(query)
        scores = np.where(allowed, self.index.bm25_scores(tokens), 0.0)
        ordered = [p for p in np.argsort(-scores, kind="stable").tolist() if scores[p] > 0]
        depth = n
        while depth < len(ordered) and _articles(entries, ordered[:depth]) < k:
            depth *= 2
        bm25 = {p: (rank, float(scores[p])) for rank, p in enumerate(ordered[:depth])}
        vector = self.embedder.encode([self.tokenizer.normalize(query)], query=True)[0]
        total, depth = self.index.manifest.store["vectors"], n
        while True:  # a unit's several vectors (its 款, 项, sample questions) crowd the first results
            pairs = self.index.dense(vector, depth, doc_ids)
            if depth >= total or _articles(entries, [p for p, _ in pairs]) >= k:
                break
            depth *= 4
        dense = {p: (rank, c) for rank, (p, c) in enumerate(pairs)}
        return Signals(tokens, bm25, dense, self.router.mentioned(query))

    def candidates(self, signals: Signals) -> list[Candidate]:
        """Every article either ranking put forward, with the features the ranker weighs."""
        entries, k = self.index.entries, self.ranking.rrf_k
        top_b = max((s for _, s in signals.bm25.values()), default=0.0)
        top_d = max((c for _, c in signals.dense.values()), default=0.0)
        query_tokens = set(signals.tokens)
        grouped: dict[tuple[str, int, int | None], list[int]] = {}
        for pos in sorted(set(signals.bm25) | set(signals.dense)):
            e = entries[pos]
            grouped.setdefault((e.doc_id, e.article, e.suffix), []).append(pos)
        out = []
        for key, positions in grouped.items():
            b = min((signals.bm25[p] for p in positions if p in signals.bm25), default=None)
            d = min((signals.dense[p] for p in positions if p in signals.dense), default=None)
            terms = self._terms.get(key, set())

            def unit_score(p: int) -> float:
                rb = signals.bm25.get(p)
                rd = signals.dense.get(p)
                return (1 / (k + rb[0] + 1) if rb else 0.0) + (1 / (k + rd[0] + 1) if rd else 0.0)

            features = {
                "bm25_rrf": 1 / (k + b[0] + 1) if b else 0.0,
                "dense_rrf": 1 / (k + d[0] + 1) if d else 0.0,
                "bm25_rel": b[1] / top_b if b and top_b > 0 else 0.0,
                "dense_gap": d[1] - top_d if d else -1.0,
                "primary": 1.0 if self._work(key[0]) == self._work(self.corpus.primary) else 0.0,
                "mentioned": 1.0 if signals.mentioned and self._work(key[0]) == self._work(signals.mentioned) else 0.0,
                "terms": len(query_tokens & terms) / len(query_tokens) if query_tokens else 0.0,
            }
            out.append(Candidate(key, max(positions, key=lambda p: (unit_score(p), -p)), features))
        return out

    def _ranked(self, query: str, k: int, doc_ids: list[str], mode: Mode) -> SearchResult:
        signals = self.signals(query, doc_ids, k)
        ranked = signals
        if mode != "hybrid":  # one ranking alone; the relevance signal still reads both
            ranked = replace(
                signals, bm25={} if mode == "dense" else signals.bm25, dense={} if mode == "bm25" else signals.dense
            )
        weights = self.ranking.weights if mode == "hybrid" else {f"{mode}_rrf": 1.0}
        scored = sorted(
            ((sum(w * c.features.get(name, 0.0) for name, w in weights.items()), c) for c in self.candidates(ranked)),
            key=lambda sc: (-sc[0], sc[1].best),
        )
        hits = []
        for score, c in scored[:k]:
            b, d = ranked.bm25.get(c.best), ranked.dense.get(c.best)
            hits.append(
                Hit(
                    entry=self.index.entries[c.best],
                    score=score,
                    source=mode,
                    bm25=b[1] if b else None,
                    dense=d[1] if d else None,
                    bm25_rank=b[0] if b else None,
                    dense_rank=d[0] if d else None,
                )
            )
        features = _query_features(signals, self.index)
        relevance = self._calibrated(features) if hits else 0.0
        return SearchResult(query, tuple(hits), False, relevance, relevance >= self.calibration.threshold, (), features)

    def as_langchain(self, k: int = 5, scope: str | Sequence[str] | None = "all") -> RegulationRetriever:
        return RegulationRetriever(searcher=self, k=k, scope=scope)

    def _calibrated(self, features: dict[str, float]) -> float:
        c = self.calibration
        z = c.intercept + sum(w * features.get(name, 0.0) for name, w in c.weights.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def _articles(entries: list[Entry], positions: list[int]) -> int:
    return len({(entries[p].doc_id, entries[p].article, entries[p].suffix) for p in positions})


def _query_features(signals: Signals, index: Index) -> dict[str, float]:
    """What the relevance model sees: how strongly and how consistently the two rankings agree."""
    entries = index.entries
    top_b = min(signals.bm25, key=lambda p: signals.bm25[p][0]) if signals.bm25 else None
    top_d = min(signals.dense, key=lambda p: signals.dense[p][0]) if signals.dense else None
    unique = list(dict.fromkeys(signals.tokens))
    known = index.bm25.get_tokens_ids(unique)

    def article(p: int | None) -> tuple[str, int] | None:
        return (entries[p].doc_id, entries[p].article) if p is not None else None

    bm25_top = signals.bm25[top_b][1] if top_b is not None else 0.0
    return {
        "bm25_top": bm25_top,
        "bm25_per_token": bm25_top / max(1, len(unique)),
        "known_tokens": len(known) / max(1, len(unique)),
        "dense_top": signals.dense[top_d][1] if top_d is not None else 0.0,
        "agree": 1.0 if top_b is not None and article(top_b) == article(top_d) else 0.0,
    }


class RegulationRetriever(BaseRetriever):
    """langchain's retriever interface over `Retriever.search`: one Document per hit."""

    searcher: Any  # a Retriever; Any because pydantic cannot validate it
    k: int = Field(5, ge=1, le=50)
    scope: str | list[str] | None = "all"

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[LCDocument]:
        result: SearchResult = self.searcher.search(query, k=self.k, scope=self.scope)
        return [hit_document(hit, result) for hit in result.hits]


def hit_document(hit: Hit, result: SearchResult) -> LCDocument:
    metadata: dict[str, Any] = {
        **hit.entry.metadata(),
        "score": hit.score,
        "source": hit.source,
        "relevance": result.relevance,
        "relevant": result.relevant,
    }
    return LCDocument(page_content=hit.entry.text, metadata=metadata, id=hit.entry.id)


def prepare(settings: Settings, corpus: Corpus) -> tuple[Tokenizer, Embedder, Expected]:
    """The tokenizer (warm), the embedder (cold) and what the index for them should record."""
    tokenizer = Tokenizer(Lexicon.load(settings.corpus_dir)).warm_up()
    embedder = make_embeddings(settings)
    return tokenizer, embedder, expected(corpus, settings, tokenizer, embedder)
