"""Reports of the services as rich tables."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from rich.table import Table

__all__ = ["evaluation_table", "format_value", "report_table"]

EVALUATION_ROWS: tuple[tuple[str, str], ...] = (
    ("baseline_approval", "Naive-policy approval 朴素策略获批率"),
    ("approval_among_recommended", "Approval among recommended 推荐产品获批率"),
    ("coverage", "Coverage 覆盖率"),
    ("oracle_coverage", "Oracle coverage at the same approval 同获批率下理想覆盖率"),
    ("ece", "ECE (10 bins) 校准误差"),
    ("brier", "Brier score"),
    ("auc", "AUC"),
)
_FRACTIONS = frozenset(
    {
        "baseline_approval",
        "approval_among_recommended",
        "coverage",
        "oracle_coverage",
        "approval_rate",
        "coverage_vs_oracle",
    }
)


def format_value(name: str, value: object) -> str:
    """Fractions of applicants as percent, other floats with 4 digits, the rest as written."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if name in _FRACTIONS:
            return f"{value * 100:.1f}%"
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        if not value:
            return "—"
        return f"{len(value)} items" if len(value) > 8 else "; ".join(str(v) for v in value)
    return str(value)


def _fields(report: object) -> Mapping[str, object]:
    to_dict = getattr(report, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, Mapping):
            return data
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        return {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    return {"result": report}


def report_table(title: str, report: object) -> Table:
    """Every field of a service report, one per row (nested mappings flattened with dots)."""
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value", overflow="fold")
    for name, value in _flatten(_fields(report)):
        table.add_row(name, format_value(name.rsplit(".", 1)[-1], value))
    return table


def _flatten(data: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and len(value) <= 20:
            rows.extend(_flatten(value, f"{name}."))
        else:
            rows.append((name, value))
    return rows


def evaluation_table(data: Mapping[str, object]) -> Table:
    """The evaluation measures first (docs/design.md §10), then anything else reported."""
    table = Table(title="Evaluation · 评估（held-out applicants 未参与训练的申请人）")
    table.add_column("Measure 指标")
    table.add_column("Value 数值", justify="right")
    for key, label in EVALUATION_ROWS:
        if key in data:
            table.add_row(label, format_value(key, data[key]))
    known = {k for k, _ in EVALUATION_ROWS}
    for name, value in _flatten({k: v for k, v in data.items() if k not in known}):
        table.add_row(name, format_value(name.rsplit(".", 1)[-1], value))
    return table
