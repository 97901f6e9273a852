"""The guiding assistant's use case: a chat that drives the intake and answers doubts.

- ``conversation.py``: :func:`chat`, one message of the owner in, the replies and the session
  out; :func:`start_chat` and :func:`opening` begin one;
- ``texts.py``: what the assistant says about a session (consent request, question, offers) and
  the facts a contextual knowledge-base answer may use.
"""

from loanmatch.services.assistant.conversation import (
    Assistant,
    ChatTurn,
    chat,
    opening,
    start_chat,
)

__all__ = ["Assistant", "ChatTurn", "chat", "opening", "start_chat"]
