"""Index build, manifest, staleness, atomic rebuilds, and Chroma server mode — all real."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant import index as idx
from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus
from assistant.embeddings import E5Embeddings
from assistant.errors import IndexNotReady, VectorStoreError
from assistant.retrieve import Retriever, prepare


def _manifest(settings: Settings) -> idx.IndexManifest:
    return idx.IndexManifest.read(settings.index_dir / idx.MANIFEST)


def _clone_index(source: Settings, tmp_path: Path, **overrides: object) -> Settings:
    """A copy of a built index (and its vector cache) that a test may break or rebuild."""
    target = tmp_path / "index"
    shutil.copytree(source.index_dir, target)
    cache = tmp_path / "cache"
    shutil.copytree(source.cache_dir, cache)
    return source.model_copy(update={"index_dir": target, "embedding_cache": cache, **overrides})


def _regulation_folder(tmp_path: Path, regulations_dir: Path) -> Path:
    folder = tmp_path / "extra"
    folder.mkdir()
    smallest = min(regulations_dir.glob("*.md"), key=lambda p: p.stat().st_size)
    shutil.copy(smallest, folder / smallest.name)
    return folder


# --- entries ----------------------------------------------------------------------------------


def test_entries_cover_two_grains_with_metadata(default_corpus: Corpus) -> None:
    entries = idx.build_entries(default_corpus)
    banfa = [e for e in entries if e.doc_id == "baotou-2024-106"]
    assert len([e for e in banfa if e.grain == "article"]) == 29
    by_id = {e.id: e for e in banfa}
    # 第二十一条 has three 款 and its first 款 three 项; 第十九条 is one 款 and indexed as the article only
    assert {"baotou-2024-106:21:1", "baotou-2024-106:21:2", "baotou-2024-106:21:3"} <= set(by_id)
    assert by_id["baotou-2024-106:21:1:3"].item == 3 and by_id["baotou-2024-106:21:1:3"].paragraph == 1
    assert "baotou-2024-106:19:1" not in by_id
    ten_three = by_id["baotou-2024-106:10:1:3"]
    assert ten_three.label == "《包头市本级政务信息化项目建设管理办法(试行)》第十条第（三）项"
    assert ten_three.chapter == "第二章 规划和审批管理"
    meta = ten_three.metadata()
    assert meta["doc_id"] == "baotou-2024-106" and meta["article"] == 10 and meta["item"] == 3
    assert meta["level"] and meta["status"] and meta["grain"] == "item"
    assert None not in meta.values()
    laws = {e.doc_id for e in entries} - {"baotou-2024-106"}
    assert len(laws) == 10


def test_entry_texts_are_verbatim_slices(default_corpus: Corpus) -> None:
    units = {u.id: (doc, u) for doc in default_corpus.documents.values() for u in doc.units()}
    for entry in idx.build_entries(default_corpus):
        doc, unit = units[entry.id]
        assert entry.text == unit.text == doc.text[unit.start : unit.end]


def test_leaves_split_items_from_their_lead_in(default_corpus: Corpus) -> None:
    doc = default_corpus.documents["baotou-2024-106"]
    pairs = {e.id: (e, u) for e, u in idx._doc_entries(doc, idx.Annotations({}, {}))}
    entry, unit = pairs["baotou-2024-106:10"]
    pieces = idx.leaves(doc, entry, unit)
    assert len(pieces) == 8  # the lead-in and seven 项
    assert pieces[0].endswith("以下政务信息化项目原则上不得申报:")
    assert pieces[3].endswith("(三)未部署或迁移到政务云的新建或升级改造项目;")


# --- build and manifest -----------------------------------------------------------------------


def test_build_records_what_it_was_built_from(built_index: Settings, default_corpus: Corpus) -> None:
    manifest = _manifest(built_index)
    assert manifest.format == idx.FORMAT
    assert manifest.entries == len(idx.build_entries(default_corpus))
    assert manifest.embedder["backend"] == "e5" and manifest.embedder["model"]
    assert set(manifest.libraries) == set(idx.LIBRARIES) and "missing" not in manifest.libraries.values()
    assert manifest.store["kind"] == "embedded" and manifest.store["collection"] == idx.COLLECTION
    assert manifest.store["vectors"] >= manifest.entries
    assert (built_index.index_dir / "builds" / manifest.build / "entries.jsonl").is_file()
    assert not list((built_index.index_dir / "builds").glob("*.partial"))
    tokenizer, embedder, want = prepare(built_index, default_corpus)
    assert idx.status(built_index, want) == []
    assert manifest.fingerprint == want.fingerprint


def test_missing_index_is_reported_not_guessed(tmp_path: Path, default_corpus: Corpus) -> None:
    settings = Settings(index_dir=tmp_path / "nothing")
    _, _, want = prepare(settings, default_corpus)
    assert idx.status(settings, want) == ["索引尚未构建"]
    with pytest.raises(IndexNotReady, match="regassist index"):
        Retriever.create(settings, default_corpus)


def test_stale_index_is_detected_for_each_cause(
    built_index: Settings,
    default_corpus: Corpus,
    tmp_path: Path,
    regulations_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the corpus changed: an extra document
    extra = _regulation_folder(tmp_path, regulations_dir)
    bigger = load_corpus(Settings(extra_docs=extra))
    _, _, want = prepare(built_index, bigger)
    assert any("语料" in r for r in idx.status(built_index, want))
    # the lexicon changed
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus_dir)
    with open(corpus_dir / "stopwords.txt", "a", encoding="utf-8") as handle:
        handle.write("系统\n")
    _, _, want = prepare(built_index.model_copy(update={"corpus_dir": corpus_dir}), default_corpus)
    assert any("词表" in r for r in idx.status(built_index, want))
    # another embedding model
    _, _, want = prepare(built_index.model_copy(update={"embedding_backend": "sentence-transformers"}), default_corpus)
    assert any("向量模型" in r for r in idx.status(built_index, want))
    # a library upgrade
    monkeypatch.setattr(idx, "library_versions", lambda: {**_manifest(built_index).libraries, "chromadb": "9.9.9"})
    _, _, want = prepare(built_index, default_corpus)
    reasons = idx.status(built_index, want)
    assert any("chromadb" in r and "9.9.9" in r for r in reasons)
    with pytest.raises(IndexNotReady, match="索引需要重建"):
        idx.open_index(built_index, want, E5Embeddings())


class _FrozenClock(datetime):
    @classmethod
    def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
        return datetime(2026, 11, 26, 7, 25, 31, tzinfo=UTC)


def test_two_builds_within_one_second_do_not_collide(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forced rebuild right after a build (same corpus, same second) gets its own folder."""
    monkeypatch.setattr(idx, "datetime", _FrozenClock)
    settings = _clone_index(built_index, tmp_path)
    tokenizer, embedder, want = prepare(settings, default_corpus)
    first = idx.build(default_corpus, settings, tokenizer, embedder)
    second = idx.build(default_corpus, settings, tokenizer, embedder)
    assert first.build == f"20261126T072531-{want.fingerprint[:8]}"
    assert second.build == f"{first.build}-2"
    assert idx.status(settings, want) == []


