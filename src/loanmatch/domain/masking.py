"""Masking of personal information for audit records and logs (docs/design.md §8).

The catalog's ``personal`` flag decides what is personal: :func:`mask_value` hides the value of a
personal feature and leaves a business fact (industry, loan amount) readable. Identifiers and free
text get pattern masks: a mobile number keeps its first 3 and last 4 digits (``138****5678``), a
resident ID number its first 3 and last 2 characters, a 统一社会信用代码 (unified social credit
code, 18 characters: a sole trader's is personal) its first 2 and last 2, a person's name its
surname (``张**``), and any other run of 6 or more digits in free text (an account number, an
amount) is hidden entirely.
A masked value never contains more than those kept characters of the original.
"""

from __future__ import annotations

import logging
import re

from loanmatch.domain.catalog import Feature

__all__ = [
    "MASK",
    "MaskingFilter",
    "mask_id_number",
    "mask_name",
    "mask_owner_id",
    "mask_phone",
    "mask_text",
    "mask_value",
]

MASK = "***"
"""What a personal value becomes when nothing of it may be kept."""

_PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{13}(\d[\dXx])(?![0-9A-Za-z])")
_LONG_DIGITS = re.compile(r"\d(?:[\d,.]*\d){5,}")
_CREDIT_CODE = re.compile(
    r"(?<![0-9A-Za-z])([0-9A-HJ-NPQRTUWXY]{2})\d{6}[0-9A-HJ-NPQRTUWXY]{8}([0-9A-HJ-NPQRTUWXY]{2})"
    r"(?![0-9A-Za-z])"
)


def mask_phone(phone: str) -> str:
    """``13812345678`` -> ``138****5678``; anything that is not a mobile number -> ``***``."""
    match = _PHONE.fullmatch(phone.strip())
    return f"{match.group(1)}****{match.group(3)}" if match else MASK


def mask_id_number(number: str) -> str:
    """A resident ID number keeps its first 3 and last 2 characters; other identifiers keep
    at most their first 2 and last 2 characters (and nothing when shorter than 8)."""
    text = number.strip()
    match = _ID_NUMBER.fullmatch(text)
    if match:
        return f"{match.group(1)}{'*' * 13}{match.group(2)}"
    if len(text) < 8:
        return MASK
    return f"{text[:2]}{'*' * (len(text) - 4)}{text[-2:]}"


def mask_name(name: str) -> str:
    """A person's name keeps its first character (the surname): ``张三丰`` -> ``张**``."""
    text = name.strip()
    if not text:
        return MASK
    return text[0] + "*" * max(len(text) - 1, 2)


def mask_owner_id(owner_id: str) -> str:
    """An owner's id as a page or log may show it: a mobile number as :func:`mask_phone`,
    anything else (an e-mail, a user id) as :func:`mask_id_number`."""
    phone = mask_phone(owner_id)
    return phone if phone != MASK else mask_id_number(owner_id)


def mask_text(text: str) -> str:
    """Free text with mobile numbers, ID numbers, credit codes and other long digit runs
    masked."""
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _ID_NUMBER.sub(lambda m: f"{m.group(1)}{'*' * 13}{m.group(2)}", text)
    text = _CREDIT_CODE.sub(lambda m: f"{m.group(1)}{'*' * 14}{m.group(2)}", text)
    return _LONG_DIGITS.sub(lambda m: m.group(0) if "*" in m.group(0) else MASK, text)


def mask_value(feature: Feature | None, value: object) -> str:
    """How a value may appear in an audit record or a log line.

    A personal feature's value (or any value of a feature the catalog does not know) is hidden;
    ``None`` (unknown) stays visible as ``unknown``; other values are shown, free text masked.
    """
    if value is None:
        return "unknown"
    if feature is None or feature.personal:
        return MASK
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return mask_text(str(value))


class MaskingFilter(logging.Filter):
    """A logging filter that masks phones, ID numbers and long digit runs in every message.

    Install on a handler (``handler.addFilter(MaskingFilter())``): the message is rendered with
    its arguments first, then masked, so ``logger.info("owner %s", id_number)`` is safe too.

    A traceback (``exc_info``) and a stack (``stack_info``) are rendered and masked too, since an
    exception's message may quote what an owner typed.
    """

    _render = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            self._mask_parts(record, masked)
        if record.exc_info and not record.exc_text:
            record.exc_text = self._render.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True

    @staticmethod
    def _mask_parts(record: logging.LogRecord, masked: str) -> None:
        """Mask the format string and each text argument in place, so a formatter that reads
        the arguments themselves (uvicorn's access log unpacks five) still finds them; when
        that leaves a personal value (one inside a number argument), the message is replaced
        by its masked rendering and the arguments dropped."""
        args = record.args
        record.msg = mask_text(record.msg) if isinstance(record.msg, str) else record.msg
        if isinstance(args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, dict):
            record.args = {k: mask_text(v) if isinstance(v, str) else v for k, v in args.items()}
        try:
            rendered = record.getMessage()
        except (TypeError, ValueError):
            rendered = ""
        if rendered != masked:
            record.msg, record.args = masked, None
