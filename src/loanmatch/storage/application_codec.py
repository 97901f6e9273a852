"""Applications to and from the JSON the database stores (their history of steps)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from loanmatch.domain.applications import Action, Decision, Status, Step
from loanmatch.storage.records import as_utc

__all__ = ["history_from_json", "history_to_json"]


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "amount_yuan": decision.amount_yuan,
        "annual_rate": decision.annual_rate,
        "term_months": decision.term_months,
        "repayment_method": decision.repayment_method,
        "reasons": list(decision.reasons),
        "documents": list(decision.documents),
        "note": decision.note,
    }


def history_to_json(history: tuple[Step, ...]) -> list[dict[str, Any]]:
    return [
        {
            "action": step.action,
            "actor": step.actor,
            "at": step.at.isoformat(),
            "before": step.before.value,
            "after": step.after.value,
            "decision": _decision_json(step.decision),
        }
        for step in history
    ]


def history_from_json(data: list[dict[str, Any]]) -> tuple[Step, ...]:
    steps = []
    for item in data:
        d = item.get("decision", {})
        decision = Decision(
            amount_yuan=d.get("amount_yuan"),
            annual_rate=d.get("annual_rate"),
            term_months=d.get("term_months"),
            repayment_method=d.get("repayment_method"),
            reasons=tuple(d.get("reasons", ())),
            documents=tuple(d.get("documents", ())),
            note=str(d.get("note", "")),
        )
        steps.append(
            Step(
                action=cast("Action", item["action"]),
                actor=str(item["actor"]),
                at=as_utc(datetime.fromisoformat(item["at"])),
                before=Status(item["before"]),
                after=Status(item["after"]),
                decision=decision,
            )
        )
    return tuple(steps)
