"""`regassist` — the command line. Errors become a Chinese message on stderr and an exit code:
2 for a request naming something that does not exist, 3 for an unusable corpus or configuration."""

from __future__ import annotations

import functools
import json
import re
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .amounts import parse_day
from .calculators import INPUTS, Calculators, parse_situation
from .config import Settings, load_settings
from .corpus import Corpus, load_corpus
from .errors import BatchLineError, ConfigError, RegassistError, RequestError, SourceError
from .records import document_record, search_record, unit_record
from .references import MAX_NUMBER, UnitRef, parse_ref
from .rules import KIND_FACTS
from .structure import Article, Document, DocumentMeta, Paragraph, Unit

if TYPE_CHECKING:
    from .answer import Answer, Assistant


class _Formatter(click.HelpFormatter):
    """click's help in Chinese: the usage prefix, the headings, and the words it adds to options."""

    HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
    WORDS = {
        "Show this message and exit.": "显示帮助并退出。",
        "Show the version and exit.": "显示版本并退出。",
        "[required]": "[必填]",
    }
    METAVARS = {" TEXT": " 文本", " INTEGER RANGE": " 整数", " INTEGER": " 整数", " PATH": " 路径", "NONE": "none"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self.HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's definition list, measured in display columns so that 金额 and 日期 line up."""
        rows = [(self._term(term), self._text(text)) for term, text in rows]
        first_col = min(max((_width(term) for term, _ in rows), default=0), col_max) + col_spacing
        for term, text in rows:
            self.write(f"{'':>{self.current_indent}}{term}")
            if not text:
                self.write("\n")
                continue
            if _width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - _width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = click.formatting.wrap_text(text, max(self.width - first_col - 2, 10), preserve_paragraphs=True)
            first, *rest = lines.splitlines() or [""]
            self.write(f"{first}\n")
            for line in rest:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")

    def _term(self, term: str) -> str:
        for english, chinese in self.METAVARS.items():
            term = term.replace(english, chinese)
        return term

    def _text(self, text: str) -> str:
        for english, chinese in self.WORDS.items():
            text = text.replace(english, chinese)
        return re.sub(r"\[default: ([^\]]*)\]", r"[默认：\1]", text)


class _Context(click.Context):
    formatter_class = _Formatter


class _Command(click.Command):
    context_class = _Context


class _Group(click.Group):
    """Maps our errors to a Chinese message and exit code; puts click's usage errors in Chinese."""

    context_class = _Context
    command_class = _Command
    group_class = type  # subgroups (calc) are _Groups too

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            ctx = super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _usage(exc, args) from exc
        ctx.meta.setdefault("argv", list(args))
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _usage(exc, ctx.meta.get("argv", [])) from exc
        except RegassistError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(exc.exit_code)


def _usage(exc: click.UsageError, argv: list[str]) -> click.UsageError:
    """A usage error in Chinese; with --json on the command line, also as JSON on stdout."""
    error = _chinese(exc)
    if "--json" in argv and not getattr(exc, "reported", False):
        record = {"type": "UsageError", "message": error.format_message(), "exit_code": error.exit_code}
        click.echo(json.dumps({"error": record}, ensure_ascii=False, indent=2))
        error.reported = True  # type: ignore[attr-defined]
    return error


def _chinese(exc: click.UsageError) -> click.UsageError:
    if isinstance(exc, _UsageError):
        return exc
    if isinstance(exc, click.MissingParameter):
        param = exc.param
        if isinstance(param, click.Option):
            message = f"缺少选项 {param.opts[-1]}。"
        else:
            message = f"缺少 {param.human_readable_name if param else '参数'}。"
    elif isinstance(exc, click.NoSuchOption):
        message = f"没有选项 {exc.option_name}。"
    elif isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        message = f"选项 {exc.option_name} 后面要写一个值。"
    elif isinstance(exc, click.BadOptionUsage) and "does not take a value" in exc.message:
        message = f"选项 {exc.option_name} 不带值。"
    elif exc.message.startswith("No such command"):
        message = f"没有这个命令：{exc.message.split(' ', 3)[-1].rstrip('.')}。"
    elif isinstance(exc, click.BadParameter) and exc.param is not None:
        hint = exc.param_hint or (exc.param.get_error_hint(exc.ctx) if exc.ctx else exc.param.human_readable_name)
        hint = str(hint).replace("'", "")
        detail = exc.message
        if isinstance(exc.param.type, click.Choice):
            detail = "可选值为 " + "、".join(map(str, exc.param.type.choices)) + "。"
        message = f"{hint} 的取值无效：{detail}"
    elif exc.message.startswith("Got unexpected extra argument"):
        message = f"多余的参数：{exc.message.split('(', 1)[-1].rstrip(')')}。"
    else:
        message = exc.message
    return _UsageError(message, exc.ctx)


class _UsageError(click.UsageError):
    """A command-line mistake, shown in Chinese: the problem first, then the usage line."""

    def show(self, file: Any = None) -> None:
        file = file or sys.stderr
        click.echo(f"错误：{self.format_message()}", file=file)
        if self.ctx is not None:
            pieces = " ".join(self.ctx.command.collect_usage_pieces(self.ctx)).replace("[OPTIONS]", "[选项]")
            click.echo(f"用法：{self.ctx.command_path} {pieces}", file=file)
            click.echo(f"查看帮助：{self.ctx.command_path} --help", file=file)


class _DateType(click.ParamType):
    """A single day: 2026-11-26, 2026年11月26日, 今天, 明天 …"""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_day(str(value), as_of=date.today())
        except RegassistError as exc:
            self.fail(str(exc), param, ctx)


class _Situation(click.ParamType):
    """Which situation of 第二十一条第一款: 1, 一, (一), 第一项; none/无 for none of them."""

    name = "1|2|3|none"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_situation(value)
        except RequestError as exc:
            self.fail(str(exc), param, ctx)


def _errors_as_json(command: Any) -> Any:
    """With --json, an error is also written to stdout as JSON, so machines never parse prose."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RegassistError as exc:
            if kwargs.get("as_json") and not getattr(exc, "reported", False):
                click.echo(json.dumps({"error": _error_record(exc)}, ensure_ascii=False, indent=2))
            raise

    return run


def _error_record(exc: RegassistError) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code}


class _Positive(click.ParamType):
    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= MAX_NUMBER:
            self.fail(f"“{value}”不是有效的编号，请写 1 到 {MAX_NUMBER} 之间的整数。", param, ctx)
        return number


class _Port(click.ParamType):
    name = "PORT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = 0
        if not 1 <= number <= 65535:
            self.fail(f"“{value}”不是有效的端口，请写 1 到 65535 之间的整数。", param, ctx)
        return number


_AS_OF = click.option(
    "--as-of", type=_DateType(), metavar="日期", default=None, help="按哪一天判断效力状态（默认今天）。"
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--extra-docs",
    type=click.Path(path_type=Path),
    default=None,
    help="附加官方文本目录（.txt .md .html .docx .pdf），也可用环境变量 REGASSIST_EXTRA_DOCS。",
)
@click.version_option(package_name="regassist", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, extra_docs: Path | None) -> None:
    """regassist：包头市本级政务信息化项目建设管理办法(试行) 及相关国家法律的条文助手。"""
    overrides = {"extra_docs": extra_docs} if extra_docs is not None else {}
    ctx.obj = _Lazy(load_settings(**overrides))


class _Lazy:
    """Loads the corpus on first use, so `--help` stays instant."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._corpus: Corpus | None = None
        self._calculators: Calculators | None = None
        self._assistant: Assistant | None = None

    def exit(self, code: int) -> None:
        click.get_current_context().exit(code)

    @property
    def corpus(self) -> Corpus:
        if self._corpus is None:
            self._corpus = load_corpus(self.settings)
        return self._corpus

    @property
    def calculators(self) -> Calculators:
        if self._calculators is None:
            self._calculators = Calculators.create(self.settings, self.corpus)
        return self._calculators

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            from .answer import Assistant

            self._assistant = Assistant.create(self.settings, corpus=self.corpus)
        return self._assistant

    def scope_check(self, scope: str) -> None:
        """A bad --scope fails once, before the first question, not on every line."""
        self.assistant.retriever.scope_ids(scope)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@_AS_OF
@click.pass_obj
@_errors_as_json
def docs(obj: _Lazy, as_json: bool, as_of: date | None) -> None:
    """列出全部文件：文号、层级、版本日期、效力状态、是否收录正文。"""
    corpus = obj.corpus
    day = as_of or date.today()
    rows = [document_record(corpus, meta, day) for meta in corpus.entries]
    if as_json:
        click.echo(json.dumps({"as_of": day.isoformat(), "documents": rows}, ensure_ascii=False, indent=2))
    else:
        table = [["ID", "名称", "文号", "层级", "版本日期", f"状态（{day}）", "正文"]]
        for meta, row in zip(corpus.entries, rows, strict=True):
            text = f"已收录，{row['articles']}条" if meta.bundled else "未收录"
            table.append(
                [
                    meta.id,
                    meta.title.removeprefix("中华人民共和国"),
                    meta.number or "—",
                    meta.level or "—",
                    row["version_date"] or "—",
                    _status_text(meta, day),
                    text,
                ]
            )
        click.echo(_format_table(table))
    for warning in corpus.warnings:
        click.echo(f"注意：{warning}", err=True)


@cli.command()
@click.argument("ref")
@click.option("--doc", "doc_name", default=None, help="文件名称、简称或文号（默认：办法）。")
@click.option("--paragraph", "-p", type=_Positive(), default=None, help="第几款。")
@click.option("--item", "-i", type=_Positive(), default=None, help="第几项。")
@click.option("--subitem", type=_Positive(), default=None, help="第几目。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@_AS_OF
@click.pass_obj
@_errors_as_json
def article(
    obj: _Lazy,
    ref: str,
    doc_name: str | None,
    paragraph: int | None,
    item: int | None,
    subitem: int | None,
    as_json: bool,
    as_of: date | None,
) -> None:
    """显示条文原文，如：19、第二十一条第二款、"10 --item 3"、"6 --doc 政府采购法"。"""
    parsed = _merge(parse_ref(ref), paragraph=paragraph, item=item, subitem=subitem)
    if doc_name and parsed.document:
        raise RequestError(f"文件名称给了两次：“{parsed.document}”和 --doc “{doc_name}”，请只保留一个。")
    day = as_of or date.today()
    doc, unit = obj.corpus.lookup(parsed, doc_name, day)
    if as_json:
        click.echo(json.dumps(unit_record(doc, unit, day), ensure_ascii=False, indent=2))
        return
    click.echo(doc.label(unit))
    click.echo(" · ".join(_context_line(doc, unit, day)))
    click.echo()
    click.echo(unit.text)


@cli.command()
@click.option("--force", is_flag=True, help="即使索引是最新的也重建。")
@click.option("--check", is_flag=True, help="只检查索引是否需要重建：需要时退出码为 1。")
@click.pass_obj
def index(obj: _Lazy, force: bool, check: bool) -> None:
    """构建检索索引（BM25 + 向量库）；索引已是最新时不做任何事。"""
    from .index import IndexManifest, build, status
    from .retrieve import prepare

    settings = obj.settings
    tokenizer, embedder, want = prepare(settings, obj.corpus)
    reasons = status(settings, want)
    if check:
        if reasons:
            click.echo("索引需要重建：" + "；".join(reasons) + "。")
            obj.exit(1)
        click.echo("索引是最新的。")
        return
    if not reasons and not force:
        manifest = IndexManifest.read(settings.index_dir / "manifest.json")
        click.echo(f"索引已是最新（构建于 {manifest.built_at}，{manifest.entries} 个条目），无需重建。")
        return
    if reasons:
        click.echo("需要重建索引：" + "；".join(reasons) + "。", err=True)
    try:
        build(obj.corpus, settings, tokenizer, embedder, progress=lambda m: click.echo(m, err=True))
    except KeyboardInterrupt:
        click.echo("已中断：原有索引未被改动。", err=True)
        obj.exit(130)


@cli.command()
@click.argument("question")
@click.option("--k", "k", type=click.IntRange(1, 50), default=5, show_default=True, help="返回几条（1–50）。")
@click.option("--scope", default="all", show_default=True, help="all（全部文件）、primary（仅办法）或文件名称。")
@click.option(
    "--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True, help="检索方式。"
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@click.pass_obj
@_errors_as_json
def search(obj: _Lazy, question: str, k: int, scope: str, mode: str, as_json: bool) -> None:
    """检索与问题相关的条文（条/款/项），按相关度排序并给出分数。"""
    from .guard import check_question
    from .retrieve import Retriever

    check_question(question)  # a bad question fails before any model loads
    retriever = Retriever.create(obj.settings, obj.corpus)
    result = retriever.search(question, k=k, scope=scope, mode=mode)  # type: ignore[arg-type]
    failed = result.routed and not result.hits  # every reference named a unit that does not exist
    error = RequestError("；".join(result.notices)) if failed else None
    if as_json:
        record = search_record(retriever, result)
        if error is not None:
            record["error"] = _error_record(error)
        click.echo(json.dumps(record, ensure_ascii=False, indent=2))
    elif not failed:
        click.echo(_search_text(retriever, result))
    if error is not None:
        error.reported = True  # type: ignore[attr-defined]
        raise error
    for notice in result.notices:
        click.echo(f"注意：{notice}", err=True)


_SCOPE = click.option(
    "--scope", default="all", show_default=True, help="all（全部文件，办法优先）、primary（仅办法）或文件名称。"
)


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（回答契约，见 README）。")
@click.option(
    "--batch",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    metavar="文件",
    help='批量提问：JSONL（每行 {"id": …, "q": …}）或每行一个问题，- 为标准输入；按顺序每行输出一个 JSON。',
)
@_AS_OF
@_SCOPE
@click.pass_obj
@_errors_as_json
def ask(obj: _Lazy, question: str | None, as_json: bool, batch: Path | None, as_of: date | None, scope: str) -> None:
    """回答一个问题：先给结论，再给计算过程和带【】标注的原文引用，并说明效力。"""
    from .answer import Answer
    from .errors import InvalidQuestion
    from .guard import check_question

    if (question is None) == (batch is None):
        raise _UsageError("请给出一个问题，或用 --batch 文件 批量提问（二者选一）。", click.get_current_context())
    if batch is not None:
        _ask_batch(obj, batch, as_of, scope)
        return
    try:
        check_question(question)  # a bad question fails before any model loads
    except InvalidQuestion as exc:
        if as_json:
            record = Answer(question, as_of or date.today(), str(exc), True, "invalid", warnings=(str(exc),))
            click.echo(json.dumps(record.to_dict(), ensure_ascii=False, indent=2))
            exc.reported = True  # type: ignore[attr-defined]
        raise
    answer = obj.assistant.ask(question, as_of=as_of, scope=scope)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(answer.answer)
        _echo_warnings(answer, err=True)


def _echo_warnings(answer: Answer, err: bool = False) -> None:
    """Warnings the answer's text does not already say."""
    for warning in answer.warnings:
        if warning not in answer.answer:
            click.echo(warning if warning.startswith("注意") else f"注意：{warning}", err=err)


def _ask_batch(obj: _Lazy, path: Path, as_of: date | None, scope: str) -> None:
    """One JSON line out per question line in, in order; a line that cannot be read says so in its place."""
    from .answer import Answer

    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise RequestError(f"无法读取批量文件 {path}：{exc.strerror or exc}") from exc
    assistant = obj.assistant
    obj.scope_check(scope)
    day = as_of or date.today()
    count = bad = 0
    for number, line in enumerate(raw.splitlines(), 1):
        try:
            text: str | None = line.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            text = None
        if text is not None and not text.strip():
            continue
        count += 1
        item: dict[str, Any] = {}
        try:
            item = _batch_item(text, number)
            answer = assistant.ask(
                item.get("q", item.get("question")),
                history=item.get("history") or (),
                as_of=item.get("as_of") or day,
                scope=item.get("scope") or scope,
                id=item.get("id"),
            )
        except RequestError as exc:
            message = str(exc)
            item = getattr(exc, "item", item)
            asked = item.get("q", item.get("question"))
            shown = asked if isinstance(asked, str) else (text or "")
            answer = Answer(shown, day, message, True, "invalid", warnings=(message,), id=item.get("id"))
        if answer.intent == "invalid":
            bad += 1
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    click.echo(
        f"已处理 {count} 个问题" + (f"，其中 {bad} 个无法读取（intent 为 invalid）。" if bad else "。"), err=True
    )


def _batch_item(text: str | None, number: int) -> dict[str, Any]:
    """A batch line as {"q": …, …}; a plain line is the question itself."""
    if text is None:
        raise RequestError(f"第 {number} 行不是 UTF-8 文本（可能是二进制内容），已跳过。")
    if not text.lstrip().startswith("{"):
        return {"q": text}
    try:
        item = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"第 {number} 行不是有效的 JSON（{exc.msg}，第 {exc.colno} 列）。") from None
    if not isinstance(item, dict):
        raise RequestError(f'第 {number} 行应为 JSON 对象，如 {{"id": …, "q": "问题"}}。')
    if not isinstance(item.get("q", item.get("question")), str):
        raise BatchLineError(f'第 {number} 行缺少问题：应为 {{"id": …, "q": "问题"}}。', item)
    if item.get("history") is not None and not isinstance(item["history"], list):
        raise BatchLineError(f"第 {number} 行的 history 应为列表（此前各轮的问题）。", item)
    if item.get("scope") is not None and not isinstance(item["scope"], str | list):
        raise BatchLineError(f"第 {number} 行的 scope 应为文件名称或名称列表。", item)
    return item


@cli.command()
@click.argument("source", metavar="文件|-")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON（每处引用的核对结果）。")
@_AS_OF
@click.pass_obj
@_errors_as_json
def check(obj: _Lazy, source: str, as_json: bool, as_of: date | None) -> None:
    """核对一段文字（备忘录、答复稿）里的条文引用：条文是否存在、引文是否原文、数字是否与条文一致、
    文件在核对日期是否有效、是否收录。读文件（.txt .md .docx .pdf .html）或标准输入（-）。
    全部无误退出码为 0，发现问题为 1，输入无法使用为 2。"""
    from .check import Checker, render

    text = _read_memo(source)
    report = Checker.of(obj.assistant).check(text, as_of=as_of)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(report))
    if not report.ok:
        obj.exit(1)


def _read_memo(source: str) -> str:
    """The memo's text; any file that cannot be read as text is the caller's problem (exit 2)."""
    from .guard import check_memo
    from .loaders import decode, read_text

    try:
        if source == "-":
            text = decode(sys.stdin.buffer.read(), "标准输入")
        else:
            path = Path(source)
            if path.is_dir():
                raise RequestError(f"{source} 是目录，请给出一个文件。")
            if not path.exists():
                raise RequestError(f"找不到文件：{source}")
            text = read_text(path if path.suffix else path.with_suffix(".txt"), path.read_bytes())
    except SourceError as exc:
        raise RequestError(str(exc)) from None
    except OSError as exc:
        raise RequestError(f"无法读取文件 {source}：{exc.strerror or exc}") from None
    check_memo(text)  # an unusable memo fails before any model loads
    return text


_CHAT_HELP = "输入问题回车提问；/新对话 清空上下文；/日期 2027-01-01 设定按哪一天回答；/退出 结束。"


@cli.command()
@_AS_OF
@_SCOPE
@click.pass_obj
def chat(obj: _Lazy, as_of: date | None, scope: str) -> None:
    """在终端里连续对话：可追问“那如果是150万呢？”“第二款呢？”“这条还有效吗？”。"""
    assistant = obj.assistant
    obj.scope_check(scope)
    day = as_of
    history: list[Any] = []
    click.echo(f"regassist 对话。{_CHAT_HELP}")
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text in ("/退出", "/quit", "/exit", "退出", "exit", "quit"):
            break
        if text in ("/新对话", "/reset"):
            history.clear()
            click.echo("已开始新对话。")
            continue
        if text in ("/帮助", "/help"):
            click.echo(_CHAT_HELP)
            continue
        if text.startswith(("/日期", "/date")):
            value = text.split(maxsplit=1)[1] if " " in text else ""
            try:
                day = _DateType().convert(value, None, None)
            except click.BadParameter as exc:
                click.echo(f"错误：{exc.message}")
                continue
            click.echo(f"此后按 {day} 回答。")
            continue
        if text.startswith("/"):
            click.echo(f"没有这个命令：{text.split()[0]}。{_CHAT_HELP}")
            continue
        answer = assistant.ask(text, history=history, as_of=day, scope=scope)
        history.append(answer)
        click.echo(f"\n{answer.answer}\n")
        _echo_warnings(answer)


@cli.command()
@click.option("--host", default=None, help="监听地址（默认 127.0.0.1，亦可用 REGASSIST_HOST）。")
@click.option("--port", type=_Port(), default=None, help="端口（默认 7860，亦可用 REGASSIST_PORT）。")
@click.pass_obj
def serve(obj: _Lazy, host: str | None, port: int | None) -> None:
    """启动网页应用：问答、计算器、条文浏览，以及 API 与 MCP 接口（默认 http://127.0.0.1:7860）。"""
    overrides = {key: value for key, value in {"host": host, "port": port}.items() if value is not None}
    settings = load_settings(**(obj.settings.model_dump(exclude_unset=True) | overrides))  # validated again
    _check_port(settings.host, settings.port)  # before the models load, not after
    from .app import exposed_without_auth
    from .app import serve as serve_app

    if exposed_without_auth(settings):
        click.echo(f"注意：监听 {settings.host}，且未设置 REGASSIST_AUTH：网络上的任何人都能访问。", err=True)
    click.echo(f"正在加载索引和模型，随后在 http://{settings.host}:{settings.port} 提供服务（Ctrl-C 停止）。", err=True)
    serve_app(settings, obj.assistant)


def _check_port(host: str, port: int) -> None:
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise ConfigError(f"监听地址“{host}”无效：请写 IP 地址或主机名，如 127.0.0.1。") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ConfigError(f"地址 {host} 不属于本机，无法在其上监听：请用 127.0.0.1 或 0.0.0.0。") from None
            raise ConfigError(
                f"无法在 {host}:{port} 上监听（{exc.strerror or exc}）：端口可能已被占用，"
                "请用 --port 或 REGASSIST_PORT 换一个。"
            ) from None


@cli.group()
def calc() -> None:
    """计算器：监理、概算调整、效力、审批或备案、不得申报情形、自评价时间。金额可写 230万、1.5亿、2,500,000元。"""


_JSON = click.option("--json", "as_json", is_flag=True, help="输出 JSON。")


# The option that carries each calculator input, for error messages (--total（总投资）).
_OPTIONS = {"new_content": "--new", "document": "--doc", "facts": "--yes/--no"}


def _calculate(obj: _Lazy, rule: str, as_of: date | None, as_json: bool, **inputs: Any) -> None:
    labels = INPUTS[rule]
    names = {key: f"{_OPTIONS.get(key, '--' + key.replace('_', '-'))}（{label}）" for key, label in labels.items()}
    result = obj.calculators.run(rule, inputs, as_of=as_of or date.today(), names=names)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.render())


