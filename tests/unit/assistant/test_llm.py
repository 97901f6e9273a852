"""The optional language model, against a small real HTTP server on 127.0.0.1 that speaks the
OpenAI chat-completions protocol. Any failure falls back to the knowledge base (None)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from loanmatch.assistant.knowledge import default_knowledge
from loanmatch.assistant.llm import NO_ANSWER, LlmProvider, provider_from
from loanmatch.settings import Settings


@dataclass
class FakeModel:
    """What the server answers next, and what it was asked."""

    reply: str = "您的数据很安全。"
    status: int = 200
    raw: bytes | None = None
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            model.requests.append(json.loads(self.rfile.read(length)))
            model.paths.append(self.path)
            model.auth.append(self.headers.get("Authorization"))
            time.sleep(model.delay_s)
            body = model.raw if model.raw is not None else json.dumps(
                {"choices": [{"message": {"role": "assistant", "content": model.reply}}]}
            ).encode()  # fmt: skip
            try:
                self.send_response(model.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def fake_model() -> Iterator[tuple[FakeModel, str]]:
    model = FakeModel()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(model))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield model, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_model_rephrases_a_knowledge_base_answer(fake_model: tuple[FakeModel, str]) -> None:
    model, base = fake_model
    provider = LlmProvider(base_url=base, model="tiny", api_key="k-123", timeout_s=5)
    assert provider.rephrase("数据安全吗", "您的数据只用于匹配。", "zh") == "您的数据很安全。"
    sent = model.requests[0]
    assert model.paths == ["/v1/chat/completions"]
    assert model.auth == ["Bearer k-123"]
    assert sent["model"] == "tiny"
    assert sent["messages"][0]["role"] == "system"
    assert "您的数据只用于匹配。" in sent["messages"][1]["content"]


def test_a_base_url_ending_in_v1_is_not_doubled(fake_model: tuple[FakeModel, str]) -> None:
    model, base = fake_model
    LlmProvider(base_url=f"{base}/v1/", model="tiny").complete("s", "u")
    assert model.paths == ["/v1/chat/completions"]
    assert model.auth == [None]


def test_a_grounded_answer_carries_the_nearest_entries(fake_model: tuple[FakeModel, str]) -> None:
    model, base = fake_model
    model.reply = "Matching is free."
    kb = default_knowledge()
    provider = LlmProvider(base_url=base, model="tiny")
    assert provider.answer_from("any hidden costs?", [kb["fees"]], "en") == "Matching is free."
    assert kb["fees"].answer.en in model.requests[0]["messages"][1]["content"]


def test_no_answer_from_the_model_means_none(fake_model: tuple[FakeModel, str]) -> None:
    model, base = fake_model
    model.reply = NO_ANSWER
    kb = default_knowledge()
    assert LlmProvider(base_url=base, model="m").answer_from("天气", [kb["fees"]], "zh") is None


@pytest.mark.parametrize(
    ("status", "raw"),
    [(500, None), (200, b"not json"), (200, b'{"choices": []}'), (200, b'{"choices": [{}]}')],
)
def test_a_failing_or_malformed_model_falls_back_to_the_knowledge_base(
    fake_model: tuple[FakeModel, str], status: int, raw: bytes | None
) -> None:
    model, base = fake_model
    model.status, model.raw = status, raw
    assert LlmProvider(base_url=base, model="m").rephrase("q", "kb answer", "en") is None


def test_a_slow_model_times_out_and_falls_back(fake_model: tuple[FakeModel, str]) -> None:
    model, base = fake_model
    model.delay_s = 1.0
    started = time.monotonic()
    assert LlmProvider(base_url=base, model="m", timeout_s=0.2).rephrase("q", "a", "en") is None
    assert time.monotonic() - started < 0.9


def test_an_unreachable_model_falls_back() -> None:
    provider = LlmProvider(base_url="http://127.0.0.1:9", model="m", timeout_s=1)
    assert provider.rephrase("q", "a", "zh") is None


def test_the_model_is_off_by_default_and_on_when_configured() -> None:
    assert provider_from(Settings()) is None
    configured = Settings(llm_base_url="http://127.0.0.1:1/v1", llm_api_key="s", llm_model="x")
    provider = provider_from(configured)
    assert provider is not None
    assert provider.api_key == "s"
    assert provider.model == "x"
