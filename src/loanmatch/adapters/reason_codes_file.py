"""Load the decline reason code list (``data/reason_codes.yaml`` by default)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from loanmatch.domain.catalog import Text
from loanmatch.domain.reason_codes import ReasonCodes
from loanmatch.errors import InputError, Location

__all__ = ["DEFAULT_REASON_CODES", "default_reason_codes", "load_reason_codes"]

DEFAULT_REASON_CODES = Path(str(resources.files("loanmatch") / "data" / "reason_codes.yaml"))


def _mapping(data: dict[str, Any], key: str, where: Location) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"{key} must map names to codes", where)
    return {str(k): v for k, v in value.items()}


def load_reason_codes(path: Path = DEFAULT_REASON_CODES) -> ReasonCodes:
    """Read and check a code list; a problem is an ``InputError`` naming the file."""
    where = Location(file=str(path))
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError) as error:
        raise InputError(f"cannot read the reason codes: {error}", where) from None
    if not isinstance(data, dict) or not isinstance(data.get("codes"), dict):
        raise InputError("expected a mapping with `codes`", where)
    texts: dict[str, Text] = {}
    for code, text in data["codes"].items():
        if not isinstance(text, dict) or not text.get("zh") or not text.get("en"):
            raise InputError(f"code {code} needs both zh and en texts", where)
        texts[str(code)] = Text(str(text["zh"]), str(text["en"]))
    try:
        return ReasonCodes(
            texts=texts,
            features=_mapping(data, "features", where),
            dimensions=_mapping(data, "dimensions", where),
            outcomes=_mapping(data, "outcomes", where),
        )
    except ValueError as error:
        raise InputError(str(error), where) from None


@lru_cache(maxsize=1)
def default_reason_codes() -> ReasonCodes:
    """The shipped list (read once)."""
    return load_reason_codes()