@calc.command()
@click.option("--total", metavar="金额", required=True, help="项目总投资，如 230万。")
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def supervision(obj: _Lazy, total: str, as_of: date | None, as_json: bool) -> None:
    """是否须实行监理制（第十九条）。"""
    _calculate(obj, "supervision", as_of, as_json, total=total)


@calc.command()
@click.option("--total", metavar="金额", required=True, help="批复概算总投资。")
@click.option("--increase", metavar="金额", default=None, help="增加建设内容的投资（含新增内容；不填则按 --new 计）。")
@click.option("--decrease", metavar="金额", default="0元", show_default=True, help="减少建设内容的投资。")
@click.option(
    "--new", "new_content", metavar="金额", default=None, help="新增建设内容的投资（不填按 0 计，并列入假设）。"
)
@click.option(
    "--savings", metavar="金额", default="0元", show_default=True, help="招标采购形成的资金结余（不计入调整范围）。"
)
@click.option(
    "--within-estimate/--exceeds-estimate",
    default=None,
    help="投资规模是否未超出概算批复（不填：减少额不小于增加额即未超出，否则列为假设）。",
)
@click.option("--goal-unchanged/--goal-changed", default=None, help="建设目标是否不变（不填则按不变假设）。")
@click.option(
    "--situation",
    type=_Situation(),
    default=None,
    help="符合第一款第几项情形（1、2、3，或 一、（一））；none 表示都不符合（不填则按符合假设）。",
)
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def adjust(
    obj: _Lazy,
    total: str,
    increase: str | None,
    decrease: str,
    new_content: str | None,
    savings: str,
    within_estimate: bool | None,
    goal_unchanged: bool | None,
    situation: int | None,
    as_of: date | None,
    as_json: bool,
) -> None:
    """项目建设单位能否自行调整概算并备案（第二十一条）。"""
    _calculate(
        obj,
        "adjustment",
        as_of,
        as_json,
        total=total,
        increase=increase,
        decrease=decrease,
        new_content=new_content,
        savings=savings,
        within_estimate=within_estimate,
        goal_unchanged=goal_unchanged,
        situation=situation,
    )


