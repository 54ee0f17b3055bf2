"""The search index: units at two grains, a BM25 index and a Chroma vector store, built atomically.

Layout under `index_dir` (never committed):

    manifest.json        the current build: what it was built from; written last, atomically
    builds/<build>/      entries.jsonl, bm25/, chroma/ (embedded mode)
    cache/<embedder>.npz passage vectors by text hash, so rebuilds embed only what changed
    .lock                held while building

A build writes a new folder and only then replaces `manifest.json`, so a crash or Ctrl-C leaves
the previous index usable. In server mode (REGASSIST_CHROMA_HOST/PORT) the vectors live in a
collection named after the build's fingerprint on a shared `chroma run`; replicas that build the
same corpus with the same model reuse it instead of embedding again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from .config import Settings
from .corpus import Corpus
from .embeddings import Embedder, EmbedderInfo
from .errors import ConfigError, IndexNotReady, RequestError, VectorStoreError
from .numerals import CN_DIGITS
from .references import UnitRef
from .structure import Article, Document, Item, Paragraph, Unit
from .tokenizer import Tokenizer

if TYPE_CHECKING:
    import numpy as np
    from langchain_chroma import Chroma

FORMAT = 2
COLLECTION = "units"
MANIFEST = "manifest.json"
INDEX_TERMS = "index_terms.toml"
SAMPLE_QUESTIONS = "sample_questions.toml"
LIBRARIES = ("chromadb", "langchain-chroma", "langchain-core", "bm25s", "jieba", "opencc")
GRAINS = ("article", "paragraph", "item")
_LABEL = re.compile(rf"^\s*第[0-9{CN_DIGITS}]+条(?:之[0-9{CN_DIGITS}]+)?\s*")


@dataclass(frozen=True)
class Entry:
    """One indexed unit. Articles always; 款 only for articles with several; 项 always."""

    id: str  # the unit id, doc:article[:paragraph[:item]]
    doc_id: str
    article: int
    suffix: int | None
    paragraph: int | None
    item: int | None
    grain: str  # one of GRAINS
    label: str  # 《title》第二十一条第一款第（三）项
    chapter: str  # '第三章 建设和资金管理', or ''
    level: str
    status: str
    text: str  # the unit's own text, a verbatim slice of the document
    context: str  # document short name and headings, prepended for matching
    terms: str = ""  # subject-index terms from corpus/index_terms.toml: matched, never quoted
    questions: tuple[str, ...] = ()  # sample questions from corpus/sample_questions.toml: probes

    @property
    def search_text(self) -> str:
        """What BM25 and the store see: context, subject terms, and the text without its 第X条 label."""
        return " ".join(part for part in (self.context, self.terms, *self.questions, _LABEL.sub("", self.text)) if part)

    def metadata(self) -> dict[str, str | int]:
        """Chroma and langchain metadata: no None values (Chroma rejects them)."""
        meta = {
            k: v
            for k, v in asdict(self).items()
            if k not in ("text", "context", "terms", "questions") and v is not None
        }
        meta["unit_id"] = meta.pop("id")
        return meta


Annotation = dict[str, tuple[str, ...]]  # unit id → strings


@dataclass(frozen=True)
class Annotations:
    """Hand-written retrieval aids bound to units; matched against, never quoted.

    terms: a subject index (主题索引) — words people use that the text does not;
    questions: sample questions each unit answers (doc2query), embedded as extra probes.
    """

    terms: Annotation
    questions: Annotation


def load_annotations(corpus_dir: Path, corpus: Corpus) -> Annotations:
    return Annotations(
        _annotation(corpus_dir / INDEX_TERMS, corpus), _annotation(corpus_dir / SAMPLE_QUESTIONS, corpus)
    )


def _annotation(path: Path, corpus: Corpus) -> Annotation:
    """A TOML table per document id; keys "N" (第N条), "N.P" (第N条第P款, or 第N条第P项 when the
    article has one 款) and "N.P.I" (第N条第P款第I项), each a list of strings. Optional."""
    if not path.is_file():
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} 不是有效的 TOML：{exc}") from exc
    out: Annotation = {}
    for doc_id, keys in table.items():
        doc = corpus.documents.get(doc_id)
        if doc is None or not isinstance(keys, dict):
            raise ConfigError(f"{path}：[{doc_id}] 不是已收录的文件 id。")
        for key, values in keys.items():
            if not isinstance(values, list) or not all(isinstance(t, str) and t.strip() for t in values):
                raise ConfigError(f"{path}：[{doc_id}] “{key}” 应为非空字符串列表。")
            out[_term_unit(doc, key, path).id] = tuple(t.strip() for t in values)
    return out


def _term_unit(doc: Document, key: str, path: Path) -> Unit:
    try:
        numbers = [int(n) for n in key.split(".")]
        if not 1 <= len(numbers) <= 3:
            raise ValueError(key)
        article = doc.article(numbers[0])
        if len(numbers) == 2 and len(article.paragraphs) == 1:
            numbers = [numbers[0], 1, numbers[1]]
        return doc.find(
            UnitRef(
                *numbers[:1],
                paragraph=numbers[1] if len(numbers) > 1 else None,
                item=numbers[2] if len(numbers) > 2 else None,
            )
        )
    except (ValueError, RequestError) as exc:
        raise ConfigError(f"{path}：[{doc.id}] 的键 “{key}” 不指向任何条文（{exc}）。") from exc


def build_entries(corpus: Corpus, notes: Annotations | None = None) -> list[Entry]:
    notes = notes or Annotations({}, {})
    return [entry for doc in corpus.documents.values() for entry, _ in _doc_entries(doc, notes)]


def _doc_entries(doc: Document, notes: Annotations) -> Iterator[tuple[Entry, Unit]]:
    for article in doc.articles:
        units: list[tuple[Article | Paragraph | Item, str]] = [(article, "article")]
        for paragraph in article.paragraphs:
            if len(article.paragraphs) > 1:
                units.append((paragraph, "paragraph"))
            units.extend((item, "item") for item in paragraph.items)
        for unit, grain in units:
            yield _entry(doc, article, unit, grain, notes), unit


def unit_entry(doc: Document, unit: Article | Paragraph | Item) -> Entry:
    """An entry for any unit, indexed or not (the one 款 of a one-款 article is indexed as its 条)."""
    article = doc.article(unit.ref.article, unit.ref.suffix)
    grain = "article" if isinstance(unit, Article) else "paragraph" if isinstance(unit, Paragraph) else "item"
    return _entry(doc, article, unit, grain, Annotations({}, {}))


def _entry(doc: Document, article: Article, unit: Article | Paragraph | Item, grain: str, notes: Annotations) -> Entry:
    meta, ref = doc.meta, unit.ref
    return Entry(
        id=unit.id,
        doc_id=meta.id,
        article=ref.article,
        suffix=ref.suffix,
        paragraph=ref.paragraph,
        item=ref.item,
        grain=grain,
        label=doc.label(unit),
        chapter=article.chapter.name if article.chapter else "",
        level=meta.level or "",
        status=meta.status or "",
        text=unit.text,
        context=" ".join([meta.short_name, *(h.title for h in article.headings)]),
        terms=" ".join(notes.terms.get(unit.id, ())),
        questions=notes.questions.get(unit.id, ()),
    )


def leaves(doc: Document, entry: Entry, unit: Unit) -> list[str]:
    """The passages whose vectors make up an entry's vector.

    e5 reads at most 512 tokens, and embedding each text at every grain would cost three times
    over; so only the smallest pieces are embedded (a 款's lead-in and each 项, or a 款 without
    项), and a 款's or 条's vector is the normalised mean of its pieces'.
    """
    paragraphs = unit.paragraphs if isinstance(unit, Article) else [unit] if isinstance(unit, Paragraph) else []
    out = [f"{entry.context} {entry.terms}"] if entry.terms else []
    if isinstance(unit, Item):
        return [*out, f"{entry.context} {unit.text}"]
    for p in paragraphs:
        if p.items:
            lead = doc.text[p.start : p.items[0].start].strip()
            out.append(f"{entry.context} {lead}")
            out.extend(f"{entry.context} {i.text}" for i in p.items)
        else:
            out.append(f"{entry.context} {p.text}")
    return out


@dataclass(frozen=True)
class IndexManifest:
    format: int
    build: str
    built_at: str
    fingerprint: str
    entries_hash: str
    entries: int
    documents: dict[str, int]  # doc id → number of entries
    lexicon: str
    embedder: dict[str, str]
    store: dict[str, Any]
    libraries: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)

    @classmethod
    def read(cls, path: Path) -> IndexManifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (OSError, ValueError, TypeError) as exc:
            raise IndexNotReady(f"索引清单 {path} 无法读取（{type(exc).__name__}）") from exc
        typed = all(isinstance(getattr(manifest, f), dict) for f in ("documents", "embedder", "store", "libraries"))
        if (
            not typed
            or not isinstance(manifest.build, str)
            or not {"kind", "collection", "vectors"} <= set(manifest.store)
        ):
            raise IndexNotReady(f"索引清单 {path} 内容不完整")
        return manifest


@dataclass(frozen=True)
class Expected:
    """What an index built now from the current corpus and settings would record."""

    entries: list[Entry]
    entries_hash: str
    lexicon: str
    embedder: dict[str, str]
    store: dict[str, Any]
    libraries: dict[str, str]

    @property
    def fingerprint(self) -> str:
        payload = json.dumps(
            [FORMAT, self.entries_hash, self.lexicon, self.embedder, self.libraries], sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def differences(self, manifest: IndexManifest) -> list[str]:
        """Why an index on disk is not the one we would build now, in words for people."""
        reasons = []
        if manifest.format != FORMAT:
            reasons.append(f"索引格式为 {manifest.format}，当前程序需要 {FORMAT}")
        if manifest.entries_hash != self.entries_hash:
            reasons.append("语料（文件、条文或元数据）已变化")
        if manifest.lexicon != self.lexicon:
            reasons.append("检索词表（jieba 词典、停用词、同义词）已变化")
        if manifest.embedder != self.embedder:
            got, want = manifest.embedder, self.embedder
            reasons.append(
                f"向量模型不同：索引为 {got.get('backend')}/{got.get('model')}，配置为 {want['backend']}/{want['model']}"
            )
        changed = [k for k in self.libraries if manifest.libraries.get(k) != self.libraries[k]]
        if changed:
            reasons.append(
                "依赖库版本已变化："
                + "、".join(f"{k} {manifest.libraries.get(k)}→{self.libraries[k]}" for k in changed)
            )
        if _store_target(manifest.store) != _store_target(self.store):
            reasons.append(
                f"向量库位置不同：索引在 {_describe_store(manifest.store)}，配置为 {_describe_store(self.store)}"
            )
        return reasons


def expected(corpus: Corpus, settings: Settings, tokenizer: Tokenizer, embedder: Embedder) -> Expected:
    entries = build_entries(corpus, load_annotations(settings.corpus_dir, corpus))
    digest = hashlib.sha256()
    for e in entries:
        digest.update(json.dumps(asdict(e), ensure_ascii=False, sort_keys=True).encode())
        digest.update(b"\n")
    server = settings.chroma_server
    store: dict[str, Any] = (
        {"kind": "embedded"} if server is None else {"kind": "server", "host": server[0], "port": server[1]}
    )
    return Expected(
        entries=entries,
        entries_hash=digest.hexdigest(),
        lexicon=tokenizer.lexicon.digest,
        embedder=asdict(embedder.info),
        store=store,
        libraries=library_versions(),
    )


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _store_target(store: dict[str, Any]) -> tuple[Any, ...]:
    return (store.get("kind"), store.get("host"), store.get("port"))


def _describe_store(store: dict[str, Any]) -> str:
    if store.get("kind") == "server":
        return f"Chroma 服务 {store.get('host')}:{store.get('port')}"
    return "本地目录"


def status(settings: Settings, want: Expected) -> list[str]:
    """Reasons the index must be (re)built; empty when the current index matches and is whole."""
    return _inspect(settings, want)[0]


Opened = tuple[IndexManifest, Any, Any]  # manifest, Chroma client, collection


def _inspect(settings: Settings, want: Expected) -> tuple[list[str], Opened | None]:
    """Check the index on disk once; when it is usable, hand back what the check opened."""
    path = settings.index_dir / MANIFEST
    if not path.is_file():
        return ["索引尚未构建"], None
    try:
        manifest = IndexManifest.read(path)
    except IndexNotReady as exc:
        return [str(exc)], None
    reasons = want.differences(manifest)
    if reasons:
        return reasons, None
    build = settings.index_dir / "builds" / manifest.build
    if not (build / "entries.jsonl").is_file() or not (build / "bm25").is_dir():
        return [f"索引目录 builds/{manifest.build} 不完整"], None
    if manifest.store["kind"] == "embedded" and not (build / "chroma" / "chroma.sqlite3").is_file():
        return [f"索引目录 builds/{manifest.build} 缺少向量库"], None
    try:
        client, collection = _open_collection(settings, manifest)
    except (IndexNotReady, VectorStoreError) as exc:
        return [str(exc).rstrip("。")], None
    return [], (manifest, client, collection)


def _open_collection(settings: Settings, manifest: IndexManifest) -> tuple[Any, Any]:
    """(client, collection) of a build's vectors, checked to hold all of them; never creates one."""
    embedded = manifest.store["kind"] == "embedded"
    folder = settings.index_dir / "builds" / manifest.build / "chroma" if embedded else None
    client = _client(settings, folder)
    name, count = manifest.store["collection"], manifest.store["vectors"]
    try:
        collection = client.get_collection(name=name, embedding_function=None)
        complete = collection.count() == count
    except Exception:  # chromadb raises NotFoundError or ValueError by version
        complete = False
    if not complete:
        where = f"Chroma 服务上的集合 {name}" if not embedded else f"本地向量库 builds/{manifest.build}/chroma"
        raise IndexNotReady(f"{where}缺失或不完整")
    return client, collection


