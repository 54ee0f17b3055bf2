"""The app in a real browser: Debian's chromium driven by Playwright, against the in-process app.

Never skipped: `.ci/run` installs chromium with apt, and a machine without it fails here with the
command that fixes it. Screenshots land in each test's tmp dir.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "browser tests need Debian's chromium: apt-get install chromium (.ci/run does this)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield browser
        browser.close()


class Watch:
    """What a page did that it must not: dialogs (a script ran), page errors, requests off this host."""

    def __init__(self, page, base: str) -> None:
        host = urlparse(base).netloc
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                None if urlparse(r.url).netloc == host or r.url.startswith("data:") else self.outside.append(r.url)
            ),
        )


@pytest.fixture
def page(browser, app_server: str, tmp_path: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    watch = Watch(page, app_server)
    page.goto(app_server)
    page.wait_for_selector("#question textarea")
    page.wait_for_function("document.querySelector('#banner').innerText.includes('有效期至')")
    yield page, watch
    page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
    context.close()
    assert watch.dialogs == [], f"a script ran: {watch.dialogs}"
    assert watch.outside == [], f"requests left the machine: {watch.outside}"


def _ask(page, text: str) -> None:
    before = page.locator("#chat .ra-answer, #chat .ra-error").count()
    page.fill("#question textarea", text)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        f"document.querySelectorAll('#chat .ra-answer, #chat .ra-error').length > {before}", timeout=30_000
    )


def test_chat_calculator_and_browse(page, tmp_path: Path) -> None:
    """The acceptance walk: a question with its citation panel, a calculator form, an article in Browse."""
    page, watch = page
    assert "按 2026-11-26 现行有效，有效期至 2026-11-30（还剩 4 天）" in page.inner_text("#banner")

    _ask(page, "我们的项目总投资230万元，需要监理吗？")
    answer = page.locator("#chat .ra-answer").last
    assert answer.inner_text().startswith("需要。")
    expect(page.locator("#chat .ra-user").last).to_be_in_viewport()  # the verdict is not scrolled away
    panel = answer.locator("details.ra-cite").first
    assert "【办法 第十九条】" in panel.locator("summary").inner_text()
    assert not panel.locator("mark").first.is_visible()
    panel.locator("summary").click()
    assert panel.locator("mark").first.is_visible()
    assert (
        panel.locator("mark").first.inner_text()
        == "总投资在200万元及以上的政务信息化项目原则上实行监理制,对项目建设全过程进行监理。"
    )
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    # a follow-up in the same conversation
    _ask(page, "那150万呢？")
    assert page.locator("#chat .ra-answer").last.inner_text().startswith("不要求")

    page.get_by_role("tab", name="计算器").click()
    page.get_by_role("tab", name="概算调整（第二十一条）").click()
    page.fill("#adjustment-total textarea", "1000万元")
    page.fill("#adjustment-increase textarea", "120万元")
    page.locator("#adjustment-within label", has_text="是").click()
    page.click("#calc-adjustment")
    result = page.locator("#result-adjustment .ra-verdict")
    result.wait_for()
    assert result.inner_text()
    assert "【办法 第二十一条第二款】" in page.inner_text("#result-adjustment")
    assert "投资规模未超出概算批复" in page.inner_text("#result-adjustment")
    page.screenshot(path=str(tmp_path / "calculator.png"), full_page=True)

    page.get_by_role("tab", name="条文浏览").click()
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('第一条')")
    page.fill("#browse-jump textarea", "第二十一条第二款")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('第二十一条')")
    text = page.inner_text("#browse-text")
    assert "第三章 建设和资金管理" in text and "第二款" in text and "(三)根据所建政务信息化项目" in text
    assert "版本日期 2024-10-11" in text
    page.click("#browse-next")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('第二十二条')")
    assert "包府办发〔2024〕106号" in page.inner_text("#browse-document")
    page.screenshot(path=str(tmp_path / "browse.png"), full_page=True)
    for name in ("chat.png", "calculator.png", "browse.png"):
        assert (tmp_path / name).stat().st_size > 10_000
    assert watch.errors == []


def test_check_tab_marks_each_reference_and_browse_shows_the_reference_graph(page, tmp_path: Path) -> None:
    page, watch = page
    page.get_by_role("tab", name="引用核对").click()
    page.fill(
        "#check-text textarea",
        "根据办法第十九条，总投资150万元以上的项目应实行监理制。\n办法第十九条规定“原则上实行监理制”。",
    )
    page.click("#check-run")
    page.wait_for_selector("#check-result .ra-verdict")
    result = page.locator("#check-result")
    assert "共 2 处引用，发现 1 处问题。" in result.inner_text()
    assert result.locator(".ra-bad").count() == 1 and result.locator(".ra-good").count() == 1
    assert "数字与条文不符" in result.locator(".ra-defect").first.inner_text()
    panel = result.locator("details.ra-cite").first
    panel.locator("summary").click()
    assert "总投资在200万元及以上" in panel.inner_text()
    page.screenshot(path=str(tmp_path / "check.png"), full_page=True)

    page.get_by_role("tab", name="条文浏览").click()
    page.fill("#browse-jump textarea", "第二十一条第三款")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('上述情形')")
    text = page.inner_text("#browse-text")
    assert "办法 第二十一条第三款“上述情形” → 办法 第二十一条第一款第（一）项" in text
    page.fill("#browse-jump textarea", "第一条")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function(
        "document.querySelector('#browse-text').innerText.includes('国办发〔2019〕57号）（未收录正文）')"
    )
    assert watch.errors == []


ATTACK = '<img src=x onerror="alert(1)"><script>alert(2)</script>[点我](javascript:alert(3)) **粗** $x^2$'


def test_typed_markup_is_shown_as_text(page) -> None:
    page, watch = page
    _ask(page, ATTACK + " 第十九条")
    chat = page.locator("#chat")
    user = chat.locator(".ra-user").last
    assert ATTACK in user.inner_text()
    assert chat.locator("img[src='x'], script:not([type]), a[href^='javascript']").count() == 0
    assert chat.locator(".ra-user strong, .ra-user .katex").count() == 0
    page.wait_for_timeout(300)  # a dialog, if any script ran, would have been seen by now
    assert watch.dialogs == []


def test_browse_by_dropdowns_and_other_documents(page) -> None:
    page, _ = page
    page.get_by_role("tab", name="条文浏览").click()
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('第一条')")
    # documents → chapters → articles
    page.locator("#browse-chapter input").click()
    page.get_by_role("option", name="第五章 附则").click()
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('第二十八条')")
    page.locator("#browse-article input").click()
    page.get_by_role("option", name=re.compile("^第二十九条")).click()
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('有效期两年')")
    page.click("#browse-next")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('已是最后一条（办法共29条）')")
    assert "有效期两年" in page.inner_text("#browse-text")
    # a law whose text is bundled, then one whose text is not
    page.fill("#browse-jump textarea", "审计法第六条")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('中华人民共和国审计法')")
    page.locator("#browse-doc input").click()
    page.get_by_role("option", name=re.compile("^政府投资条例")).click()
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('未收录正文')")
    assert "国务院令第712号" in page.inner_text("#browse-document")


def test_a_bad_date_is_said_and_a_later_one_changes_the_status(page) -> None:
    page, _ = page
    page.fill("#as-of input", "2026-13-45")
    page.press("#as-of input", "Enter")
    page.wait_for_function("document.querySelector('#banner').innerText.includes('无效')")
    _ask(page, "第十九条")
    assert "日期“2026-13-45”无效" in page.locator("#chat .ra-error").last.inner_text()
    assert page.input_value("#question textarea") == "第十九条"  # kept, to send again
    page.fill("#as-of input", "2027-01-01")
    page.press("#as-of input", "Enter")
    page.wait_for_function("document.querySelector('#banner').innerText.includes('已失效')")
    _ask(page, "第十九条")
    assert "已失效" in page.locator("#chat .ra-answer").last.inner_text()


def test_jump_highlights_the_paragraph_and_reads_references_as_chat_does(page) -> None:
    page, _ = page
    page.get_by_role("tab", name="条文浏览").click()
    page.fill("#browse-jump textarea", "21条2款")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text mark') !== null")
    assert page.inner_text("#browse-text mark").startswith("建设内容调整是指在批复的软硬件清单内")
    page.fill("#browse-jump textarea", "审计法第六条")
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text').innerText.includes('审计法》第六条')")
    page.fill("#browse-jump textarea", "第二十一条第一款第（三）项")  # in the document on screen: 审计法
    page.press("#browse-jump textarea", "Enter")
    page.wait_for_function("document.querySelector('#browse-text .ra-error') !== null")
    assert page.inner_text("#browse-text").startswith("审计法：")  # the message names the document


def test_the_chat_widgets_clear_button_also_forgets_the_conversation(page) -> None:
    page, _ = page
    _ask(page, "我们的项目总投资230万元，需要监理吗？")
    page.locator("#chat button[aria-label='清空对话'], #chat button[aria-label='Clear']").first.click()
    page.wait_for_function("document.querySelectorAll('#chat .ra-answer').length === 0")
    _ask(page, "那150万呢？")
    assert not page.locator("#chat .ra-answer").last.inner_text().startswith("不要求")


def test_a_calculator_result_follows_the_date(page) -> None:
    page, _ = page
    page.get_by_role("tab", name="计算器").click()
    page.fill("#supervision-total textarea", "230万")
    page.press("#supervision-total textarea", "Enter")  # Enter computes, as the button does
    page.wait_for_function("document.querySelector('#result-supervision').innerText.includes('适用日期 2026-11-26')")
    page.fill("#as-of input", "2027-01-01")
    page.press("#as-of input", "Enter")
    page.wait_for_function("document.querySelector('#result-supervision').innerText.includes('适用日期 2027-01-01')")
    assert "已失效" in page.inner_text("#result-supervision")