@calc.command()
@click.option(
    "--date",
    "when",
    metavar="日期",
    default=None,
    help="查询日期：2027-03-01、2027年3月、明年…（默认 --as-of 或今天）。",
)
@click.option("--doc", "doc_name", default=None, help="文件名称、简称或文号（默认：办法）。")
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def validity(obj: _Lazy, when: str | None, doc_name: str | None, as_of: date | None, as_json: bool) -> None:
    """文件在某日是否有效（办法第二十九条；其他文件按清单记录的日期）。"""
    _calculate(obj, "validity", as_of, as_json, document=doc_name, date=when)


@calc.command()
@click.option(
    "--funding",
    multiple=True,
    required=True,
    help="资金来源，可重复：写名称（如 市本级财政资金、自筹资金）或代码（如 municipal、self）；写错时会列出全部可选项。",
)
@click.option("--in-library/--not-in-library", default=None, help="是否已纳入项目库管理。")
@click.option("--in-plan/--not-in-plan", default=None, help="是否已纳入年度计划。")
@click.option("--classified", is_flag=True, help="涉密项目。")
@click.option("--built-before-approval/--not-built", default=None, help="是否已在审批前开工建设。")
@click.option("--civil-works/--no-civil-works", default=None, help="是否涉及新建土建工程或高耗能项目。")
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def route(
    obj: _Lazy,
    funding: tuple[str, ...],
    in_library: bool | None,
    in_plan: bool | None,
    classified: bool,
    built_before_approval: bool | None,
    civil_works: bool | None,
    as_of: date | None,
    as_json: bool,
) -> None:
    """走审批还是备案制，审批包括哪些环节（第五、七、八、十一、十二条）。"""
    _calculate(
        obj,
        "approval_route",
        as_of,
        as_json,
        funding=funding,
        in_library=in_library,
        in_plan=in_plan,
        classified=classified,
        built_before_approval=built_before_approval,
        civil_works=civil_works,
    )


