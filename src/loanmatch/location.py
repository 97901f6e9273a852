"""Where a problem is in what a user gave: file, line, row, column, product, rule and the rest.

Every :class:`loanmatch.errors.LoanMatchError` carries one (``where``); it is re-exported there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Location"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: any of file, line (1-based), data row (1-based), column, rule."""

    file: str | None = None
    line: int | None = None
    row: int | None = None
    column: str | None = None
    product: str | None = None
    rule: str | None = None
    feature: str | None = None
    lender: str | None = None
    setting: str | None = None

    def describe(self, lang: str = "en") -> str:
        """Where, as a person reads it: ``history.csv, line 4, row 3, column 'owner_age'`` or,
        for ``lang`` zh-CN, ``history.csv，第4行，第3条记录，列“owner_age”``."""
        zh = lang == "zh-CN"
        parts: list[str] = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"第{self.line}行" if zh else f"line {self.line}")
        if self.row is not None:
            parts.append(f"第{self.row}条记录" if zh else f"row {self.row}")
        for value, en, zh_name in (
            (self.column, "column", "列"),
            (self.product, "product", "产品"),
            (self.rule, "rule", "规则"),
            (self.feature, "feature", "项目"),
            (self.lender, "lender", "机构"),
            (self.setting, "setting", "参数"),
        ):
            if value:
                parts.append(f"{zh_name}“{value}”" if zh else f"{en} {value!r}")
        return ("，" if zh else ", ").join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}
