"""Text normalisation and Chinese word segmentation for keyword retrieval.

The 办法 writes "(三)" where people type "（三）", and some people type 繁体: every text and query
goes through `normalize()` (NFKC, 繁→简, lower case) before segmentation. Segmentation uses a
project-owned `jieba.Tokenizer` with the domain dictionary in `corpus/`, never jieba's global one.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:
    import jieba

DICTIONARY = "jieba_dict.txt"
STOPWORDS = "stopwords.txt"
SYNONYMS = "synonyms.toml"
_WORD = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)


def normalize(text: str, converter: object | None = None) -> str:
    """NFKC, 繁→简 (when a converter is given), lower case, whitespace runs folded to one space."""
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"[\u200b-\u200f\ufeff]", "", s)
    if converter is not None:
        s = converter.convert(s)  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", s).strip().lower()


@dataclass(frozen=True)
class Lexicon:
    """The tokenizer's resources, read from `corpus/`; their hash goes into the index manifest."""

    dictionary: Path
    stopwords: frozenset[str]
    expansions: MappingProxyType[str, tuple[str, ...]]
    digest: str

    @classmethod
    def load(cls, corpus_dir: Path) -> Lexicon:
        paths = [corpus_dir / name for name in (DICTIONARY, STOPWORDS, SYNONYMS)]
        for path in paths:
            if not path.is_file():
                raise ConfigError(f"缺少检索词表文件：{path}")
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        stopwords = frozenset(
            w.strip() for w in paths[1].read_text(encoding="utf-8").splitlines() if w.strip() and not w.startswith("#")
        )
        try:
            table = tomllib.loads(paths[2].read_text(encoding="utf-8")).get("expand", {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{paths[2]} 不是有效的 TOML：{exc}") from exc
        if not isinstance(table, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in table.values()
        ):
            raise ConfigError(f"{paths[2]} 的 [expand] 每一项应为字符串列表。")
        expansions = {normalize(k): tuple(normalize(x) for x in v) for k, v in table.items()}
        return cls(paths[0], stopwords, MappingProxyType(expansions), digest.hexdigest())


class Tokenizer:
    """Segments normalised text into search tokens; `warm_up()` loads jieba and the 繁→简 table."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._jieba: jieba.Tokenizer | None = None
        self._converter: object | None = None

    def warm_up(self) -> Tokenizer:
        if self._jieba is None:
            import jieba
            import opencc

            jieba.setLogLevel(60)  # its "Building prefix dict" chatter goes to stderr otherwise
            tok = jieba.Tokenizer()
            tok.load_userdict(str(self.lexicon.dictionary))
            self._converter = opencc.OpenCC("t2s")
            self._jieba = tok
        return self

    @property
    def _tok(self) -> jieba.Tokenizer:
        if self._jieba is None:
            self.warm_up()
        assert self._jieba is not None
        return self._jieba

    def normalize(self, text: str) -> str:
        if self._converter is None:
            self.warm_up()
        return normalize(text, self._converter)

    def tokens(self, text: str) -> list[str]:
        """Search tokens of a text: jieba's search mode (long words and their parts), no stopwords."""
        out = []
        for word in self._tok.cut_for_search(self.normalize(text), HMM=True):
            word = word.strip()
            if word and _WORD.search(word) and word not in self.lexicon.stopwords:
                out.append(word)
        return out

    def expand(self, query: str) -> str:
        """The query with the texts' own words for its colloquial ones appended."""
        q = self.normalize(query)
        added = [w for key, words in self.lexicon.expansions.items() if key in q for w in words]
        return " ".join([q, *dict.fromkeys(added)])

    def query_tokens(self, query: str) -> list[str]:
        return self.tokens(self.expand(query))
