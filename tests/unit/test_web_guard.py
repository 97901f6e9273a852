"""The JSON checks of the request guard (loanmatch.web.guard.json_problems), on raw bodies."""

from __future__ import annotations

from typing import Any

import pytest

from loanmatch.errors import RequestError, UnreadableBodyError
from loanmatch.web.guard import MAX_DEPTH, MAX_JSON_INT, json_problems


def _locs(body: bytes) -> list[list[Any]]:
    problem = json_problems(body)
    assert isinstance(problem, RequestError)
    return [list(e["loc"]) for e in problem.errors]


def test_integers_up_to_2_to_the_53_pass_and_one_more_is_refused() -> None:
    assert json_problems(f'{{"a": {MAX_JSON_INT}, "b": -{MAX_JSON_INT}}}'.encode()) is None
    assert _locs(f'{{"a": {MAX_JSON_INT + 1}}}'.encode()) == [["body", "a"]]
    assert _locs(("[" + "9" * 5000 + "]").encode()) == [["body", 0]]


def test_numbers_beyond_a_float_nan_and_infinity_are_refused_where_they_are() -> None:
    assert _locs(b'{"a": [1.5, 1e400], "b": NaN, "c": {"d": -Infinity}}') == [
        ["body", "a", 1],
        ["body", "b"],
        ["body", "c", "d"],
    ]


def test_a_lone_surrogate_is_refused_in_a_value_and_a_key_but_a_pair_is_text() -> None:
    assert json_problems(b'{"a": "\\ud83d\\ude00"}') is None
    assert _locs(b'{"a": "x\\udc00"}') == [["body", "a"]]
    assert _locs(b'{"\\ud800": 1}') == [["body", "\\ud800"]]
    assert _locs(b'{"a": "\xed\xa0\x80"}') == [["body", "a"]], "a surrogate encoded in UTF-8"


def test_json_nested_too_deeply_is_refused_however_deep() -> None:
    ok = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert json_problems(ok) is None
    for depth in (MAX_DEPTH + 2, 100_000):
        problem = json_problems(b"[" * depth + b"]" * depth)
        assert isinstance(problem, RequestError)
        assert "nested deeper than" in problem.message


@pytest.mark.parametrize("body", [b'{"a": "\xff"}', b"\xfe\xff\xd8"])
def test_bytes_that_are_not_utf8_are_unreadable(body: bytes) -> None:
    assert isinstance(json_problems(body), UnreadableBodyError)


def test_utf16_json_reads_as_json_allows_and_what_is_not_json_is_left_to_fastapi() -> None:
    assert json_problems('{"a": "五十万"}'.encode("utf-16")) is None
    assert json_problems(b'{"a": ') is None
    assert json_problems(b"") is None
