from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus
from assistant.structure import Document

SHARED = PROJECT_ROOT.parent / "shared"

# The answer contract's keys (README "The JSON contract"), pinned for the engine and the API tests.
CONTRACT = {
    "id",
    "question",
    "as_of",
    "answer",
    "abstained",
    "intent",
    "citations",
    "calculation",
    "warnings",
    "cross_references",
}
EDGE = {"from", "from_label", "text", "to_doc", "to_unit", "to_label", "status", "status_name"}
CITATION = {"doc_id", "doc_title", "doc_number", "article", "paragraph", "item", "label", "quote"}


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout (read-only material; CI lays a copy there too)."""
    path = Path(os.environ.get("REGASSIST_TEST_SHARED", SHARED))
    assert path.is_dir(), f"tests need the shared folder at {path}"
    return path


@pytest.fixture(scope="session")
def regulations_dir(shared_dir: Path) -> Path:
    """The five national regulations, used as an extra-documents folder (never committed)."""
    path = shared_dir / "corpus" / "regulations"
    assert path.is_dir(), f"tests need the regulations folder at {path} (../shared/corpus/regulations)"
    return path


@pytest.fixture(scope="session")
def corpus(regulations_dir: Path) -> Corpus:
    return load_corpus(Settings(extra_docs=regulations_dir))


@pytest.fixture(scope="session")
def banfa(corpus: Corpus) -> Document:
    return corpus.document()


# --- retrieval: one real index (e5, default corpus) built once per session -----------------------


@pytest.fixture(scope="session")
def default_corpus() -> Corpus:
    """The corpus `make run` indexes: the 办法 and the bundled national laws, no extra folder."""
    return load_corpus(Settings(extra_docs=None, corpus_dir=PROJECT_ROOT / "corpus"))


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by every test index: the corpus is embedded for real once, then reused."""
    return tmp_path_factory.mktemp("vector-cache")


@pytest.fixture(scope="session")
def index_settings(tmp_path_factory: pytest.TempPathFactory, vector_cache: Path) -> Settings:
    return Settings(index_dir=tmp_path_factory.mktemp("index"), embedding_cache=vector_cache)


@pytest.fixture(scope="session")
def built_index(index_settings: Settings, default_corpus: Corpus) -> Settings:
    from assistant.index import build
    from assistant.retrieve import prepare

    tokenizer, embedder, _ = prepare(index_settings, default_corpus)
    build(default_corpus, index_settings, tokenizer, embedder)
    return index_settings


@pytest.fixture(scope="session")
def retriever(built_index: Settings, default_corpus: Corpus):
    from assistant.retrieve import Retriever

    return Retriever.create(built_index, default_corpus)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A real `chroma run` on a free loopback port, for the server-mode tests.

    CI starts one itself and names it in REGASSIST_TEST_CHROMA=host:port; otherwise we start one."""
    if os.environ.get("REGASSIST_TEST_CHROMA"):
        host, _, port = os.environ["REGASSIST_TEST_CHROMA"].rpartition(":")
        yield host, int(port)
        return
    import shutil
    import subprocess
    import sys
    import time
    import urllib.request

    binary = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    assert binary, "the chroma CLI (installed with chromadb) is needed for server-mode tests"
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = open(data / "server.log", "w")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(
        [binary, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError("chroma run did not start:\n" + (data / "server.log").read_text()) from None
            time.sleep(0.2)
    yield "127.0.0.1", port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


# --- calculators: the real rule data bound to the real 办法 ----------------------------------------


@pytest.fixture(scope="session")
def calculators(default_corpus: Corpus):
    from assistant.calculators import Calculators

    return Calculators.create(Settings(extra_docs=None), default_corpus)


# --- the answer engine on the session's index, speaking for a fixed day ------------------------------

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="session")
def engine(retriever, calculators, default_corpus: Corpus):
    from assistant.answer import Assistant
    from assistant.extract import Extractor
    from assistant.guard import Guard

    guard = Guard.load(Settings(extra_docs=None).guard_path)
    return Assistant(default_corpus, retriever, calculators, Extractor(calculators.rules), guard, today=lambda: TODAY)


# --- the web app, launched in-process on a free port over the session's engine ---------------------


@pytest.fixture(scope="session")
def app_server(engine):
    """The Gradio app serving the test engine on a free loopback port: yields its base URL."""
    from assistant.app import start

    demo = start(Settings(extra_docs=None, host="127.0.0.1", port=free_port()), engine)
    yield demo.local_url
    demo.close()