# ---------------------------------------------------------------------------------------------
# Building


class _Precomputed(Embeddings):
    """Hands the store the vectors computed (and cached) before it is written, one batch a call."""

    def __init__(self) -> None:
        self.batch: list[list[float]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if len(texts) != len(self.batch):
            raise RuntimeError("precomputed batch does not match the texts being added")
        batch, self.batch = self.batch, []
        return batch

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError("build-time embeddings answer no queries")


class VectorCache:
    """Passage vectors of one embedder, by sha1 of the passage; saved atomically, even on Ctrl-C."""

    def __init__(self, path: Path) -> None:
        import numpy as np

        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        if path.is_file():
            try:
                with np.load(path, allow_pickle=False) as data:
                    self.vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
                self.vectors = {}  # a damaged cache is only a slower build

    @classmethod
    def of(cls, cache_dir: Path, info: EmbedderInfo, prefix: str = "") -> VectorCache:
        """The cache file of one embedder (backend, model and version); `prefix` keeps other users'
        vectors (the evaluation's chunks) apart from the index's."""
        slug = hashlib.sha1(f"{info.backend}|{info.model}|{info.version}".encode()).hexdigest()[:16]
        return cls(cache_dir / f"{prefix}{info.backend}-{slug}.npz")

    @staticmethod
    def key(text: str, query: bool = False) -> str:
        return hashlib.sha1((("query: " if query else "") + text).encode()).hexdigest()

    def save(self) -> None:
        import numpy as np

        if not self.vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp.npz")
        keys = list(self.vectors)
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        os.replace(tmp, self.path)


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "w")  # noqa: SIM115 — closed by the with below
    except OSError as exc:
        raise IndexNotReady(f"无法写入索引目录 {index_dir}：{exc.strerror or exc}") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexNotReady(f"另一个进程正在构建索引（{index_dir / '.lock'}），请稍后再试。") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


