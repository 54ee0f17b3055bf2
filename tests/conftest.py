from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.corpus import Corpus, load_corpus
from assistant.structure import Document

SHARED = PROJECT_ROOT.parent / "shared"


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
