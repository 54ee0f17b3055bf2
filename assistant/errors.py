"""Every error the assistant raises on purpose. Messages are Chinese: they reach end users.

The CLI maps each class to an exit code: 2 for a request that names something that does not
exist or cannot be understood, 3 for a corpus or configuration that cannot be used.
"""

from __future__ import annotations


class RegassistError(Exception):
    """Base class; `exit_code` is what the CLI returns for it."""

    exit_code = 1


class RequestError(RegassistError):
    """The user's request cannot be served as asked."""

    exit_code = 2


class InvalidQuestion(RequestError):
    """Input that is not a question the assistant can read: empty, too long, binary."""


class BatchLineError(RequestError):
    """A batch line that parsed but cannot be asked; it keeps the line, so its id is echoed."""

    def __init__(self, message: str, item: dict | None = None) -> None:
        super().__init__(message)
        self.item = item or {}


class ReferenceSyntaxError(RequestError):
    """A reference such as 第二十一条第二款 could not be read."""


class DocumentNotFound(RequestError):
    """No document matches the name, alias or 文号 given."""


class AmbiguousDocument(RequestError):
    """A name matches more than one document."""


class DocumentNotBundled(RequestError):
    """The document is known (cited, listed in the manifest) but its text is not in the corpus."""


class UnitNotFound(RequestError):
    """The article, paragraph (款), item (项) or sub-item (目) does not exist."""


class CorpusError(RegassistError):
    """The corpus, its manifest or a configured source cannot be used."""

    exit_code = 3


class ManifestError(CorpusError):
    """The document manifest is missing or invalid."""


class SourceError(CorpusError):
    """A document's source (file, package database, extra folder) cannot be read or verified."""


class ConfigError(CorpusError):
    """A setting (environment variable, config file, retrieval resource) is invalid."""


class IndexNotReady(CorpusError):
    """The search index is missing, unreadable, or was built from another corpus or model."""


class EmbeddingError(CorpusError):
    """The embedding model cannot be found or loaded."""


class VectorStoreError(CorpusError):
    """The vector store (embedded Chroma or a Chroma server) cannot be used."""


class AmountError(RequestError):
    """An amount or ratio is unreadable, negative, zero, or beyond any project's size."""


class DateError(RequestError):
    """A date or term is unreadable or does not exist."""


class RuleError(CorpusError):
    """The rule data (corpus/rules.toml) is invalid or no longer matches the text it cites."""
