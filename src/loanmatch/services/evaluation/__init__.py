"""Measuring the whole pipeline against markets whose truth is known.

- ``simulated.py``: :func:`evaluate`, on the default simulated market (``loanmatch evaluate``);
- ``cases.py``: :func:`evaluate_case` / :func:`evaluate_policies`, on a test-bed market through
  the files a user would have (``loanmatch evaluate --market NAME``);
- ``promise.py``: the measures both report (approval among recommended, oracle coverage, the
  worst lender, calibration where it matters).
"""

from loanmatch.services.evaluation.cases import CaseReport, evaluate_case, evaluate_policies
from loanmatch.services.evaluation.simulated import EvaluationReport, evaluate

__all__ = ["CaseReport", "EvaluationReport", "evaluate", "evaluate_case", "evaluate_policies"]
