"""Default-risk (PD) models, separate from the approval model (docs/design.md §6, issue 4).

- :class:`ScorecardPD`: optimal binning + logistic regression, points output (champion).
- :class:`GradientBoostedPD`: LightGBM challenger.
- :class:`LogisticBaselinePD`: plain one-hot logistic regression (reference).
- :func:`train_pd_model` / :class:`PDModel`: a PD model bound to a catalog (pricing calls it).
- :func:`risk_metrics` (AUC, KS, Brier, ECE), :func:`calibration_table`.
- :func:`assign_tiers`, :func:`tier_table`: tiers A-E (客群分层), cut-offs in docs/risk.md.

All estimators follow the scikit-learn contract: ``fit(X, y)`` with a pandas DataFrame and
y = 1 for default, ``predict_proba(X)[:, 1]`` = PD, ``get_params``; fixed seeds.
"""

from loanmatch.risk.baseline import LogisticBaselinePD
from loanmatch.risk.gbdt import GradientBoostedPD
from loanmatch.risk.metrics import RiskMetrics, calibration_table, ks, risk_metrics
from loanmatch.risk.pd_model import PRODUCT_KIND, PDModel, pd_frame, train_pd_model
from loanmatch.risk.scorecard import ScorecardPD
from loanmatch.risk.tiers import DEFAULT_CUTS, TIERS, assign_tiers, is_monotone, tier_of, tier_table

__all__ = [
    "DEFAULT_CUTS",
    "PRODUCT_KIND",
    "TIERS",
    "GradientBoostedPD",
    "LogisticBaselinePD",
    "PDModel",
    "RiskMetrics",
    "ScorecardPD",
    "assign_tiers",
    "calibration_table",
    "is_monotone",
    "ks",
    "pd_frame",
    "risk_metrics",
    "tier_of",
    "tier_table",
    "train_pd_model",
]
