"""plan: how many prompts a category needs, and what drop a suite can detect.

The gate passes a category only when the upper bound on its drop is below the margin,
so ``plan`` also answers: with this many source prompts, how likely does an unchanged
model pass (for a range of chance flips), and how many would make that 0.8 while a drop
of the margin still fails with the target power.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from tabulate import tabulate

from safety_regression import stats
from safety_regression.config import Config, StatTest, load_config
from safety_regression.gate.levels import gating_check_count
from safety_regression.gate.schedule import LookSchedule, look_schedule
from safety_regression.gate.sequential import category_alpha
from safety_regression.suites import Expect, Suite, load_suite

rate = click.FloatRange(0.0, 1.0)


@click.command()
@click.option(
    "--base-rate",
    type=rate,
    default=0.95,
    show_default=True,
    help="The base model's refusal rate in a category.",
)
@click.option(
    "--target-rate",
    type=rate,
    default=None,
    help="The fine-tuned refusal rate to detect; prints the prompts needed.",
)
@click.option(
    "--prompts",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Prompts per category; prints the smallest detectable drop.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Use this config's suite and gate settings; prints the detectable drop per category.",
)
@click.option(
    "--suite",
    "suites",
    multiple=True,
    help="Print the detectable drop per category of these suites (repeatable; overrides the config's).",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 0.5, min_open=True),
    default=None,
    help="One-sided significance level [default: the config's, or 0.01].",
)
@click.option(
    "--power",
    "power_target",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Target power [default: the config's, or 0.8].",
)
@click.option(
    "--test",
    type=click.Choice([t.value for t in StatTest]),
    default=None,
    help="Test to plan for [default: the config's, or mcnemar].",
)
@click.option(
    "--background-discordance",
    type=click.FloatRange(0, 0.5),
    default=None,
    help="McNemar only: share of prompts assumed to flip each way by chance [default 0.02].",
)
@click.option(
    "--margin",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    help="The drop a pass must rule out [default: the config's gate.margin, or 0.10]; "
    "prints the source prompts a category needs to pass.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
def plan(
    base_rate: float,
    target_rate: float | None,
    prompts: int | None,
    config_path: Path | None,
    suites: tuple[str, ...],
    alpha: float | None,
    power_target: float | None,
    test: str | None,
    background_discordance: float | None,
    margin: float | None,
    output_format: str,
) -> int:
    """Sample-size and power planning for the gate's one-sided tests.

    \b
    Examples:
      safety-regression plan --base-rate 0.95 --target-rate 0.85
      safety-regression plan --prompts 100
      safety-regression plan --config gate.yml
      safety-regression plan --margin 0.10
    """
    config = load_config(config_path) if config_path else Config()
    gate = config.gate.model_copy(
        update={
            key: value
            for key, value in {
                "alpha": alpha,
                "power": power_target,
                "test": StatTest(test) if test else None,
                "background_discordance": background_discordance,
                "margin": margin,
            }.items()
            if value is not None
        }
    )
    # The level each check is tested at, as the run will: alpha / k with gate.holm, k the
    # suite's gating checks (a suite is known only with --config or --suite).
    suite: Suite | None = None
    if gate.holm and (config_path is not None or suites):
        suite = _suite(config, suites)
    checks = gating_check_count(gate, suite.cases) if suite is not None else 0
    level = category_alpha(gate, checks)
    floor = _below_floor(base_rate, gate.min_base_rate)
    rows: list[dict[str, object]] = []
    if target_rate is not None:
        if target_rate >= base_rate:
            raise click.BadParameter(
                "must be below --base-rate: the gate detects drops", param_hint="--target-rate"
            )
        for each in StatTest:
            needed = stats.required_prompts(
                base_rate, target_rate, level, gate.power, each, gate.background_discordance
            )
            rows.append(
                {
                    "test": each.value,
                    "base_rate": base_rate,
                    "target_rate": target_rate,
                    "prompts_needed": needed,
                }
            )
    elif margin is not None and prompts is None and config_path is None and not suites:
        for discordance in DISCORDANCE_RANGE:
            rows.append(
                {
                    "background_discordance": discordance,
                    "base_rate": base_rate,
                    "margin": gate.margin,
                    "prompts_to_pass": None
                    if floor
                    else stats.prompts_to_pass(base_rate, gate.margin, level, discordance, 0.8, gate.power),
                }
                | ({"cannot_pass": floor} if floor else {})
            )
    elif prompts is not None or (config_path is None and not suites):
        n = prompts or 100
        for each in StatTest:
            drop = stats.detectable_drop(n, base_rate, level, gate.power, each, gate.background_discordance)
            rows.append({"test": each.value, "prompts": n, "base_rate": base_rate, "detectable_drop": drop})
    else:
        suite = suite or _suite(config, suites)
        needed = None
        if not floor:
            needed = stats.prompts_to_pass(
                base_rate, gate.margin, level, gate.background_discordance, 0.8, gate.power
            )
        for category in suite.categories():
            harmful = [c for c in suite.cases if c.category == category and c.expect is Expect.REFUSE]
            if not harmful:
                continue
            n = len(harmful)
            clusters = len({c.source_id or c.id for c in harmful})
            drop = stats.detectable_drop(
                clusters, base_rate, level, gate.power, gate.test, gate.background_discordance
            )
            passing = {
                discordance: 0.0
                if floor
                else stats.pass_probability(clusters, gate.margin, level, discordance)
                for discordance in DISCORDANCE_RANGE
            }
            rows.append(
                {
                    "category": category,
                    "prompts": n,
                    "source_prompts": clusters,
                    "base_rate": base_rate,
                    "detectable_drop": drop,
                    "underpowered": drop is None or drop > max(gate.margin, gate.min_effect),
                    "p_unchanged_passes": _range(passing),
                    "source_prompts_to_pass": needed,
                }
                | ({"cannot_pass": floor} if floor else {})
            )
    settings = {
        "margin": gate.margin,
        "alpha": gate.alpha,
        "power": gate.power,
        "test": gate.test.value,
        "background_discordance": gate.background_discordance,
        "holm": gate.holm,
        "gating_checks": checks if suite is not None else None,
        "level": level,
        "min_base_rate": gate.min_base_rate,
    }
    schedule = None
    if config.gate.sequential.enabled:
        # The design's requests and looks, from the suite the run would ask.
        suite = suite or _suite(config, suites)
        schedule = look_schedule(suite.cases, config.gate.sequential.looks, config.gate.sequential.seed)
    if output_format == "json":
        extra = {"sequential": _schedule_json(schedule, config)} if schedule is not None else {}
        click.echo(json.dumps({"settings": settings, "rows": rows} | extra, indent=2))
    else:
        click.echo(tabulate([_table_row(row) for row in rows], headers="keys"))
        tested = f" (gate.holm: alpha/{checks} = {level:.3g} per check)" if level != gate.alpha else ""
        click.echo(
            f"\none-sided alpha={gate.alpha}{tested}, power={gate.power}, margin={gate.margin:.0%}; "
            f"McNemar assumes {gate.background_discordance:.0%} of prompts flip each way by chance"
            + (
                f"; P(unchanged passes) is for {DISCORDANCE_RANGE[0]:.0%} to "
                f"{DISCORDANCE_RANGE[-1]:.0%} of source prompts flipping each way"
                if any("p_unchanged_passes" in row for row in rows)
                else ""
            )
        )
        if floor and any("cannot_pass" in row for row in rows):
            click.echo(f"{floor}.")
        if schedule is not None:
            click.echo("\n" + "\n".join(_schedule_lines(schedule, config)))
    return 0


def _suite(config: Config, suites: tuple[str, ...]) -> Suite:
    """``--suite``'s suites, or the config's (a mistake in its list names the config's
    line); their warnings (a category that looks misspelt) on standard error."""
    from safety_regression.pipeline.assembly import config_suite

    suite = load_suite(list(suites)) if suites else config_suite(config)
    for warning in suite.warnings:
        click.echo(f"warning: {warning}", err=True)
    return suite


def _schedule_lines(schedule: LookSchedule, config: Config) -> list[str]:
    """The sequential design in words: the most it asks, and what each look has asked."""
    samples = config.sampling.samples
    total = schedule.cases[-1]
    by_look = ", ".join(f"look {look + 1}: {cases * samples:,}" for look, cases in enumerate(schedule.cases))
    lines = [
        f"gate.sequential: {schedule.looks} looks, seed {config.gate.sequential.seed}. A run asks each "
        f"model at most the fixed design's {total * samples:,} requests ({total:,} cases x {samples} "
        f"sample{'s' if samples != 1 else ''}), fewer once harm categories are decided; the rows "
        "above plan the fixed design.",
        f"Requests per model asked by the end of each look, if no category is decided sooner: {by_look} "
        f"(the {schedule.always:,} benign and capability cases all with look 1).",
    ]
    for name, ends in schedule.categories.items():
        lines.append(f"  {name}: source prompts asked by each look {', '.join(map(str, ends))} of {ends[-1]}")
    return lines


def _schedule_json(schedule: LookSchedule, config: Config) -> dict[str, object]:
    samples = config.sampling.samples
    return {
        "looks": schedule.looks,
        "seed": config.gate.sequential.seed,
        "fixed_requests": schedule.cases[-1] * samples,
        "requests_by_look": [cases * samples for cases in schedule.cases],
        "always_asked_cases": schedule.always,
        "source_prompts_by_look": {name: list(ends) for name, ends in schedule.categories.items()},
    }


DISCORDANCE_RANGE = (0.05, 0.02, 0.01, 0.0)
"""Chance flips each way for which P(an unchanged model passes) is shown: a range, since
the true background discordance of a model is rarely known."""


def _range(by_discordance: dict[float, float]) -> str:
    low, high = min(by_discordance.values()), max(by_discordance.values())
    return f"{low:.0%}-{high:.0%}" if f"{low:.0%}" != f"{high:.0%}" else f"{low:.0%}"


def _below_floor(base_rate: float, floor: float) -> str | None:
    """Why no suite size can make a category with this base rate pass, or None."""
    if base_rate >= floor:
        return None
    return (
        f"cannot pass: a base rate of {base_rate:.0%} is below the gate.min_base_rate floor of "
        f"{floor:.0%}, and the gate never passes such a category however many prompts it has "
        "(nothing to regress from: check the suite, the judge or the endpoint)"
    )


def _table_row(row: dict[str, object]) -> dict[str, object]:
    shown = {key: _fmt(value) for key, value in row.items() if key != "cannot_pass"}
    for key in ("prompts_to_pass", "source_prompts_to_pass"):
        if "cannot_pass" in row and key in shown:
            shown[key] = "cannot pass (below floor)"
    return shown


def _fmt(value: object) -> object:
    if value is None:
        return "not detectable"
    if isinstance(value, float) and not isinstance(value, bool):
        return f"{value:.1%}"
    return value
