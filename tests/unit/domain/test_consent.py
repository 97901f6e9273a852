"""Consent: granted for a purpose and a scope, valid until it expires or is revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loanmatch.domain.consent import MAX_CONSENT_DAYS, Consent, grant
from loanmatch.errors import ConsentRequestError

AT = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def a_consent(days: int = 30) -> Consent:
    return grant("E1", "tax", "loan matching", ["annual_revenue", "tax_grade"], AT, days)


def test_a_consent_is_valid_from_its_grant_until_its_expiry() -> None:
    consent = a_consent(days=30)
    assert consent.expires_at == AT + timedelta(days=30)
    assert consent.is_valid(AT)
    assert consent.is_valid(AT + timedelta(days=29, hours=23))
    assert not consent.is_valid(AT + timedelta(days=30))
    assert consent.status(AT + timedelta(days=31)) == "expired"
    assert not consent.is_valid(AT - timedelta(seconds=1)), "not before it was granted"


def test_a_revoked_consent_allows_nothing_after_the_revocation() -> None:
    revoked = a_consent().revoke(AT + timedelta(hours=1))
    assert revoked.is_valid(AT + timedelta(minutes=30))
    assert revoked.status(AT + timedelta(hours=2)) == "revoked"
    assert revoked.allowed(["tax_grade"], AT + timedelta(hours=2)) == ()
    assert revoked.revoke(AT + timedelta(days=2)).revoked_at == AT + timedelta(hours=1)
    why = revoked.why_not(AT + timedelta(hours=2))
    assert why is not None
    assert "撤回" in why.zh
    assert "revoked" in why.en


def test_a_consent_covers_only_its_scope() -> None:
    consent = a_consent()
    assert consent.allowed(["tax_grade", "owner_bureau_score"], AT) == ("tax_grade",)
    assert not consent.covers("owner_bureau_score")


@pytest.mark.parametrize("days", [0, -1, MAX_CONSENT_DAYS + 1])
def test_a_consent_term_outside_one_day_to_a_year_is_refused_in_both_languages(days: int) -> None:
    with pytest.raises(ConsentRequestError) as refused:
        a_consent(days)
    assert refused.value.text.zh
    assert str(days) in refused.value.text.en
    assert refused.value.to_dict()["error"] == "invalid_consent"


def test_a_consent_needs_a_purpose_and_time_zones() -> None:
    with pytest.raises(ConsentRequestError):
        grant("E1", "tax", "  ", [], AT, 1)
    with pytest.raises(ValueError, match="time zone"):
        grant("E1", "tax", "matching", [], datetime(2026, 1, 1), 1)
