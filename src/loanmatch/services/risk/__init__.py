"""The default-risk (PD) model's use cases.

- ``training.py``: :func:`fit_pd_file`, the PD model from ``loans.csv`` for the model directory;
- ``benchmark.py``: :func:`risk_benchmark`, our PD models on public real data beside baselines
  (``loanmatch risk benchmark``).
"""

from loanmatch.services.risk.benchmark import RiskBenchmarkReport, risk_benchmark
from loanmatch.services.risk.training import fit_pd_file, fit_pd_table

__all__ = ["RiskBenchmarkReport", "fit_pd_file", "fit_pd_table", "risk_benchmark"]
