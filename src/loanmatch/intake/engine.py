"""The adaptive intake: ask only what can change the recommendation, stop when it is stable.

Given what is known (connector values, answers), the engine draws ``draws`` plausible completions
of the open features from the prior, conditioned on the known ones (:class:`Prior`), and runs
the vectorised recommendation once over

- the applicant as known now (open features completed from the prior and scored by the
  plausible lower bound of ``intake/plausible.py``; a rule on an unknown feature excludes);
- each completion ``k`` (every open askable feature filled from draw ``k``): the recommendation
  the owner would get after answering everything, if they answered like draw ``k``;
- each completion ``k`` with one open feature ``f`` left unknown, for every ``f``.

The *offer list* of a row is which products it recommends and which one comes first (the one the
owner applies to first; with ``stable_on="list"`` every rank counts). Then, over the draws:

- ``p_stable`` = share of draws whose full-answer offer list equals today's;
- the value of asking ``f`` = share of draws where leaving only ``f`` unanswered changes the
  full-answer offer list (``f`` is needed to reach it), divided by ``f.ask_cost``.

**Stop rule**: stop (``next_question`` returns None) when ``1 - p_stable <= epsilon`` (answering
everything still open would change the offer list with estimated probability at most epsilon),
or the owner typed ``budget`` answers (None: no such cap), or nothing askable is open, or no open
feature has value. With ``finish_products`` (the served sessions), a stable list does not stop
the intake while any product is undecided only for facts that are still askable: the missing
facts of products some plausible full answer offers come first, then the fact that decides the
most waiting products per unit of effort (:meth:`IntakeEngine._finishing`).
Otherwise ask the open feature with the highest value per unit of effort (ties: catalog order).
When every feature's value is zero but the list is not yet stable (two features that can stand
in for each other), the value falls back to how often answering ``f`` alone changes today's list.

**While nothing can be offered yet** (typically with connectors off, when no product's rules are
all known), one-feature values mislead: a product needs all of its rules' facts together, so each
of them alone looks as needed as a cheap fact of another product. The engine then picks the
product the full answers offer most often per unit of effort still needed to know all its rules
(``share / sum of ask_cost of its missing rule facts``) and asks that product's missing facts,
most needed first. The final result is scored like today's row (plausible lower bound).
Open askable features are those with source ``ask`` and those of a source that failed or was
not consented; a feature is never asked when known or after "don't know" (until corrected).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from loanmatch.adapters.consistency_file import load_consistency
from loanmatch.connectors.base import SOURCE_NAMES
from loanmatch.domain.catalog import Feature, Text, Values
from loanmatch.domain.consistency import Check
from loanmatch.domain.formula import references
from loanmatch.domain.rules import UNKNOWN
from loanmatch.errors import AnswerError, Location, NotAskableError
from loanmatch.intake.answers import DontKnow, parse_reply
from loanmatch.intake.contradictions import refuse_contradiction
from loanmatch.intake.plausible import PlausibleScorer
from loanmatch.intake.prior import Prior
from loanmatch.intake.state import Fact, IntakeState
from loanmatch.matching.batch import lender_goals, recommend_values, resolve_threshold, score_pairs
from loanmatch.matching.recommend import recommend_one
from loanmatch.matching.results import ApplicantResult, RecommendPolicy
from loanmatch.matching.unlock import unlocks
from loanmatch.model.bundle import ModelBundle

__all__ = ["Assessment", "IntakeEngine", "Question"]

DRAWS = 16
"""Plausible completions per decision (more: steadier choices, slower; 24 keeps ~30 ms)."""
EPSILON = 0.15
"""Largest accepted probability that answering the rest would change the offer list (measured
on the default market: 0.05 asks a median of 5 questions, 0.15 a median of 4 with coverage
against full information still above 0.95)."""
PROBES = 8
"""At most this many of the draws that differ from today are used to value each open feature."""
BUDGET = 10
"""Most answers the engine asks for before it stops regardless (the simulated journeys' cap;
the served sessions have none: ``budget=None``)."""


@dataclass(frozen=True)
class Question:
    """The next thing to ask and why."""

    feature: Feature
    value: float
    """Probability that the answer is needed for the final offer list, per unit of ask_cost."""
    p_needed: float
    why: Text

    @property
    def text(self) -> Text:
        return self.feature.question if self.feature.question.zh else self.feature.label


@dataclass(frozen=True)
class Assessment:
    """How stable the recommendation is, and what each open feature is worth."""

    p_stable: float
    values: dict[str, float]
    """Open feature -> probability it is needed (before dividing by ask_cost)."""
    open: tuple[str, ...]
    offered_today: bool = False
    """Whether the recommendation as known now offers anything."""
    offered_share: tuple[float, ...] = ()
    """Per product (market order): share of draws whose full-answer list offers it."""


class IntakeEngine:
    """Chooses questions for one applicant at a time; stateless between calls."""

    def __init__(
        self,
        bundle: ModelBundle,
        policy: RecommendPolicy,
        prior: Prior,
        *,
        draws: int = DRAWS,
        epsilon: float = EPSILON,
        budget: int | None = BUDGET,
        seed: int = 0,
        stable_on: Literal["list", "set_and_top"] = "set_and_top",
        checks: Sequence[Check] | None = None,
        finish_products: bool = False,
    ) -> None:
        self.bundle = bundle
        self.policy = policy
        self.prior = prior
        self.draws = draws
        self.epsilon = epsilon
        self.budget = budget
        self.seed = seed
        self.stable_on = stable_on
        self.finish_products = finish_products
        self.catalog = bundle.market.catalog
        self.policy_fixed = self._fixed(policy)
        self.plausible = PlausibleScorer(prior, seed=seed)
        self.candidates = prior.plausible_values()
        """What ``matching/unlock.py`` tries for each blank (``Prior.plausible_values``)."""
        self.rule_inputs = self._rule_inputs()
        self.checks = (
            load_consistency(self.catalog, skip_unknown=True) if checks is None else tuple(checks)
        )

    def with_bundle(self, bundle: ModelBundle) -> IntakeEngine:
        """The same engine (prior, policy, checks) over ``bundle``: the same model and catalog
        with other rules and terms for its products (published product versions,
        ``services/product_overlay.py``)."""
        if bundle.market.catalog is not self.catalog:
            raise ValueError("with_bundle keeps the catalog: the bundle must share it")
        engine = copy.copy(self)
        engine.bundle = bundle
        engine.rule_inputs = engine._rule_inputs()
        return engine

    def _fixed(self, policy: RecommendPolicy) -> RecommendPolicy:
        """The same policy with its threshold resolved once (not re-chosen per call)."""
        threshold, _ = resolve_threshold(self.bundle, policy)
        return RecommendPolicy(
            threshold=threshold, max_offers=policy.max_offers, good_all_in=policy.good_all_in
        )

    def _rule_inputs(self) -> tuple[frozenset[str], ...]:
        """Per product, the features its rules read (a derived feature by its inputs)."""
        formulas = dict(self.bundle.formulas)

        def inputs(name: str) -> set[str]:
            if name not in formulas:
                return {name}
            return set().union(*(inputs(ref) for ref in references(formulas[name])))

        return tuple(
            frozenset(set().union(*(inputs(rule.feature) for rule in product.rules)))
            for product in self.bundle.market.products
        )

    # ----------------------------------------------------------------- what is open ------------
    def askable(self, feature: Feature, state: IntakeState) -> bool:
        """Whether the intake may ask this feature now (see the module docstring)."""
        return state.may_ask(feature)

    def open_features(self, state: IntakeState) -> tuple[Feature, ...]:
        return tuple(f for f in self.catalog.features if self.askable(f, state))

    # ----------------------------------------------------------------- answers -----------------
    def answer(self, state: IntakeState, feature: str, raw: object) -> Fact:
        """Record the owner's answer to any feature, in any order; raises an AnswerError
        subclass (state untouched) when it does not fit."""
        spec = self.catalog.get(feature)
        if spec is None or spec.derived:
            why = "不是可以填写的项目" if spec is None else "由其他信息计算得出，无需填写"
            why_en = "is not something to fill in" if spec is None else "is computed, not asked"
            raise NotAskableError(feature, Text(zh=f"“{feature}”{why}", en=f"{feature} {why_en}"))
        reply = parse_reply(spec, raw)
        if reply is None:
            raise AnswerError(
                "an empty answer: say 不知道 / don't know to skip", Location(feature=feature)
            )
        if isinstance(reply, DontKnow):
            return state.record(feature, None)
        refuse_contradiction(self.catalog, self.checks, state, spec, reply)
        return state.record(feature, reply)

    # ----------------------------------------------------------------- deciding ----------------
    def _differ(self, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        """Rows whose offer lists differ: "list" compares every rank; "set_and_top" compares
        which products are offered and which one is first."""
        if self.stable_on == "list":
            return np.asarray((a != b).any(axis=1))
        offered = ((a > 0) != (b > 0)).any(axis=1)
        top = ((a == 1) != (b == 1)).any(axis=1)
        return np.asarray(offered | top)

    def _rank(self, values: Values, *, plausible: bool = False) -> npt.NDArray[np.int64]:
        self.bundle.complete(values)
        n = len(next(iter(values.values())))
        ids = np.arange(n).astype(str).astype(object)
        scorer = self.plausible if plausible else score_pairs
        return recommend_values(self.bundle, ids, values, self.policy_fixed, scorer=scorer).rank

    def _rows(self, known: dict[str, float], n: int) -> Values:
        values: Values = {}
        for feature in self.catalog.features:
            values[feature.name] = np.full(n, known.get(feature.name, np.nan))
        return values

    def assess(self, state: IntakeState) -> Assessment:
        """Stability of today's offer list and the value of each open feature.

        Two vectorised calls: today plus the ``draws`` completions; then, only for the draws
        whose completion differs from today, each completion with one open feature left out.
        """
        open_ = [f.name for f in self.open_features(state)]
        known = state.encoded(self.catalog)
        rng = np.random.default_rng([self.seed, len(state.typed), len(known)])
        draws = self.prior.neighbours(known, self.draws, rng)
        k = len(next(iter(draws.values())))
        values = self._rows(known, 1 + k)
        for name in open_:
            values[name][1:] = draws[name]
        rank = self._rank(values, plausible=True)
        today, full = rank[0], rank[1:]
        moved = np.flatnonzero(self._differ(full, today[None, :]))
        p_stable = 1.0 - moved.size / k
        needed = dict.fromkeys(open_, 0.0)
        offered_today = bool((today > 0).any())
        offered_share = tuple(float(x) for x in (full > 0).mean(axis=0))
        if moved.size == 0 or not open_:
            return Assessment(p_stable, needed, tuple(open_), offered_today, offered_share)
        share = moved.size / k
        if moved.size > PROBES:
            moved = np.sort(rng.choice(moved, size=PROBES, replace=False))
        m = moved.size
        block = self._rows(known, m * len(open_))
        for name in open_:
            block[name][:] = np.tile(draws[name][moved], len(open_))
        for b, name in enumerate(open_):
            block[name][b * m : (b + 1) * m] = np.nan
        without = self._rank(block)
        target = np.tile(full[moved], (len(open_), 1))
        changed = self._differ(without, target).reshape(len(open_), m)
        for b, name in enumerate(open_):
            needed[name] = share * float(changed[b].mean())
        return Assessment(p_stable, needed, tuple(open_), offered_today, offered_share)

    def _directed(self, state: IntakeState, assessment: Assessment) -> tuple[str, int] | None:
        """While nothing can be offered yet: the open feature that most cheaply completes the
        rules of a product the full answers would likely offer (rules are all-or-nothing, so
        one-feature values undervalue each of several features a product needs together)."""
        open_ = set(assessment.open)
        known = set(state.known())
        best: tuple[float, list[str], int] | None = None
        for j, share in enumerate(assessment.offered_share):
            missing = sorted(self.rule_inputs[j] - known)
            if share <= 0.0 or not missing or not set(missing) <= open_:
                continue
            score = share / sum(self.catalog[f].ask_cost for f in missing)
            if best is None or score > best[0]:
                best = (score, missing, j)
        if best is None:
            return None
        order = {f.name: k for k, f in enumerate(self.catalog.features)}
        feature = min(
            best[1],
            key=lambda f: (-assessment.values[f], self.catalog[f].ask_cost, order[f]),
        )
        return feature, best[2]

    def _myopic(self, state: IntakeState, open_: tuple[str, ...]) -> dict[str, float]:
        """How often answering one feature alone changes today's list (the fallback value)."""
        known = state.encoded(self.catalog)
        rng = np.random.default_rng([self.seed, len(state.typed), 7])
        draws = self.prior.neighbours(known, self.draws, rng)
        k = len(next(iter(draws.values())))
        values = self._rows(known, 1 + k * len(open_))
        for b, name in enumerate(open_):
            values[name][1 + k * b : 1 + k * (b + 1)] = draws[name]
        rank = self._rank(values)
        return {
            name: float(np.mean(self._differ(rank[1 + k * b : 1 + k * (b + 1)], rank[:1])))
            for b, name in enumerate(open_)
        }

    def next_question(self, state: IntakeState) -> Question | None:
        """The open feature most worth asking, or None when the recommendation is stable."""
        if self.budget is not None and state.questions_typed >= self.budget:
            return None
        assessment = self.assess(state)
        if not assessment.open:
            return None
        unlocking = self._unlocking(state, assessment)
        if unlocking is not None:
            return unlocking
        needed = assessment.values
        if 1.0 - assessment.p_stable <= self.epsilon:
            return self._finishing(state, assessment)
        directed = None if assessment.offered_today else self._directed(state, assessment)
        if directed is not None:
            best, product = directed
        else:
            if max(needed.values()) <= 0.0:
                needed = self._myopic(state, assessment.open)
                if max(needed.values()) <= 0.0:
                    return self._finishing(state, assessment)
            best = max(assessment.open, key=lambda f: needed[f] / self.catalog[f].ask_cost)
            product = None
        feature = self.catalog[best]
        return Question(
            feature=feature,
            value=needed[best] / feature.ask_cost,
            p_needed=needed[best],
            why=self._why(feature, state, product),
        )

    def _unlocking(self, state: IntakeState, assessment: Assessment) -> Question | None:
        """Served sessions (``finish_products``) while nothing is offered: the open fact that
        alone would open the most products (``matching/unlock.py``, per unit of effort; ties:
        catalog order), asked before anything else, so the blank that blocks an offer is the
        next question; None when no open fact alone opens one."""
        if not self.finish_products or assessment.offered_today or not assessment.open:
            return None
        values = self._rows(state.encoded(self.catalog), 1)
        self.bundle.complete(values)
        ids = np.array(["applicant"], dtype=object)
        batch = recommend_values(self.bundle, ids, values, self.policy_fixed, scorer=self.plausible)
        found = unlocks(
            self.bundle, values, batch, candidates=self.candidates, scorer=self.plausible
        )
        open_ = set(assessment.open)
        mine = [u for u in found if u.feature in open_]
        if not mine:
            return None
        best = max(mine, key=lambda u: u.count / self.catalog[u.feature].ask_cost)
        feature = self.catalog[best.feature]
        why = self._source_why(feature, state)
        return Question(
            feature=feature,
            value=float(best.count) / feature.ask_cost,
            p_needed=1.0,
            why=Text(zh=f"{why.zh}（{best.text.zh}）", en=f"{why.en} ({best.text.en})"),
        )

    def _finishing(self, state: IntakeState, assessment: Assessment) -> Question | None:
        """Where the list is stable: None (stop), unless ``finish_products`` and a product is
        still undecided only for facts the owner can give (its rules read open features and
        nothing settled as unknown): then the most needed missing fact of such a product that a
        plausible full answer offers, else the fact that decides the most such products per unit
        of effort. So a session never ends while its result would say a product needs an
        answer the intake could still ask."""
        if not self.finish_products:
            return None
        directed = self._directed(state, assessment)
        if directed is None:
            best = self._settling(state, assessment)
            if best is None:
                return None
            feature = self.catalog[best]
            return Question(feature=feature, value=0.0, p_needed=0.0, why=self._why(feature, state))
        best, product = directed
        feature = self.catalog[best]
        return Question(
            feature=feature,
            value=assessment.values[best] / feature.ask_cost,
            p_needed=assessment.values[best],
            why=self._why(feature, state, product),
        )

    def _settling(self, state: IntakeState, assessment: Assessment) -> str | None:
        """The open feature that decides the most products still undecided only for facts the
        owner can give (no plausible answer offers them, but the result would otherwise say it
        needs those facts), per unit of effort; None when no product waits for one."""
        open_ = set(assessment.open)
        known = set(state.known())
        values = self._rows(state.encoded(self.catalog), 1)
        self.bundle.complete(values)
        status = self.bundle.market.eligibility(values).status[0]
        waiting: Counter[str] = Counter()
        for j, inputs in enumerate(self.rule_inputs):
            missing = inputs - known
            if status[j] == UNKNOWN and missing and missing <= open_:
                waiting.update(missing)
        if not waiting:
            return None
        order = {f.name: k for k, f in enumerate(self.catalog.features)}
        return max(waiting, key=lambda f: (waiting[f] / self.catalog[f].ask_cost, -order[f]))

    def _why(self, feature: Feature, state: IntakeState, product: int | None = None) -> Text:
        why = self._source_why(feature, state)
        if product is None:
            return why
        p = self.bundle.market.products[product]
        return Text(
            zh=f"{why.zh}（{p.lender_display('zh')}的{p.display('zh')}的申请条件需要这一项）",
            en=f"{why.en} ({p.display('en')} of {p.lender_display('en')} needs it to decide)",
        )

    def _source_why(self, feature: Feature, state: IntakeState) -> Text:
        status = state.sources.get(feature.source)
        if feature.source != "ask" and status is not None and status != "ok":
            name = SOURCE_NAMES.get(feature.source, Text(zh=feature.source, en=feature.source))
            if status == "declined" or status == "off":
                return Text(
                    zh=f"您未授权查询{name.zh}，所以需要直接问您",
                    en=f"You did not authorise the {name.en} check, so we ask you directly",
                )
            return Text(
                zh=f"{name.zh}暂时无法获取，所以需要直接问您",
                en=f"The {name.en} could not be reached just now, so we ask you directly",
            )
        return Text(
            zh="这一项会影响哪些产品适合您",
            en="Your answer changes which products fit you",
        )

    def result(self, state: IntakeState, applicant_id: str = "applicant") -> ApplicantResult:
        """Offers, exclusions and reasons with what is known now, under the whole policy: with a
        target, each lender's own threshold where the certificate raised it."""
        return recommend_one(
            self.bundle, state.known(), self.policy, applicant_id, scorer=self.plausible,
            candidates=self.candidates,
        )  # fmt: skip

    def lender_goals(self, model_id: str = "") -> dict[str, float]:
        """Per lender, the mean P this engine's offers must keep under the target
        (``services/floors``); empty under a fixed threshold. ``model_id``: the model of the
        result asked about (one engine has one)."""
        target = self.policy.target_approval
        return {} if target is None else lender_goals(self.bundle, target)
