"""Masking keeps personal information out of audit records and logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from loanmatch.domain.catalog import Feature
from loanmatch.domain.masking import (
    MASK,
    MaskingFilter,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    mask_value,
)


@contextmanager
def masked_log(
    name: str, formatter: logging.Formatter | None = None
) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose one handler masks (``MaskingFilter``) into the stream yielded beside it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    if formatter is not None:
        handler.setFormatter(formatter)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


def test_a_mobile_number_keeps_only_its_first_three_and_last_four_digits() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 13812345678") == "138****5678"
    assert mask_phone("12345") == MASK


def test_an_id_number_keeps_only_its_ends() -> None:
    assert mask_id_number("11010119900307123X") == "110*************3X"
    assert mask_id_number("owner-12345678") == "ow**********78"
    assert mask_id_number("O1") == MASK


def test_a_name_keeps_only_the_surname() -> None:
    assert mask_name("张三丰") == "张**"
    assert mask_name("李四") == "李**"
    assert mask_name("") == MASK


def test_free_text_loses_phones_ids_and_long_numbers_but_keeps_short_ones() -> None:
    text = "电话13812345678，身份证110101199003071234，账户6222021234567890，借50万，3年, 523,000"
    masked = mask_text(text)
    for secret in ("12345678", "199003071", "6222021234567890", "523,000"):
        assert secret not in masked
    assert "138****5678" in masked
    assert "50万" in masked
    assert "3年" in masked


@pytest.mark.parametrize("value", [712.0, True, "A", 8_765_432.0])
def test_a_personal_feature_value_is_hidden_whatever_its_type(value: object) -> None:
    personal = Feature(name="owner_bureau_score", type="number", personal=True)
    assert mask_value(personal, value) == MASK


def test_a_business_value_stays_readable_and_unknown_stays_unknown() -> None:
    amount = Feature(name="loan_amount", type="number")
    assert mask_value(amount, 500000.0) == "500000"
    assert mask_value(amount, None) == "unknown"
    assert mask_value(Feature(name="ok", type="boolean"), False) == "false"
    assert mask_value(None, "anything") == MASK, "a value of an unknown feature is hidden"


def test_the_logging_filter_masks_messages_and_their_arguments() -> None:
    with masked_log("tests.masking") as (logger, stream):
        logger.warning("owner %s called from %s", "110101199003071234", "13812345678")
        logger.warning("plain %d", 42)
    text = stream.getvalue()
    assert "199003071234" not in text
    assert "12345678" not in text
    assert "138****5678" in text
    assert "plain 42" in text


def test_a_unified_social_credit_code_keeps_only_its_first_and_last_two_characters() -> None:
    assert mask_text("企业 91350100M000100Y43 申请") == "企业 91**************43 申请"
    assert mask_text("身份证 110101199003071234") == "身份证 110*************34"


def test_the_logging_filter_masks_a_traceback_and_a_stack_too() -> None:
    with masked_log("tests.masking.traceback") as (logger, stream):
        try:
            raise ValueError("owner 13812345678 of 91350100M000100Y43")
        except ValueError:
            logger.exception("failed", stack_info=True)
    text = stream.getvalue()
    assert "Traceback" in text
    assert "ValueError: owner 138****5678 of 91**************43" in text
    assert "13812345678" not in text
    assert "91350100M000100Y43" not in text


def test_a_formatter_that_reads_the_arguments_still_finds_them_masked() -> None:
    # uvicorn's access formatter unpacks the record's five arguments itself
    from uvicorn.logging import AccessFormatter

    access = AccessFormatter('%(client_addr)s "%(request_line)s" %(status_code)s')
    args = ("10.1.2.3:5000", "GET", "/chat/13812345678", "1.1", 200)
    with masked_log("tests.masking.access", access) as (logger, stream):
        logger.info('%s - "%s %s HTTP/%s" %d', *args)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "GET /chat/138****5678 HTTP/1.1" in lines[0]
    assert lines[0].endswith("200 OK")


def test_a_personal_value_inside_a_number_argument_is_masked_in_the_rendered_message() -> None:
    with masked_log("tests.masking.number") as (logger, stream):
        logger.warning("owner number %d", 110101199003071234)
    assert "199003071234" not in stream.getvalue()
    assert "owner number" in stream.getvalue()
