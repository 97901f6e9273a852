"""Refuse an answer that cannot be true together with what is already known.

The checks are data (``data/consistency.yaml``, ``domain/consistency.py``). The refusal is a
:class:`~loanmatch.errors.ContradictionError` that names the facts the answer
contradicts, with their values, and says why in plain words; the state is not touched, and the
owner may correct either fact (a correction is checked the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

from loanmatch.domain.catalog import Catalog, Feature, Scalar, Text, encode_value
from loanmatch.domain.consistency import Check, contradictions
from loanmatch.errors import ContradictionError
from loanmatch.intake.state import IntakeState
from loanmatch.lang import parse_lang

__all__ = ["refuse_contradiction"]


def _shown(value: Scalar, lang: str) -> str:
    if isinstance(value, bool):
        return ("yes" if value else "no") if parse_lang(lang) == "en" else ("是" if value else "否")
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return str(value)


def refuse_contradiction(
    catalog: Catalog, checks: Sequence[Check], state: IntakeState, spec: Feature, reply: Scalar
) -> None:
    """Raise ContradictionError when ``reply`` for ``spec`` breaks a check with known facts."""
    encoded = state.encoded(catalog)
    encoded[spec.name] = encode_value(spec, reply)
    broken = contradictions(checks, encoded, touching=spec.name)
    if not broken:
        return
    check = broken[0]
    others = tuple(sorted(check.features - {spec.name}))
    known = state.known()
    zh = "，".join(f"{catalog[o].display('zh')}：{_shown(known[o], 'zh')}" for o in others)
    en = "; ".join(f"{catalog[o].display('en')}: {_shown(known[o], 'en')}" for o in others)
    text = Text(
        zh=f"这个回答与已知信息不一致（{zh}）：{check.text.zh}。"
        "请再核对一下；如果之前的信息有误，可以直接更正。",
        en=f"This answer does not fit what we already know ({en}): {check.text.en}. "
        "Please check it; if the earlier fact is wrong, you can correct it.",
    )
    raise ContradictionError(spec.name, text, check.id, others)
