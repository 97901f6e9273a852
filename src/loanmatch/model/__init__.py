"""The approval model: pair features, LightGBM, calibration, unknown-value bound, model directory.

Used by the services, never by the domain. ``docs/method.md`` explains the method.
"""

from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model, save_model

__all__ = ["ModelBundle", "load_model", "save_model"]
