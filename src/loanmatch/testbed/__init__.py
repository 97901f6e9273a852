"""Markets unlike the default simulator, each with its truth, to test that the promise holds on
markets this project did not build (docs/testbed.md).

=========  ==============================================================================
name       what makes it hard
=========  ==============================================================================
thin       about 1,000 products from 220 lenders with about 400 decisions each; lender- and
           product-level hidden knock-outs
steady     9 lenders, 46 products; step-function decisions with interactions and a noise
           ceiling, so that probabilities never saturate
drift      40 lenders over four years; a third of them tighten (and a few loosen) late, the
           population shifts; today is the latest policy
sparse     30% of cells missing, not at random; a logging policy that ignores the published
           rules; interactions and hidden knock-outs
=========  ==============================================================================

None of them imports :mod:`loanmatch.simulator`; they share :class:`MarketCase` and the
plumbing in :mod:`loanmatch.testbed.common` (rules, frames, draws), never a design.
"""

from loanmatch.testbed import drift, sparse, steady, thin
from loanmatch.testbed.case import CaseFiles, Generator, MarketCase

__all__ = ["MARKETS", "CaseFiles", "Generator", "MarketCase", "generate"]

MARKETS: dict[str, Generator] = {
    "thin": thin.generate,
    "steady": steady.generate,
    "drift": drift.generate,
    "sparse": sparse.generate,
}


def generate(name: str, seed: int, scale: float = 1.0) -> MarketCase:
    """The test-bed market ``name`` for ``seed`` (a ``ValueError`` names the known ones)."""
    if name not in MARKETS:
        raise ValueError(f"no test-bed market {name!r}; known: {', '.join(MARKETS)}")
    return MARKETS[name](seed, scale)
