"""A product's own test cases, run with the product's own rule evaluation (products.yaml
``tests:``, docs/data-contracts.md).

A case is an applicant's facts and what the rules must make of them: ``eligible`` (every rule
passes) or ``ineligible`` (some rule fails; with ``failing``, exactly the rules named, each by
its text or its ``code``). A rule that cannot be decided on the case's facts (UNKNOWN) makes an
``eligible`` case fail, since the product would not be offered on those facts either.
"""

from __future__ import annotations

from dataclasses import dataclass

from loanmatch.domain.catalog import Text, Values
from loanmatch.domain.products import Product
from loanmatch.domain.rules import FAIL, UNKNOWN, Rule, RuleCase

__all__ = ["CaseOutcome", "names_rule", "run_case"]


@dataclass(frozen=True)
class CaseOutcome:
    """What one case found: ``passed``, what ``happened`` (``eligible``, ``ineligible`` or
    ``unknown``), the rules that failed or could not be decided, the ``culprit`` rule the
    failure is about (None when no one rule is), and the finding in words (zh/en)."""

    case: RuleCase
    passed: bool
    happened: str
    failing: tuple[Rule, ...]
    unknown: tuple[Rule, ...]
    culprit: Rule | None
    message: Text


def names_rule(name: str, rule: Rule) -> bool:
    """Whether ``name`` (a case's ``failing`` entry) is ``rule``: its text or its code."""
    return name.strip() == rule.text.strip() or (rule.code is not None and name == rule.code)


def _texts(rules: tuple[Rule, ...] | list[Rule]) -> str:
    return ", ".join(repr(r.text) for r in rules) or "none"


def run_case(product: Product, values: Values, case: RuleCase) -> CaseOutcome:
    """Run ``case`` (its facts encoded as the one-row ``values``, derived features computed)
    through ``product``'s rules."""
    statuses = [rule.status(values)[0] for rule in product.rules]
    failing = tuple(r for r, s in zip(product.rules, statuses, strict=True) if s == FAIL)
    unknown = tuple(r for r, s in zip(product.rules, statuses, strict=True) if s == UNKNOWN)
    happened = "ineligible" if failing else ("unknown" if unknown else "eligible")
    head_en = f"case {case.name!r} of product {product.id!r}: expected {case.expect}"
    head_zh = f"产品“{product.id}”的测试用例“{case.name}”：期望{_zh(case.expect)}"

    def outcome(passed: bool, culprit: Rule | None, en: str, zh: str) -> CaseOutcome:
        message = Text(zh=f"{head_zh}，{zh}", en=f"{head_en}, {en}")
        return CaseOutcome(case, passed, happened, failing, unknown, culprit, message)

    if case.expect == "eligible":
        if failing:
            return outcome(
                False, failing[0], f"but rule {_texts(failing)} fails",
                f"但规则 {_texts(failing)} 不通过",
            )  # fmt: skip
        if unknown:
            missing = ", ".join(dict.fromkeys(r.feature for r in unknown))
            return outcome(
                False, unknown[0],
                f"but rule {_texts(unknown)} cannot be decided: the case gives no {missing}",
                f"但规则 {_texts(unknown)} 无法判断：用例缺少 {missing}",
            )  # fmt: skip
        return outcome(True, None, "and every rule passes", "所有规则均通过")
    if not failing:
        named = [r for r in product.rules if any(names_rule(n, r) for n in case.failing)]
        culprit = named[0] if named else None
        state = f"rule {_texts(unknown)} cannot be decided" if unknown else "every rule passes"
        state_zh = f"规则 {_texts(unknown)} 无法判断" if unknown else "所有规则均通过"
        return outcome(False, culprit, f"but {state}", f"但{state_zh}")
    if case.failing:
        expected = [r for r in product.rules if any(names_rule(n, r) for n in case.failing)]
        extra = [r for r in failing if r not in expected]
        passing = [r for r in expected if r not in failing]
        if extra or passing:
            culprit = (extra or passing)[0]
            en = f"failing by {_texts(expected)}, but the failing rules are {_texts(failing)}"
            zh = f"不通过的规则为 {_texts(expected)}，但实际不通过的是 {_texts(failing)}"
            message = Text(zh=f"{head_zh}，{zh}", en=f"{head_en}, {en}")
            return CaseOutcome(case, False, happened, failing, unknown, culprit, message)
    return outcome(True, None, f"and {_texts(failing)} fails", f"规则 {_texts(failing)} 不通过")


def _zh(expect: str) -> str:
    return "符合准入" if expect == "eligible" else "不符合准入"
