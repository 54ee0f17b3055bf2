"""The optional LLM: langchain's fake chat models, and a local stub server speaking the OpenAI protocol."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from assistant.config import Settings
from assistant.phrasing import Phraser, check_rewrite

QUESTION = "总投资230万元的项目需要监理吗？"
GOOD = (
    "需要。总投资230万元，达到【办法 第十九条】规定的“200万元及以上”门槛，项目原则上实行监理制，"
    "对项目建设全过程进行监理。"
)


def fake(*replies: str) -> Phraser:
    return Phraser(GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies])), "fake")


@pytest.fixture(scope="module")
def deterministic(engine):
    answer = engine.ask(QUESTION)
    assert answer.calculation is not None and answer.answer.startswith("需要。")
    return answer


def test_a_faithful_rewrite_leads_and_the_evidence_stays(deterministic) -> None:
    answer = fake(GOOD).rephrase(deterministic)
    assert answer.answer.startswith(GOOD)
    assert "**计算过程**" in answer.answer and "【办法 第十九条】" in answer.answer
    assert answer.answer.count(deterministic.calculation.conclusion) == 0  # replaced, not repeated
    assert answer.citations == deterministic.citations and answer.calculation == deterministic.calculation
    assert answer.warnings == deterministic.warnings


@pytest.mark.parametrize(
    ("rewrite", "reason"),
    [
        (GOOD.replace("230万元", "150万元"), "数字“150”"),
        (GOOD + "另见【办法 第二十条】。", "未核验的条文【办法 第二十条】"),
        (GOOD.replace("“200万元及以上”", "“200万元以下”"), "不是所标条文的原文"),
        (GOOD.replace("需要。", "不需要。"), "结论句"),
        ("经核算，" + GOOD, "结论句"),
        (GOOD.replace("【办法 第十九条】", "第十九条"), "没有标注引用的条文"),
        ("", "改写为空"),
        (GOOD + "项目" * 700, "改写过长"),
        (GOOD.replace("230万元", "二百三十万元"), "数字“二百三十万”"),
        (GOOD + "但根据【办法 第十九条】，贵单位其实不需要监理。", "判断词“不需要”"),
        (GOOD + "新增内容不得超过百分之五。", "数字“百分之五”"),
        (GOOD + "监理期限一般两年。", "数字“两年”"),
        (GOOD + "该办法长期有效。", "判断词“长期有效”"),
        (GOOD + "另请参照《政府投资条例》。", "文件《政府投资条例》"),
        ("需要。【办法 第十九条】规定“有效期至 2026-11-30”。", "不是所标条文的原文"),
        (GOOD + "超过20万元门槛的都要监理。", "数字“20”"),  # not read inside 2026 or 200
        (GOOD + "其实没有必要实行监理。", "判断词“没有必要”"),
        (GOOD + "小项目可免于监理。", "判断词“免于”"),
    ],
)
def test_an_unfaithful_rewrite_falls_back_with_a_warning(deterministic, rewrite, reason) -> None:
    answer = fake(rewrite).rephrase(deterministic)
    assert answer.answer == deterministic.answer
    assert reason in answer.warnings[-1] and "已使用确定性回答" in answer.warnings[-1]
    assert check_rewrite(rewrite, deterministic, QUESTION)


def test_a_failing_model_falls_back(deterministic) -> None:
    answer = fake().rephrase(deterministic)  # the fake has no reply left: it raises
    assert answer.answer == deterministic.answer
    assert "不可用" in answer.warnings[-1]


# --- a stub OpenAI-compatible server --------------------------------------------------------------


class _Stub(BaseHTTPRequestHandler):
    reply = GOOD
    delay = 0.0
    requests: list[dict] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body})
        time.sleep(self.delay)
        payload = {
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        data = json.dumps(payload).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    _Stub.reply, _Stub.delay, _Stub.requests = GOOD, 0.0, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Stub
    server.shutdown()
    server.server_close()


def _with_phraser(engine, server):
    """The session's engine with the stub endpoint behind it."""
    from assistant.answer import Assistant

    return Assistant(
        engine.corpus,
        engine.retriever,
        engine.calculators,
        engine.extractor,
        engine.guard,
        phraser=_phraser(server),
        today=engine.today,
    )


def _phraser(server, timeout: float = 5.0) -> Phraser:
    host, port = server.server_address
    return Phraser.from_settings(Settings(llm_base_url=f"http://{host}:{port}/v1", llm_timeout=timeout))


def test_the_openai_protocol_round_trip(engine, stub) -> None:
    server, handler = stub
    answer = _phraser(server).rephrase(engine.ask(QUESTION))
    assert answer.answer.startswith(GOOD) and not any("语言模型" in w for w in answer.warnings)
    (request,) = handler.requests
    assert request["path"] == "/v1/chat/completions"
    messages = request["body"]["messages"]
    assert messages[0]["role"] == "system" and "原样保留" in messages[0]["content"]
    assert "【办法 第十九条】" in messages[1]["content"] and QUESTION in messages[1]["content"]
    assert request["body"]["temperature"] == 0


def test_a_slow_endpoint_times_out_to_the_deterministic_answer(engine, stub) -> None:
    server, handler = stub
    handler.delay = 3.0
    deterministic = engine.ask(QUESTION)
    started = time.monotonic()
    answer = _phraser(server, timeout=0.5).rephrase(deterministic)
    assert time.monotonic() - started < 2.5
    assert answer.answer == deterministic.answer and "不可用" in answer.warnings[-1]


def test_the_engine_uses_the_phraser_but_never_for_refusals(engine, stub) -> None:
    server, handler = stub
    phrased = _with_phraser(engine, server)
    assert phrased.ask(QUESTION).answer.startswith(GOOD)
    refused = phrased.ask("包头今天天气怎么样？")
    assert refused.abstained and len(handler.requests) == 1
    handler.reply = "项目无需监理。【办法 第十九条】"
    fallback = phrased.ask(QUESTION)
    assert fallback.answer == engine.ask(QUESTION).answer and "未通过核验" in fallback.warnings[-1]


def test_settings_switch_the_llm_on(engine, monkeypatch, stub) -> None:
    server, _ = stub
    host, port = server.server_address
    monkeypatch.setenv("REGASSIST_LLM_BASE_URL", f"http://{host}:{port}/v1")
    settings = Settings()
    assert settings.llm_base_url and Phraser.from_settings(settings).name == settings.llm_model


def test_an_answer_without_a_verdict_is_never_rewritten(engine, stub) -> None:
    server, handler = stub
    phrased = _with_phraser(engine, server)
    for question in ("项目分两期，一期120万二期110万，需要监理吗？", "项目要不要监理？"):
        answer = phrased.ask(question)
        assert answer.answer == engine.ask(question).answer
    assert handler.requests == []
