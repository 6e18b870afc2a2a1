"""What a run spent: requests, tokens and estimated cost per model and for the judge."""

from __future__ import annotations

from safety_regression.endpoints.metering import RoleUsage, RunUsage
from safety_regression.gate.result import GateResult
from safety_regression.report import formatting as fmt


def _cost(cost: float | None) -> str:
    return "no price set" if cost is None else f"{cost:,.4f}"


def _tokens(role: RoleUsage) -> str:
    text = f"{role.prompt_tokens:,} prompt + {role.completion_tokens:,} completion tokens"
    if role.unreported:
        text += f" ({role.unreported} answers without usage, estimated)"
    return text


def usage_line(usage: RunUsage) -> str:
    """One terminal line: ``usage: finetuned 300 requests, ... ; total cost 0.12``."""
    parts = [
        f"{role.role} {role.requests:,} requests, {_tokens(role)}, cost {_cost(role.cost)}"
        for role in usage.roles
    ]
    return "usage: " + "; ".join(parts) + f"; total cost {_cost(usage.cost)}"


def usage_section(result: GateResult) -> str:
    usage = result.usage
    if usage is None:
        return ""
    rows = [
        [
            role.role,
            f"{role.requests:,}",
            f"{role.prompt_tokens:,}",
            f"{role.completion_tokens:,}" + (" (part estimated)" if role.unreported else ""),
            _cost(role.cost),
        ]
        for role in usage.roles
    ]
    rows.append(["total", f"{usage.requests:,}", "", "", _cost(usage.cost)])
    table = fmt.markdown_table(rows, ["", "requests", "prompt tokens", "completion tokens", "estimated cost"])
    note = (
        "Requests are HTTP attempts: each retry counts. Requests answered from the response "
        "cache cost nothing and are not counted."
    )
    return f"### Usage and cost\n\n{table}\n\n{note}"
