"""The "not yet" plan's words: plain, and exact about the values the match verified."""

from __future__ import annotations

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.domain.approval_band import Band
from loanmatch.domain.catalog import Text
from loanmatch.domain.products import Product
from loanmatch.matching.plan import step_text
from loanmatch.matching.results import Change

CATALOG = load_catalog(DEFAULT_CATALOG)
PRODUCT = Product(
    "boc_credit",
    "boc",
    name=Text("中银企E贷", "BOC e-Credit"),
    lender_name=Text("中国银行", "Bank of China"),
)


def test_a_smaller_amount_names_the_exact_verified_figure() -> None:
    text = step_text(CATALOG, [Change("loan_amount", 200_000.0, 123_400.0)], 0, PRODUCT, 0.85, 4.2)
    assert (
        text.zh
        == "申请金额降到12.34万元以内，中国银行的中银企E贷可获批（获批概率约85%，综合年化约4.20%）"
    )
    assert text.en.startswith("Lower the amount requested to 123,400 yuan: BOC e-Credit")


def test_paying_down_debt_while_waiting_reads_as_one_plan() -> None:
    changes = [
        Change("enterprise_age_years", 1.5, 2.5),
        Change("hard_inquiries_6m", 3.0, 0.0),
        Change("social_security_months", 0.0, 12.0),
        Change("outstanding_debt", 400_000.0, 200_000.0),
    ]
    text = step_text(CATALOG, changes, 12, PRODUCT, 0.81, None)
    assert text.zh == (
        "12个月后再申请（期间按时还款、不新增征信查询），"
        "现在就开始累计“经营者社保缴纳月数”（等待的每个月都算），"
        "先偿还一部分，把经营性负债余额降到20万元以内，中国银行的中银企E贷可获批（获批概率约81%）"
    )
    assert "pay the outstanding business debt of the firm and owner down to 200,000 yuan" in (
        text.en
    )
    assert "start building up “owner's social-security months” now" in text.en
    assert "years in business" not in text.en.lower()  # the clock moves by itself


def test_a_longer_term_and_a_closed_lender() -> None:
    changes = [
        Change("loan_term_months", 12.0, 36.0),
        Change("lenders_outstanding", 3.0, 2.0),
    ]
    text = step_text(CATALOG, changes, 0, PRODUCT, 0.9, None)
    assert text.zh.startswith("借款期限调整为36个月，未结清贷款机构数减少到2家（先结清一部分）")
    assert text.en.startswith(
        "Change the term to 36 months; bring the lenders with outstanding loans down to 2"
    )


def test_the_approval_is_said_as_its_band_and_never_as_certain() -> None:
    band = Band(0.962, 0.99, 500, 490, 0.97, 0.98)
    change = [Change("loan_amount", 200_000.0, 100_000.0)]
    text = step_text(CATALOG, change, 0, PRODUCT, 0.9996, None, band)
    assert text.zh.endswith("（获批概率95%以上）")
    assert text.en.endswith("(approval probability 95% or more)")
    assert "100%" not in step_text(CATALOG, change, 0, PRODUCT, 0.9996, None).zh
