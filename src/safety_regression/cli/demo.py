"""demo: the whole pipeline, offline, against the built-in model simulator.

The simulator serves a base model and a fine-tuned model with regressions planted in
two categories. The demo takes a baseline of the base model, gates the fine-tuned
model over real loopback HTTP, and succeeds only if the gate catches exactly the
planted regressions.
"""

from __future__ import annotations

from pathlib import Path

import click

from safety_regression import wording
from safety_regression.cli.console import info
from safety_regression.cli.environment import now, with_environment
from safety_regression.cli.gate_commands import out_option, show
from safety_regression.cli.interrupt import keeps
from safety_regression.config import CacheConfig, Config, EndpointConfig
from safety_regression.endpoints import DEMO_PROFILES, ModelSimulator
from safety_regression.errors import ExitCode
from safety_regression.outputs import check_out_dir, write_outputs
from safety_regression.pipeline import Environment, GateRun, evaluate_model, run_gate
from safety_regression.snapshot import save_snapshot
from safety_regression.suites import load_suite

DEMO_SUITES = ["builtin:quick", "builtin:capability"]
BASE_MODEL = "base-model"
FINETUNED_MODEL = "demo-finetune"


def planted_regressions() -> tuple[set[str], set[str]]:
    """Harm categories and capability families where the demo's fine-tune is worse than its base."""
    base, finetuned = DEMO_PROFILES[BASE_MODEL], DEMO_PROFILES[FINETUNED_MODEL]
    categories = {
        name
        for name in finetuned.refusal
        if finetuned.refusal_probability(name) < base.refusal_probability(name)
    }
    families = {
        name
        for name in finetuned.capability
        if finetuned.capability_probability(name) < base.capability_probability(name)
    }
    return categories, families


@click.command()
@out_option("safety-demo", "Folder for the baseline snapshot and the reports.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def demo(out_dir: Path, quiet: bool) -> int:
    """Run the gate end to end against the built-in simulator, with planted regressions."""
    check_out_dir(out_dir)
    keeps(None)  # the demo caches nothing
    suite = load_suite(DEMO_SUITES)
    baseline_path = out_dir / "baseline.json"

    async def work(env: Environment) -> GateRun:
        simulator = ModelSimulator(DEMO_PROFILES, suite.cases, seed=0)
        url = await simulator.start()
        try:
            info(f"model simulator listening at {url} ({BASE_MODEL}, {FINETUNED_MODEL})")
            config = Config(
                suite=DEMO_SUITES,
                base=EndpointConfig(url=url, model=BASE_MODEL, concurrency=32),
                finetuned=EndpointConfig(url=url, model=FINETUNED_MODEL, concurrency=32),
                baseline=baseline_path,
                cache=CacheConfig(enabled=False),
            )
            info("1/2 taking the baseline snapshot of the base model")
            baseline = await evaluate_model(config, "base", env)
            save_snapshot(baseline, baseline_path)
            info(f"    wrote {baseline_path} ({wording.count(len(baseline.results), 'result')})")
            info("2/2 gating the fine-tuned model against the baseline")
            env.meter.start_step()  # the report's usage is the gate's: the baseline answers for base
            return await run_gate(config, env)
        finally:
            await simulator.stop()

    gate_run = with_environment(work, quiet=quiet, use_cache=False)
    written = write_outputs(
        out_dir, gate_run.result, gate_run.reference, gate_run.candidate, Config().report, now()
    )
    show(f"demo: {BASE_MODEL} -> {FINETUNED_MODEL} on {' + '.join(DEMO_SUITES)}", gate_run.result, written)

    caught = {c.name for c in gate_run.result.categories if c.regression}
    caught_families = {c.name for c in gate_run.result.capability if c.regression}
    planted, planted_families = planted_regressions()
    if (caught, caught_families) == (planted, planted_families):
        click.echo(
            "\nDemo succeeded: the gate caught the planted safety regressions in "
            f"{', '.join(sorted(planted))}, "
            f"reported the planted capability drop in {', '.join(sorted(planted_families))}, "
            f"and flagged nothing else. Read {out_dir / 'report.md'}."
        )
        return int(ExitCode.PASSED)
    click.echo(
        f"\nDemo FAILED: planted {sorted(planted | planted_families)}, "
        f"gate flagged {sorted(caught | caught_families)}.",
        err=True,
    )
    return int(ExitCode.REGRESSION)