Progress = Callable[[str], None]


def build(
    corpus: Corpus,
    settings: Settings,
    tokenizer: Tokenizer,
    embedder: Embedder,
    progress: Progress | None = None,
) -> IndexManifest:
    """Build a new index and make it current; the previous one stays usable until the last step."""
    say = progress or (lambda _msg: None)
    index_dir = settings.index_dir
    with _build_lock(index_dir):
        started = time.perf_counter()
        want = expected(corpus, settings, tokenizer, embedder)
        builds = index_dir / "builds"
        _remove_stale_builds(index_dir)
        build_id = _new_build_id(builds, want.fingerprint)
        work = builds / f"{build_id}.partial"
        work.mkdir(parents=True)
        timings: dict[str, float] = {}
        try:
            if settings.chroma_server is not None:
                _client(settings, None)  # an unreachable server fails now, not after a minute of embedding
            t = time.perf_counter()
            say(f"分词并建立 BM25 索引（{len(want.entries)} 个条目）…")
            _write_entries(work / "entries.jsonl", want.entries)
            _build_bm25(work / "bm25", [tokenizer.tokens(e.search_text) for e in want.entries])
            timings["bm25_s"] = round(time.perf_counter() - t, 3)

            t = time.perf_counter()
            vectors, probe_vectors = _vectors(corpus, want.entries, embedder, settings.cache_dir, say)
            timings["embed_s"] = round(time.perf_counter() - t, 3)

            t = time.perf_counter()
            store = _write_store(settings, work, want, vectors, probe_vectors, say)
            timings["store_s"] = round(time.perf_counter() - t, 3)
            final = builds / build_id
            os.replace(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        timings["total_s"] = round(time.perf_counter() - started, 3)
        counts: dict[str, int] = {}
        for e in want.entries:
            counts[e.doc_id] = counts.get(e.doc_id, 0) + 1
        manifest = IndexManifest(
            format=FORMAT,
            build=build_id,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            fingerprint=want.fingerprint,
            entries_hash=want.entries_hash,
            entries=len(want.entries),
            documents=counts,
            lexicon=want.lexicon,
            embedder=want.embedder,
            store=store,
            libraries=want.libraries,
            timings=timings,
        )
        _atomic_write(index_dir / MANIFEST, manifest.to_json())
        _remove_stale_builds(index_dir, keep_previous=True)
        say(f"索引已完成：{len(want.entries)} 个条目，用时 {timings['total_s']:.1f} 秒。")
        return manifest


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _new_build_id(builds: Path, fingerprint: str) -> str:
    """Time and fingerprint; a second build of the same corpus within one second gets a suffix, so it
    never lands on the folder of the build it replaces."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + fingerprint[:8]
    build_id, n = base, 2
    while (builds / build_id).exists() or (builds / f"{build_id}.partial").exists():
        build_id, n = f"{base}-{n}", n + 1
    return build_id


def _remove_stale_builds(index_dir: Path, keep_previous: bool = False) -> None:
    """Under the build lock: drop partial builds and all but the current (and newest previous) one."""
    builds = index_dir / "builds"
    if not builds.is_dir():
        return
    current = None
    if (index_dir / MANIFEST).is_file():
        with contextlib.suppress(IndexNotReady):
            current = IndexManifest.read(index_dir / MANIFEST).build
    finished = sorted((p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(".partial")), reverse=True)
    keep = {current}
    if keep_previous:
        older = [p.name for p in finished if p.name != current]
        keep.update(older[:1])
    for path in builds.iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _write_entries(path: Path, entries: Sequence[Entry]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for e in entries:
            handle.write(json.dumps(asdict(e), ensure_ascii=False) + "\n")


def read_entries(path: Path) -> list[Entry]:
    with open(path, encoding="utf-8") as handle:
        rows = (json.loads(line) for line in handle if line.strip())
        return [Entry(**{**row, "questions": tuple(row.get("questions", ()))}) for row in rows]


def _build_bm25(folder: Path, tokens: list[list[str]]) -> None:
    import bm25s

    model = bm25s.BM25()
    model.index(tokens, show_progress=False)
    model.save(str(folder), show_progress=False)


@dataclass(frozen=True)
class Probe:
    """An extra vector that stands for a unit: one of its sample questions."""

    id: str  # unit id + '#q' + n
    entry_id: str
    text: str


def probes(entries: Sequence[Entry]) -> list[Probe]:
    return [Probe(f"{e.id}#q{n}", e.id, q) for e in entries for n, q in enumerate(e.questions, 1)]


def _vectors(
    corpus: Corpus, entries: Sequence[Entry], embedder: Embedder, cache_dir: Path, say: Progress
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Entry id → unit vector (the normalised mean of its leaves), and probe id → vector.

    Leaves are embedded as passages, sample questions as queries; both come from the cache when
    an earlier build embedded the same text with the same model."""
    import numpy as np

    cache = VectorCache.of(cache_dir, embedder.info)
    by_id = {e.id: e for e in entries}
    plan = {
        e.id: leaves(doc, by_id[e.id], unit)
        for doc in corpus.documents.values()
        for e, unit in _doc_entries(doc, Annotations({}, {}))
        if e.id in by_id
    }
    questions = probes(entries)
    todo = [(t, False) for texts in plan.values() for t in texts] + [(p.text, True) for p in questions]
    missing = list(dict.fromkeys((t, q) for t, q in todo if VectorCache.key(t, q) not in cache.vectors))
    if missing:
        say(f"计算向量：{len(missing)} 段新文本（其余取自缓存）…")
        embedder.warm_up()
        try:
            for start in range(0, len(missing), 32):
                if start and start % 320 == 0:
                    cache.save()  # a build killed outright (kill -9) keeps most of its work too
                chunk = missing[start : start + 32]
                for is_query in (False, True):
                    texts = [t for t, q in chunk if q == is_query]
                    if texts:
                        for text, vector in zip(texts, embedder.encode(texts, query=is_query), strict=True):
                            cache.vectors[VectorCache.key(text, is_query)] = np.asarray(vector, dtype=np.float32)
        finally:
            cache.save()  # what was embedded before an interruption is kept for the next build
    units = {}
    for entry_id, texts in plan.items():
        mean = np.mean([cache.vectors[VectorCache.key(t)] for t in texts], axis=0)
        units[entry_id] = mean / (np.linalg.norm(mean) or 1.0)
    return units, {p.id: cache.vectors[VectorCache.key(p.text, True)] for p in questions}


def chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _client(settings: Settings, folder: Path | None) -> Any:
    import chromadb

    server = settings.chroma_server
    try:
        if server is None:
            assert folder is not None
            return chromadb.PersistentClient(path=str(folder), settings=chroma_settings())
        client = chromadb.HttpClient(host=server[0], port=server[1], settings=chroma_settings())
        client.heartbeat()
        return client
    except VectorStoreError:
        raise
    except Exception as exc:  # chromadb raises many kinds: connection, value, its own
        where = f"Chroma 服务 {server[0]}:{server[1]}" if server else f"本地向量库 {folder}"
        raise VectorStoreError(f"无法连接{where}：{_brief(exc)}") from exc


def _vectorstore(client: Any, name: str, embeddings: Embeddings) -> Chroma:
    from langchain_chroma import Chroma

    return Chroma(
        client=client,
        collection_name=name,
        embedding_function=embeddings,
        collection_configuration={"hnsw": {"space": "cosine"}},
    )


def _write_store(
    settings: Settings,
    work: Path,
    want: Expected,
    vectors: dict[str, np.ndarray],
    probe_vectors: dict[str, np.ndarray],
    say: Progress,
) -> dict[str, Any]:
    rows = [(e.id, e.search_text, e.metadata(), vectors[e.id]) for e in want.entries]
    by_id = {e.id: e for e in want.entries}
    for probe in probes(want.entries):
        meta = {**by_id[probe.entry_id].metadata(), "probe": "question"}
        rows.append((probe.id, probe.text, meta, probe_vectors[probe.id]))
    server = settings.chroma_server
    if server is None:
        client = _client(settings, work / "chroma")
        name = COLLECTION
        store: dict[str, Any] = {"kind": "embedded", "collection": name, "vectors": len(rows)}
    else:
        client = _client(settings, None)
        name = f"regassist-{want.fingerprint[:24]}"
        store = {"kind": "server", "host": server[0], "port": server[1], "collection": name, "vectors": len(rows)}
        if _complete_collection(client, name, len(rows)):
            say(f"Chroma 服务上已有相同的集合 {name}，直接使用。")
            return store
    say(f"写入向量库（{_describe_store(store)}）…")
    try:
        precomputed = _Precomputed()
        vs = _vectorstore(client, name, precomputed)
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            precomputed.batch = [v.tolist() for *_, v in chunk]
            # Ids come from content, so a concurrent replica writing the same build is harmless.
            vs.add_texts(
                texts=[t for _, t, _, _ in chunk], metadatas=[m for _, _, m, _ in chunk], ids=[i for i, *_ in chunk]
            )
        vs._collection.modify(metadata={"regassist_complete": len(rows)})
    except Exception as exc:
        raise VectorStoreError(f"写入向量库失败：{_brief(exc)}") from exc
    return store


def _brief(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[:limit] + "…"


def _complete_collection(client: Any, name: str, count: int) -> bool:
    try:
        collection = client.get_collection(name=name, embedding_function=None)
    except Exception:  # chromadb raises NotFoundError or ValueError by version
        return False
    meta = collection.metadata or {}
    return meta.get("regassist_complete") == count and collection.count() == count


# ---------------------------------------------------------------------------------------------
# Opening


@dataclass
class Index:
    """A built index, open for search: entries, BM25 model and vector store.

    `store` is the langchain view of the collection; searches go to `collection` (the same Chroma
    collection) directly, which skips building langchain Documents on the hot path."""

    manifest: IndexManifest
    entries: list[Entry]
    bm25: Any
    store: Chroma
    collection: Any
    position: dict[str, int]

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        import numpy as np

        ids = self.bm25.get_tokens_ids(list(dict.fromkeys(tokens)))
        if not ids:
            return np.zeros(len(self.entries), dtype=np.float32)
        return self.bm25.get_scores_from_ids(ids)

    def dense(self, vector: Sequence[float], k: int, doc_ids: Sequence[str] | None) -> list[tuple[int, float]]:
        """(entry position, cosine similarity), best first, within the given documents."""
        where: dict[str, Any] | None = None
        if doc_ids and not set(self.manifest.documents) <= set(doc_ids):  # a filter costs Chroma 2×
            where = {"doc_id": doc_ids[0]} if len(doc_ids) == 1 else {"doc_id": {"$in": list(doc_ids)}}
        try:
            found = self.collection.query(
                query_embeddings=[[float(x) for x in vector]],
                n_results=k,
                where=where,
                include=["distances"],  # ids name the unit; fetching metadata would cost a third more
            )
        except Exception as exc:  # chromadb raises many kinds: connection, value, its own
            raise VectorStoreError(f"向量检索失败：{_brief(exc)}") from exc
        best: dict[int, float] = {}  # a unit's own vector and its sample questions: the nearest counts
        for vector_id, distance in zip(found["ids"][0], found["distances"][0], strict=True):
            best.setdefault(self.position[vector_id.split("#", 1)[0]], 1.0 - float(distance))
        return list(best.items())


def open_index(settings: Settings, want: Expected, embeddings: Embeddings) -> Index:
    """Open the current index, refusing one built from another corpus, lexicon or model."""
    import bm25s

    reasons, opened = _inspect(settings, want)
    if opened is None:
        raise IndexNotReady("索引需要重建：" + "；".join(reasons) + "。请运行 regassist index（make run 会自动完成）。")
    manifest, client, collection = opened
    folder = settings.index_dir / "builds" / manifest.build
    try:
        entries = read_entries(folder / "entries.jsonl")
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexNotReady(f"索引文件无法读取（{type(exc).__name__}）。请运行 regassist index --force 重建。") from exc
    store = _vectorstore(client, manifest.store["collection"], embeddings)
    return Index(manifest, entries, bm25, store, collection, {e.id: i for i, e in enumerate(entries)})