@calc.command("negative-list")
@click.option("--kind", default=None, help="项目类型：新建、升级改造、其他（new / upgrade / other）。")
@click.option("--yes", "yes_facts", multiple=True, help="成立的项目情况（可重复），见 --list。")
@click.option("--no", "no_facts", multiple=True, help="不成立的项目情况（可重复），见 --list。")
@click.option("--list", "list_facts", is_flag=True, help="列出可填写的项目情况。")
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def negative_list(
    obj: _Lazy,
    kind: str | None,
    yes_facts: tuple[str, ...],
    no_facts: tuple[str, ...],
    list_facts: bool,
    as_of: date | None,
    as_json: bool,
) -> None:
    """是否属于第十条“原则上不得申报”的情形；未填写的情况按未知处理。"""
    calculators = obj.calculators
    if list_facts:
        facts = {k: f.label for k, f in calculators.rules.negative_list.facts.items() if k not in KIND_FACTS}
        if as_json:
            click.echo(json.dumps({"facts": facts}, ensure_ascii=False, indent=2))
        else:
            click.echo("\n".join(f"{key}\t{label}" for key, label in facts.items()))
        return
    pairs = [(name, True) for name in yes_facts] + [(name, False) for name in no_facts]
    _calculate(obj, "negative_list", as_of, as_json, kind=kind, facts=pairs)


