"""Every handler loanmatch and its server log through masks personal values: the CLI's
(configure_logging), the server's own (uvicorn_log_config) and whatever handlers exist when the
app is built (mask_log_handlers)."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest

from loanmatch.bootstrap import configure_logging, mask_log_handlers, uvicorn_log_config
from loanmatch.domain.masking import MaskingFilter

PHONE, CODE = "13912345678", "91110000600037341L"


def _fail() -> BaseException:
    try:
        raise RuntimeError(f"owner {PHONE} of {CODE}")
    except RuntimeError as error:
        return error


@pytest.fixture
def uvicorn_loggers() -> Iterator[None]:
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {n: (logging.getLogger(n).handlers[:], logging.getLogger(n).propagate) for n in names}
    yield
    for name, (handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate


def test_uvicorns_error_log_masks_the_traceback_of_an_exception_in_the_app(
    uvicorn_loggers: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.config.dictConfig(uvicorn_log_config())
    logging.getLogger("uvicorn.error").error("Exception in ASGI application\n", exc_info=_fail())
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET", f"/chat?phone={PHONE}", "1.1", 200
    )
    logged = capsys.readouterr()
    text = logged.err + logged.out
    assert "Traceback" in text
    assert "RuntimeError: owner 139****5678 of 91**************1L" in text
    assert PHONE not in text
    assert CODE not in text


def test_configure_logging_masks_and_replaces_its_own_handler_when_called_again() -> None:
    root = logging.getLogger()
    level = root.level
    first = configure_logging("INFO", io.StringIO())
    stream = io.StringIO()
    second = configure_logging("INFO", stream)
    try:
        assert first not in root.handlers
        logging.getLogger("loanmatch.test").info("call %s", PHONE)
        assert stream.getvalue().strip() == "INFO loanmatch.test: call 139****5678"
    finally:
        assert second is not None
        root.removeHandler(second)
        root.setLevel(level)


def test_a_handler_made_by_someone_else_is_masked_once() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        assert mask_log_handlers() >= 1
        mask_log_handlers()
        assert sum(isinstance(f, MaskingFilter) for f in handler.filters) == 1
        logger.error("owner %s", PHONE)
        assert PHONE not in stream.getvalue()
    finally:
        logger.removeHandler(handler)


def test_without_a_stream_a_configured_root_keeps_its_handlers_but_they_are_masked() -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    theirs = logging.StreamHandler(stream)
    root.addHandler(theirs)
    level = root.level
    try:
        assert configure_logging("DEBUG") is None
        assert root.level == level
        root.error("owner %s", PHONE)
        assert "139****5678" in stream.getvalue()
    finally:
        root.removeHandler(theirs)
