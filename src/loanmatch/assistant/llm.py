"""An optional large-language-model provider behind an OpenAI-compatible HTTP endpoint.

OFF by default (``Settings.llm_base_url`` is None): the assistant then answers from its knowledge
base only, and everything works. When configured, it is used for two things only, both grounded
on the knowledge base:

- :meth:`LlmProvider.rephrase`: say a knowledge-base answer in reply to the owner's own words;
- :meth:`LlmProvider.answer_from`: answer a message retrieval found no entry for, from the
  nearest entries' answers, or say it does not know.

Any failure (no endpoint, timeout, HTTP error, malformed JSON, an empty reply) returns None and
the caller keeps the knowledge base's text: the model can make an answer nicer, never break it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from loanmatch.assistant.knowledge import Entry
from loanmatch.lang import Lang, parse_lang
from loanmatch.settings import Settings

__all__ = ["NO_ANSWER", "LlmProvider", "provider_from"]

logger = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
"""What the model is told to say when the knowledge base does not cover the message."""
MAX_REPLY_CHARS = 1200

_SYSTEM: dict[Lang, str] = {
    "zh-CN": "你是小微企业贷款匹配平台的客服助手。只能依据给出的知识库内容回答，不要编造利率、"
    "额度或承诺获批。回答简洁、礼貌，用中文，不超过150字。",
    "en": "You are the customer-service assistant of an SME loan-matching platform. Answer only "
    "from the knowledge-base text given; never invent rates, amounts or promise approval. Be "
    "brief and polite, in English, under 100 words.",
}


@dataclass(frozen=True)
class LlmProvider:
    """A chat-completions client: ``POST {base_url}/v1/chat/completions`` (``/v1`` is not
    doubled when ``base_url`` already ends with it)."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 8.0
    transport: httpx.BaseTransport | None = None

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"

    def complete(self, system: str, user: str) -> str | None:
        """The model's reply, or None on any failure (logged without the texts)."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0.2,
        }
        try:
            with httpx.Client(timeout=self.timeout_s, transport=self.transport) as client:
                response = client.post(self.endpoint, json=body, headers=headers)
                response.raise_for_status()
                content = response.json()["choices"][0]["message"]["content"]
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as error:
            logger.warning("the language model failed (%s); using the knowledge base",
                           type(error).__name__)  # fmt: skip
            return None
        if not isinstance(content, str) or not content.strip():
            return None
        return content.strip()[:MAX_REPLY_CHARS]

    def rephrase(self, message: str, answer: str, lang: str) -> str | None:
        """``answer`` (from the knowledge base) said in reply to ``message``; None: keep it."""
        key = parse_lang(lang)
        user = (
            f"Owner's message: {message}\n\nKnowledge-base answer: {answer}\n\n"
            "Rewrite the knowledge-base answer as a direct reply to the owner's message. Keep "
            "every fact and number; add none."
        )
        return self.complete(_SYSTEM[key], user)

    def answer_from(self, message: str, entries: Sequence[Entry], lang: str) -> str | None:
        """An answer to ``message`` grounded on ``entries``; None when they do not cover it."""
        key = parse_lang(lang)
        facts = "\n".join(f"- Q: {e.question.get(key)} A: {e.answer.get(key)}" for e in entries)
        user = (
            f"Knowledge base:\n{facts}\n\nOwner's message: {message}\n\n"
            f"If the knowledge base answers the message, answer it from there. Otherwise reply "
            f"exactly {NO_ANSWER}."
        )
        reply = self.complete(_SYSTEM[key], user)
        if reply is None or NO_ANSWER in reply:
            return None
        return reply


def provider_from(settings: Settings) -> LlmProvider | None:
    """The configured provider, or None when ``llm_base_url`` is not set (the default)."""
    if not settings.llm_base_url:
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    return LlmProvider(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=key,
        timeout_s=settings.llm_timeout_s,
    )
