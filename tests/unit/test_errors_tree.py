"""The one error tree: every LoanMatchError lives in loanmatch.errors, is drawn in its docstring
with the status and code it carries, and has a code of its own."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import loanmatch
from loanmatch import errors
from loanmatch.cli.console import exit_code
from loanmatch.domain.catalog import Text
from loanmatch.errors import LoanMatchError

_DRAWN = re.compile(r"^    (?:[ |]*\+- )?(\w+)\s+(\d{3})\s+([\w.]+)\s", re.MULTILINE)


def _every_module() -> None:
    for info in pkgutil.walk_packages(loanmatch.__path__, "loanmatch."):
        if ".storage.migrations" in info.name:
            continue  # alembic scripts run inside alembic, not on import
        importlib.import_module(info.name)


def _subclasses(cls: type[LoanMatchError]) -> list[type[LoanMatchError]]:
    found: list[type[LoanMatchError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _tree() -> list[type[LoanMatchError]]:
    _every_module()
    return [LoanMatchError, *dict.fromkeys(_subclasses(LoanMatchError))]


def _drawing() -> dict[str, tuple[int, str]]:
    assert errors.__doc__ is not None
    return {name: (int(status), code) for name, status, code in _DRAWN.findall(errors.__doc__)}


def test_every_loanmatch_error_is_defined_in_the_errors_module() -> None:
    tree = _tree()
    strays = [f"{c.__module__}.{c.__qualname__}" for c in tree if c.__module__ != errors.__name__]
    assert strays == []
    assert {c.__name__ for c in tree} <= set(errors.__all__)


def test_every_error_is_drawn_with_the_status_and_code_it_carries() -> None:
    drawn = _drawing()
    assert {c.__name__: (c.status, c.code) for c in _tree()} == drawn


def test_codes_are_distinct_and_each_extends_an_ancestors_code() -> None:
    tree = _tree()
    codes = [c.code for c in tree]
    assert len(codes) == len(set(codes))
    for cls in tree[1:]:
        assert re.fullmatch(r"[a-z_]+(\.[a-z_]+)*", cls.code), cls.code
        family = cls.code.rpartition(".")[0]
        above = [a for a in cls.__mro__[1:] if issubclass(a, LoanMatchError)]
        if family:
            assert family in {a.code for a in above[:-1]}, cls
        else:
            assert above[0] is LoanMatchError, cls


@pytest.mark.parametrize("cls", _tree(), ids=lambda c: c.__name__)
def test_every_error_has_an_http_status_and_a_legacy_code(cls: type[LoanMatchError]) -> None:
    assert type(cls.status) is int
    assert 400 <= cls.status < 600
    assert re.fullmatch(r"[a-z_]+", cls.legacy_code)


def test_the_body_carries_the_code_and_what_it_had_before() -> None:
    error = errors.NotUnderstoodError("loan_amount", Text(zh="看不懂", en="not understood"))
    body = error.to_dict()
    assert body["code"] == "input.answer.not_understood"
    assert body["error"] == "invalid_answer"
    assert body["reason"] == "not_understood"
    assert (body["message"], body["message_zh"]) == ("not understood", "看不懂")
    assert body["where"] == {"feature": "loan_amount"}
    missing = errors.SessionNotFoundError("nope").to_dict()
    assert (missing["code"], missing["error"]) == ("session.not_found", "session_not_found")


def test_a_bad_request_lists_each_problem() -> None:
    error = errors.RequestError([{"loc": ("body", "applicant"), "msg": "Field required"}])
    body = error.to_dict()
    assert (body["code"], body["error"]) == ("input.request", "invalid_request")
    assert body["message"] == "body.applicant: Field required"
    assert body["errors"] == [{"loc": ["body", "applicant"], "msg": "Field required"}]


def test_the_cli_exits_3_when_not_certified_and_2_for_any_other_error() -> None:
    assert exit_code(errors.NotCertifiedError("no")) == 3
    others: list[LoanMatchError] = [
        errors.TableError("bad"),
        errors.ModelError("gone"),
        errors.ConnectorError("tax", "down"),
        errors.SessionNotFoundError("x"),
    ]
    assert [exit_code(e) for e in others] == [2, 2, 2, 2]
