"""Signing owners in for tests: the real identity routes, with the simulated sender's code.

:func:`sign_in` goes through ``POST /api/v1/identity/challenges`` and ``/tokens`` and returns
the ``Authorization`` header; :func:`start` signs the client in as the session's owner (for its
enterprise, when the body names a valid one) and starts the session; :func:`sign_in_page` does
the same through the chat page's forms (the client keeps the cookie).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from loanmatch.domain.credit_code import credit_code_problem

__all__ = [
    "OWNER",
    "PageClient",
    "confident_applicant",
    "csrf_of",
    "sign_in",
    "sign_in_page",
    "start",
]

OWNER = "13800000000"


Client = httpx.Client
"""A test client (TestClient is one) or a client of a loopback server."""


def sign_in(client: Client, owner_id: str = OWNER, enterprise_id: str = "") -> dict[str, str]:
    sent = client.post(
        "/api/v1/identity/challenges",
        json={"owner_id": owner_id, "enterprise_id": enterprise_id},
    )
    assert sent.status_code == 201, sent.text
    body = sent.json()
    token = client.post(
        "/api/v1/identity/tokens",
        json={"challenge_id": body["challenge_id"], "code": body["demo_code"]},
    )
    assert token.status_code == 201, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def start(client: Client, body: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    """Sign ``client`` in as the owner of a new session (``owner_id`` of ``body``, else
    :data:`OWNER`) and start it with ``body``; later calls of the client carry the token."""
    chosen = dict(body or {})
    enterprise = str(chosen.get("enterprise_id", ""))
    covered = enterprise if enterprise.strip() and credit_code_problem(enterprise) is None else ""
    owner = str(chosen.pop("owner_id", "") or OWNER)
    client.headers.update(sign_in(client, owner, covered))
    return client.post("/api/v1/sessions", json=chosen, **kwargs)


def sign_in_page(
    client: Client, owner_id: str = OWNER, enterprise_id: str = "", lang: str = "zh",
    *, sample: bool = False,
) -> httpx.Response:  # fmt: skip
    """Through the chat page: ask for a code, read it off the page, verify; the answer is the
    redirect to the new session's page (the client keeps the sign-in cookie)."""
    form = {"lang": lang, "owner_id": owner_id, "enterprise_id": enterprise_id}
    asked = client.post("/chat", data={**form, "sample": "1"} if sample else form)
    assert asked.status_code == 200, asked.text
    challenge = re.search(r'name="challenge_id" value="([^"]+)"', asked.text)
    code = re.search(r'id="demo-code">(\d{6})<', asked.text)
    assert challenge is not None, asked.text
    assert code is not None, asked.text
    verified = client.post(
        "/chat/verify",
        data={"challenge_id": challenge.group(1), "code": code.group(1), "lang": lang},
        follow_redirects=False,
    )
    if isinstance(client, PageClient) and verified.status_code == 303:
        client.csrf = csrf_of(client.get(verified.headers["location"]).text)
    return verified


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


class PageClient(TestClient):
    """A test client that, once signed in through the page (:func:`sign_in_page`), adds the
    sign-in's CSRF value to every form it posts, as the pages' own forms do."""

    csrf = ""

    def post(self, url: Any, **kwargs: Any) -> httpx.Response:
        data = kwargs.get("data")
        if self.csrf and isinstance(data, dict) and "csrf" not in data:
            kwargs["data"] = {**data, "csrf": self.csrf}
        answer: httpx.Response = super().post(url, **kwargs)
        return answer


def confident_applicant(applicants: Path, model_dir: Path) -> dict[str, str]:
    """An applicant of the market (a row of ``applicants.csv``, as written) who gets an offer
    with P(approve) > 0.9 when all is known, found by asking the real recommender."""
    from loanmatch.intake.answers import parse_answers
    from loanmatch.matching.recommend import recommend_one
    from loanmatch.matching.results import RecommendPolicy
    from loanmatch.model.directory import load_model

    bundle = load_model(model_dir)
    catalog = bundle.market.catalog
    with applicants.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            asked = {f.name: row.get(f.name) or "" for f in catalog.features if not f.derived}
            record = parse_answers(catalog, asked, strict=False).record
            typed = {k: v for k, v in record.items() if v is not None}
            result = recommend_one(bundle, typed, RecommendPolicy())
            if result.offers and max(o.p_approve for o in result.offers) > 0.9:
                return row
    raise AssertionError("no simulated applicant gets a confident offer: market or model broken")
