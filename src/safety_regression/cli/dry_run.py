"""--dry-run: print what a run would ask and cost, and send nothing."""

from __future__ import annotations

import click
from tabulate import tabulate

from safety_regression.pipeline.dryrun import DryRun


def _tokens(count: int) -> str:
    return f"{count:,}"


def _cost(cost: float | None) -> str:
    return "no price set" if cost is None else f"{cost:,.4f}"


def show_dry_run(plan: DryRun, command: str) -> None:
    rows = [
        [
            role.role,
            role.model,
            role.live_cases,
            role.reused_cases,
            role.requests,
            role.cached,
            _tokens(role.prompt_tokens),
            _tokens(role.completion_tokens),
            _cost(role.cost),
        ]
        for role in plan.roles
    ]
    headers = [
        "",
        "model",
        "live cases",
        "from baseline",
        "requests",
        "cached",
        "prompt tok",
        "completion tok",
        "cost",
    ]
    click.echo(f"dry run of `{command}`: nothing was sent")
    click.echo(tabulate(rows, headers=headers, disable_numparse=True))
    total = plan.cost
    click.echo(f"total: {plan.requests:,} requests, estimated cost {_cost(total)}")
    for role in plan.roles:
        click.echo(f"  {role.role}: completion tokens estimated as {role.completion_estimate}")
    for note in plan.notes:  # a warning (a suite category that looks misspelt) says so itself
        click.echo(note if note.startswith("warning: ") else f"note: {note}", err=True)