def test_rebuild_after_change_then_up_to_date(built_index: Settings, tmp_path: Path, regulations_dir: Path) -> None:
    settings = _clone_index(built_index, tmp_path, extra_docs=_regulation_folder(tmp_path, regulations_dir))
    corpus = load_corpus(settings)
    before = _manifest(settings)
    tokenizer, embedder, want = prepare(settings, corpus)
    assert idx.status(settings, want)
    after = idx.build(corpus, settings, tokenizer, embedder)
    assert after.build != before.build and after.entries > before.entries
    assert idx.status(settings, want) == []
    # the previous build is kept (a running app may still read it); older ones are removed
    assert sorted(p.name for p in (settings.index_dir / "builds").iterdir()) == sorted([before.build, after.build])
    retriever = Retriever.create(settings, corpus)
    extra_id = next(d for d in corpus.documents if d not in built_index_docs(built_index))
    result = retriever.search("条例", k=50, scope=[extra_id])
    assert result.hits and all(h.entry.doc_id == extra_id for h in result.hits)


def built_index_docs(settings: Settings) -> set[str]:
    return set(_manifest(settings).documents)


class _InterruptedEmbedder(E5Embeddings):
    """The real e5 embedder, with Ctrl-C pressed after a few passages."""

    def __init__(self, after: int) -> None:
        super().__init__()
        self.after = after
        self.calls = 0

    def encode(self, texts: list[str], query: bool):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return super().encode(texts, query)