@calc.command("self-eval")
@click.option("--accepted", metavar="日期", required=True, help="通过验收的日期：2025-06-01、2025年6月…")
@click.option("--live", metavar="日期", default=None, help="投入运行的日期（与验收不同日时填写；取两者中较晚者起算）。")
@_AS_OF
@_JSON
@click.pass_obj
@_errors_as_json
def self_eval(obj: _Lazy, accepted: str, live: str | None, as_of: date | None, as_json: bool) -> None:
    """何时开展自评价（第二十三条：验收并投入运行后一至两年内）。"""
    _calculate(obj, "self_evaluation", as_of, as_json, accepted=accepted, live=live)


def _search_text(retriever: Any, result: Any) -> str:
    if result.routed:
        lines = ["按条文编号直接定位："]
    elif result.relevant:
        lines = [f"相关度 {result.relevance:.2f}（阈值 {retriever.calibration.threshold:.2f}）："]
    else:
        lines = [
            f"未找到足够相关的条文（相关度 {result.relevance:.2f}，低于阈值 "
            f"{retriever.calibration.threshold:.2f}）。以下仅为最接近的候选："
        ]
    for rank, h in enumerate(result.hits, 1):
        scores = (
            ""
            if result.routed
            else f"  分数 {h.score:.4f}"
            + "".join(
                f" · {name} 第{r + 1}名" for name, r in (("BM25", h.bm25_rank), ("向量", h.dense_rank)) if r is not None
            )
        )
        lines.append(f"{rank}. {h.entry.label}{scores}")
        text = " ".join(h.entry.text.split())
        text = text if len(text) <= 120 else text[:120] + "…"
        lines.append(f"   {text}")
    return "\n".join(lines)


