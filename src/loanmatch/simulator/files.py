"""The simulated market's files: the section-9 files (docs/design.md §9) and two extensions,
pricing.yaml and loans.csv (the approved history loans with their simulated outcome), and the
simulator-only lenders_hidden.npz for the simulated lender agents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from loanmatch.adapters.atomic import atomic_write_text
from loanmatch.adapters.catalog_file import DEFAULT_CATALOG
from loanmatch.adapters.tables import Table, table_to_csv
from loanmatch.simulator.hidden import write_hidden
from loanmatch.simulator.market import SimulatedMarket
from loanmatch.simulator.performance import LoanPerformance, calibrate_performance, loan_book
from loanmatch.simulator.pricing_defaults import PRICING_HEADER, default_pricing

__all__ = ["PRODUCTS_HEADER", "loans_table", "write_market"]


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated lists in full instead of as YAML anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


PRODUCTS_HEADER = (
    "# Simulated market (loanmatch simulate): published terms and rules of each product.\n"
    "# Rates are annual percent; amounts in yuan. Sources: docs/market-reference.md.\n"
)


def loans_table(market: SimulatedMarket, performance: LoanPerformance | None = None) -> Table:
    """The approved history loans with their simulated 12-month outcome in ``approved``
    (written as the ``defaulted`` column of loans.csv)."""
    book = loan_book(market, performance)
    return Table(
        ids=book.ids,
        values=book.values,
        product_ids=book.product_ids,
        approved=book.default,
        decided_at=book.decided_at,
    )


def write_market(market: SimulatedMarket, out_dir: Path) -> list[Path]:
    """Write features.yaml, products.yaml, history.csv and applicants.csv (docs/design.md §9),
    and two extensions: pricing.yaml (the lenders' pricing configuration) and loans.csv
    (the approved history loans with ``defaulted`` 1/0, the PD model's training data); and, for
    the simulated lender agents only, lenders_hidden.npz (``simulator/hidden.py``: the lenders'
    hidden policies and the applicants' true values, which training and serving never read)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    performance = calibrate_performance(market)
    files = {
        "features.yaml": DEFAULT_CATALOG.read_text(encoding="utf-8"),
        "products.yaml": PRODUCTS_HEADER
        + yaml.dump(
            list(market.products),
            Dumper=_PlainDumper,
            allow_unicode=True,
            sort_keys=False,
            width=100,
        ),
        "history.csv": table_to_csv(market.history, market.catalog),
        "applicants.csv": table_to_csv(market.applicants_table(), market.catalog),
        "pricing.yaml": PRICING_HEADER
        + yaml.dump(default_pricing(list(market.products)), sort_keys=False, width=100),
        "loans.csv": table_to_csv(
            loans_table(market, performance), market.catalog, label="defaulted"
        ),
    }
    paths = []
    for name, text in files.items():
        atomic_write_text(out / name, text)
        paths.append(out / name)
    paths.append(write_hidden(market, out, performance))
    return paths