def test_interrupted_build_leaves_previous_index_usable(
    built_index: Settings, tmp_path: Path, regulations_dir: Path
) -> None:
    settings = _clone_index(built_index, tmp_path, extra_docs=_regulation_folder(tmp_path, regulations_dir))
    corpus = load_corpus(settings)
    before = (settings.index_dir / idx.MANIFEST).read_bytes()
    cached_before = len(idx.VectorCache(next(settings.cache_dir.glob("*.npz"))).vectors)
    tokenizer, _, _ = prepare(settings, corpus)
    with pytest.raises(KeyboardInterrupt):
        idx.build(corpus, settings, tokenizer, _InterruptedEmbedder(after=2))
    assert (settings.index_dir / idx.MANIFEST).read_bytes() == before
    assert not list((settings.index_dir / "builds").glob("*.partial"))
    # what was embedded before Ctrl-C is kept for the next attempt
    assert len(idx.VectorCache(next(settings.cache_dir.glob("*.npz"))).vectors) > cached_before
    # the old index still opens for the old corpus and answers
    old = Retriever.create(settings.model_copy(update={"extra_docs": None}), load_corpus(Settings(extra_docs=None)))
    assert old.search("总投资200万元以上要不要监理").hits[0].entry.article == 19


def test_killed_build_process_leaves_previous_index_usable(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus
) -> None:
    settings = _clone_index(built_index, tmp_path)
    before = (settings.index_dir / idx.MANIFEST).read_bytes()
    env = {
        **os.environ,
        "REGASSIST_INDEX_DIR": str(settings.index_dir),
        "REGASSIST_EMBEDDING_CACHE": str(settings.cache_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "index", "--force"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=PROJECT_ROOT,
    )
    builds = settings.index_dir / "builds"
    deadline = time.monotonic() + 120
    while not list(builds.glob("*.partial")):
        assert proc.poll() is None, "the build finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (settings.index_dir / idx.MANIFEST).read_bytes() == before
    retriever = Retriever.create(settings, default_corpus)
    assert retriever.search("街道能不能自己建设政务信息化项目").hits[0].entry.article == 28
    # the next build clears what the killed one left behind
    tokenizer, embedder, _ = prepare(settings, default_corpus)
    idx.build(default_corpus, settings, tokenizer, embedder)
    assert not list(builds.glob("*.partial"))


def test_concurrent_build_is_refused(built_index: Settings, tmp_path: Path, default_corpus: Corpus) -> None:
    settings = _clone_index(built_index, tmp_path)
    tokenizer, embedder, _ = prepare(settings, default_corpus)
    with open(settings.index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(IndexNotReady, match="另一个进程正在构建索引"):
            idx.build(default_corpus, settings, tokenizer, embedder)


def test_damaged_manifest_is_a_clear_error(built_index: Settings, tmp_path: Path, default_corpus: Corpus) -> None:
    settings = _clone_index(built_index, tmp_path)
    (settings.index_dir / idx.MANIFEST).write_text("{not json", encoding="utf-8")
    _, _, want = prepare(settings, default_corpus)
    assert "无法读取" in idx.status(settings, want)[0]
    with pytest.raises(IndexNotReady, match="无法读取"):
        Retriever.create(settings, default_corpus)


# --- Chroma server mode -----------------------------------------------------------------------


def test_server_mode_builds_shares_and_answers_like_embedded(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus, chroma_server: tuple[str, int], retriever: Retriever
) -> None:
    host, port = chroma_server
    first = _clone_index(built_index, tmp_path / "replica-1", chroma_host=host, chroma_port=port)
    tokenizer, embedder, want = prepare(first, default_corpus)
    assert any("向量库位置不同" in r for r in idx.status(first, want))
    messages: list[str] = []
    manifest = idx.build(default_corpus, first, tokenizer, embedder, progress=messages.append)
    assert manifest.store["kind"] == "server" and manifest.store["port"] == port
    assert not (first.index_dir / "builds" / manifest.build / "chroma").exists()
    served = Retriever.create(first, default_corpus)
    # the dev set through the server: the embedded index's answers. HNSW search is approximate and
    # two Chroma instances may order the tail differently, so the top hit is compared, not all five.
    dev_set = PROJECT_ROOT / "evals" / "datasets" / "retrieval_dev.jsonl"
    items = [json.loads(line) for line in dev_set.read_text(encoding="utf-8").splitlines() if line.strip()]
    same_top = hits = 0
    for item in items:
        got, want = served.search(item["q"]), retriever.search(item["q"])
        same_top += got.hits[0].entry.id == want.hits[0].entry.id and got.relevant == want.relevant
        hits += (got.hits[0].entry.doc_id, got.hits[0].entry.article) == (
            item["gold"][0]["doc"],
            item["gold"][0]["article"],
        )
    assert same_top >= 0.97 * len(items) and hits >= 0.90 * len(items)
    for question in ("政府采购法第二条", "第三十条", "第3条至第5条"):  # routed: exactly the same
        got, want = served.search(question), retriever.search(question)
        assert ([h.entry.id for h in got.hits], got.notices) == ([h.entry.id for h in want.hits], want.notices)
    # a second replica with its own local folder reuses the collection instead of writing it again
    second = _clone_index(built_index, tmp_path / "replica-2", chroma_host=host, chroma_port=port)
    said: list[str] = []
    again = idx.build(default_corpus, second, tokenizer, embedder, progress=said.append)
    assert again.store["collection"] == manifest.store["collection"]
    assert any("直接使用" in m for m in said)
    assert Retriever.create(second, default_corpus).search("第十九条").hits[0].entry.article == 19


def test_unreachable_chroma_server_is_a_clear_error(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus
) -> None:
    from conftest import free_port

    settings = _clone_index(built_index, tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    tokenizer, embedder, _ = prepare(settings, default_corpus)
    with pytest.raises(VectorStoreError, match="无法连接Chroma 服务 127.0.0.1"):
        idx.build(default_corpus, settings, tokenizer, embedder)
    # the local index that was there is untouched
    assert json.loads((settings.index_dir / idx.MANIFEST).read_text())["store"]["kind"] == "embedded"


# --- annotations (subject index, sample questions) ---------------------------------------------


def test_annotations_bind_to_units_and_stay_out_of_quotes(default_corpus: Corpus) -> None:
    notes = idx.load_annotations(PROJECT_ROOT / "corpus", default_corpus)
    assert notes.terms and notes.questions
    entries = {e.id: e for e in idx.build_entries(default_corpus, notes)}
    # "10.1" in the files means 第十条（只有一款）第（一）项
    ten_one = entries["baotou-2024-106:10:1:1"]
    assert ten_one.terms and ten_one.questions
    assert ten_one.text == "(一)含有新建机房、网络、云平台等政务信息化基础设施的项目;"
    assert ten_one.terms in ten_one.search_text and ten_one.questions[0] in ten_one.search_text
    assert "terms" not in ten_one.metadata() and "questions" not in ten_one.metadata()
    # every article of the 办法 has sample questions somewhere in it
    with_questions = {e.article for e in entries.values() if e.doc_id == "baotou-2024-106" and e.questions}
    assert with_questions == set(range(1, 30))
    assert sum(len(p.text) > 0 for p in idx.probes(list(entries.values()))) == sum(
        len(q) for q in notes.questions.values()
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[baotou-2024-106]\n"30" = ["x"]\n', "不指向任何条文"),
        ('[baotou-2024-106]\n"21.4" = ["x"]\n', "不指向任何条文"),
        ('[baotou-2024-106]\n"10.x" = ["x"]\n', "不指向任何条文"),
        ('[baotou-2024-106]\n"19" = "监理"\n', "非空字符串列表"),
        ('[no-such-doc]\n"1" = ["x"]\n', "不是已收录的文件"),
        ('[baotou-2024-106]\n"19" = [\n', "不是有效的 TOML"),
    ],
)
def test_bad_annotation_files_are_config_errors(
    default_corpus: Corpus, tmp_path: Path, content: str, message: str
) -> None:
    from assistant.errors import ConfigError

    (tmp_path / idx.INDEX_TERMS).write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        idx.load_annotations(tmp_path, default_corpus)


def test_missing_annotation_files_mean_none(default_corpus: Corpus, tmp_path: Path) -> None:
    notes = idx.load_annotations(tmp_path, default_corpus)
    assert notes == idx.Annotations({}, {})


def test_unwritable_index_folder_is_a_clear_error(tmp_path: Path, default_corpus: Corpus) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings(index_dir=blocker / "index")
    tokenizer, embedder, _ = prepare(settings, default_corpus)
    with pytest.raises(IndexNotReady, match="无法写入索引目录"):
        idx.build(default_corpus, settings, tokenizer, embedder)


def test_damaged_vector_cache_only_costs_time(tmp_path: Path) -> None:
    path = tmp_path / "e5-x.npz"
    path.write_bytes(b"PK\x03\x04 definitely not a zip")
    assert idx.VectorCache(path).vectors == {}


def test_damaged_vector_store_is_stale_not_silently_empty(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus
) -> None:
    settings = _clone_index(built_index, tmp_path)
    manifest = _manifest(settings)
    (settings.index_dir / "builds" / manifest.build / "chroma" / "chroma.sqlite3").unlink()
    _, _, want = prepare(settings, default_corpus)
    assert "缺少向量库" in idx.status(settings, want)[0]
    with pytest.raises(IndexNotReady, match="缺少向量库"):
        Retriever.create(settings, default_corpus)


def test_manifest_with_wrong_field_types_is_a_clear_error(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus
) -> None:
    settings = _clone_index(built_index, tmp_path)
    data = json.loads((settings.index_dir / idx.MANIFEST).read_text())
    for field, value in (("embedder", None), ("libraries", []), ("store", {"kind": "embedded"})):
        broken = {**data, field: value}
        (settings.index_dir / idx.MANIFEST).write_text(json.dumps(broken), encoding="utf-8")
        _, _, want = prepare(settings, default_corpus)
        assert "索引清单" in idx.status(settings, want)[0], field


def test_server_collection_lost_makes_the_index_stale(
    built_index: Settings, tmp_path: Path, default_corpus: Corpus, chroma_server: tuple[str, int]
) -> None:
    import chromadb

    host, port = chroma_server
    settings = _clone_index(built_index, tmp_path, chroma_host=host, chroma_port=port)
    tokenizer, embedder, want = prepare(settings, default_corpus)
    manifest = idx.build(default_corpus, settings, tokenizer, embedder)
    assert idx.status(settings, want) == []
    client = chromadb.HttpClient(host=host, port=port, settings=idx.chroma_settings())
    client.delete_collection(manifest.store["collection"])
    assert "缺失或不完整" in idx.status(settings, want)[0]
    idx.build(default_corpus, settings, tokenizer, embedder)  # `regassist index` repairs it
    assert idx.status(settings, want) == []