def _merge(ref: UnitRef, **options: int | None) -> UnitRef:
    """Combine 第X条第Y款 written in REF with --paragraph/--item/--subitem; a conflict is an error."""
    values = {}
    for name, option in options.items():
        written = getattr(ref, name)
        if option is not None and written is not None and option != written:
            raise RequestError(f"条文编号与选项 --{name} 矛盾：{ref.label()} 与 {option}。")
        values[name] = written if written is not None else option
    return UnitRef(ref.article, ref.suffix, values["paragraph"], values["item"], values["subitem"], ref.document)


def _status_text(meta: DocumentMeta, day: date) -> str:
    status = meta.status_on(day)
    return f"{status}（至{meta.expiry_date}）" if meta.expiry_date else status


def _context_line(doc: Document, unit: Unit, day: date) -> list[str]:
    article = doc.article(unit.ref.article, unit.ref.suffix)
    parts = [unit.id]
    if doc.meta.number:
        parts.append(doc.meta.number)
    parts += [h.name for h in article.headings]
    validity = f"；有效期至 {doc.meta.expiry_date}" if doc.meta.expiry_date else ""
    parts.append(f"{doc.meta.status_on(day)}（按 {day}{validity}）")
    if isinstance(unit, Article):
        parts.append(f"共{len(unit.paragraphs)}款")
    if isinstance(unit, Paragraph) and unit.items:
        parts.append(f"共{len(unit.items)}项")
    note = doc.meta.version_note(day)
    if note:
        parts.append(f"注意：{note}")
    return parts


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _format_table(rows: list[list[str]]) -> str:
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def main() -> None:
    cli(prog_name="regassist")


if __name__ == "__main__":
    main()
