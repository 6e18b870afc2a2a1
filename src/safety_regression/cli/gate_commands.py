"""run and baseline: the gate against live endpoints (compare, of stored snapshots, is in
``compare_command``; this module's helpers serve it and merge too)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from safety_regression import wording
from safety_regression.cli.console import exit_code, info
from safety_regression.cli.environment import now, with_environment
from safety_regression.cli.interrupt import keeps_answers
from safety_regression.config import Config, load_config
from safety_regression.endpoints.metering import RunUsage
from safety_regression.endpoints.run_cache import RunCompletion
from safety_regression.errors import RunStopped, SafetyRegressionError
from safety_regression.outputs import (
    FINETUNED_SNAPSHOT,
    REFERENCE_SNAPSHOT,
    check_file_target,
    check_not_inputs,
    check_out_dir,
    check_spares_inputs,
    config_inputs,
    previous_outputs,
    withdraw_outputs,
    write_set,
)
from safety_regression.pipeline import (
    Environment,
    GateRun,
    Measurement,
    evaluate_model,
    measure,
    run_gate,
)
from safety_regression.pipeline.budget import stopped_message
from safety_regression.snapshot import Snapshot, load_snapshot, save_snapshot
from safety_regression.snapshot.model import snapshot_json
from safety_regression.suites import Shard

if TYPE_CHECKING:
    from safety_regression.gate import GateResult


class BudgetStop(SafetyRegressionError):
    """A budget stopped the run before it measured everything (exit 3: nothing decided)."""


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Gate config (YAML).",
)
no_cache_option = click.option(
    "--no-cache", is_flag=True, help="Ask the endpoints again even for cached responses."
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress output.")
dry_run_option = click.option(
    "--dry-run",
    is_flag=True,
    help="Send nothing: print the requests, estimated tokens and cost per model, then exit.",
)


def _shard(_context: click.Context, _parameter: click.Parameter, value: str | None) -> Shard | None:
    if value is None:
        return None
    try:
        return Shard.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc).splitlines()[0]) from None


shard_option = click.option(
    "--shard",
    callback=_shard,
    metavar="I/N",
    default=None,
    help="Evaluate only the I-th of N disjoint parts of the suite (merge the parts afterwards).",
)


DEFAULT_CONFIG = Path(".safety/gate.yml")


def default_config(config_path: Path | None) -> Config:
    """The --config given; else .safety/gate.yml when it exists; else the built-in gate, said aloud."""
    if config_path is not None:
        return load_config(config_path)
    if DEFAULT_CONFIG.is_file():
        info(f"using the gate config {DEFAULT_CONFIG} (--config picks another)")
        return load_config(DEFAULT_CONFIG)
    info(f"no --config and no {DEFAULT_CONFIG}: using the built-in default gate settings")
    return Config()


def _no_cache(config: Config, no_cache: bool) -> Config:
    return (
        config.model_copy(update={"cache": config.cache.model_copy(update={"enabled": False})})
        if no_cache
        else config
    )


def out_option(default: str, help: str) -> Callable[[Callable[..., int]], Callable[..., int]]:
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help=help,
    )


def prepare_out(
    out_dir: Path,
    command: str,
    inputs: list[tuple[str, Path]] | None = None,
    check: Callable[[], None] | None = None,
) -> None:
    """Check the output folder before any model is asked (it is writable; no file written
    into it is one of ``inputs``), run ``check`` (what may still refuse the command), and
    only then say what it will replace, and withdraw it: until this command has written
    its own outputs, the folder holds no complete set (``withdraw_outputs``)."""
    check_out_dir(out_dir)
    check_spares_inputs(out_dir, inputs or [])
    if check is not None:
        check()
    note = previous_outputs(out_dir, command)
    if note:
        info(f"note: {note}")
        withdraw_outputs(out_dir, command)


def noted_outputs(
    out_dir: Path, gate_run: GateRun, config: Config, command: str, *, snapshots: bool
) -> list[Path]:
    """Say the gate run's notes, then write its outputs into ``out_dir`` (compare, merge)."""
    from safety_regression.outputs import write_outputs

    for note in gate_run.notes:
        info(note)
    return write_outputs(
        out_dir,
        gate_run.result,
        gate_run.reference,
        gate_run.candidate,
        config.report,
        now(),
        snapshots=snapshots,
        command=command,
    )


def show(heading: str, result: GateResult, written: list[Path]) -> None:
    from safety_regression.report import render_terminal

    click.echo(heading)
    click.echo(render_terminal(result))
    for path in written:
        info(f"wrote {path}")


@click.command()
@config_option
@out_option("safety-report", "Folder for report.json, report.md, junit.xml, results.jsonl and snapshots.")
@click.option(
    "--check-drift",
    is_flag=True,
    help="Also ask the base model every case and report drift from the baseline.",
)
@shard_option
@no_cache_option
@quiet_option
@dry_run_option
def run(
    config_path: Path,
    out_dir: Path,
    check_drift: bool,
    shard: Shard | None,
    no_cache: bool,
    quiet: bool,
    dry_run: bool,
) -> int:
    """Evaluate the suite on the fine-tuned model and gate it against the baseline.

    With --shard, only that part of the suite is evaluated and its snapshots written to
    --out; `safety-regression merge` then gates all the parts together.
    """
    config = load_config(config_path)
    keeps_answers(config, no_cache=no_cache)
    if dry_run:
        from safety_regression.cli.dry_run import show_dry_run
        from safety_regression.pipeline.dryrun import plan_run

        plan = plan_run(_no_cache(config, no_cache), check_drift=check_drift, shard=shard, environ=os.environ)
        show_dry_run(plan, "run")
        return 0
    previous = _previous_sequential(out_dir) if config.gate.sequential.enabled and shard is None else None

    def check_rerun() -> None:
        # A history of another design is refused before the note says the folder is replaced.
        if previous is not None:
            from safety_regression.pipeline.sequential import check_rerun_design

            check_rerun_design(config, previous)

    prepare_out(out_dir, f"run --shard {shard}" if shard else "run", config_inputs(config), check_rerun)
    if shard is not None:
        return _run_shard(
            config, out_dir, shard, check_drift=check_drift, quiet=quiet, use_cache=not no_cache
        )

    async def gate(env: Environment) -> tuple[GateRun, RunCompletion]:
        return await run_gate(config, env, check_drift=check_drift, previous=previous), env.completion()

    gate_run, completion = with_environment(gate, quiet=quiet, use_cache=not no_cache)
    from safety_regression.outputs import write_outputs

    for note in gate_run.notes:
        info(note)
    if gate_run.stopped is not None:
        info(f"error: the run stopped early: {gate_run.stopped}; run it again to resume")
    written = write_outputs(
        out_dir, gate_run.result, gate_run.reference, gate_run.candidate, config.report, now()
    )
    completion.mark()  # only now: a run stopped before its outputs are written resumes
    show(f"suite {gate_run.candidate.suite.name} ({gate_run.candidate.suite.hash})", gate_run.result, written)
    return int(exit_code(gate_run.result))


def _previous_sequential(out_dir: Path) -> tuple[Snapshot, Snapshot] | None:
    """The snapshots a previous sequential run left in ``out_dir``, whose look history it continues."""
    reference, candidate = out_dir / REFERENCE_SNAPSHOT, out_dir / FINETUNED_SNAPSHOT
    if not (reference.is_file() and candidate.is_file()):
        return None
    return load_snapshot(reference), load_snapshot(candidate)


def _run_shard(
    config: Config, out_dir: Path, shard: Shard, *, check_drift: bool, quiet: bool, use_cache: bool
) -> int:
    async def work(env: Environment) -> tuple[Measurement, RunCompletion]:
        return await measure(config, env, check_drift=check_drift, shard=shard), env.completion()

    measured, completion = with_environment(work, quiet=quiet, use_cache=use_cache)
    for note in measured.notes:
        info(note)
    for warning in measured.warnings:
        info(f"warning: {warning}")
    if measured.usage is not None and measured.usage.stopped is not None:
        raise BudgetStop(f"shard {shard} not written: {stopped_message(measured.usage)}")
    if measured.stopped is not None:
        # A shard that stopped early is not a whole shard: write nothing, keep the cache.
        raise RunStopped(f"shard {shard}: the run stopped early: {measured.stopped}; run it again to resume")
    written = write_set(
        out_dir,
        {
            REFERENCE_SNAPSHOT: snapshot_json(measured.reference),
            FINETUNED_SNAPSHOT: snapshot_json(measured.candidate),
        },
        f"run --shard {shard}",
    )
    completion.mark()
    for path in written:
        info(f"wrote {path}")
    click.echo(
        f"shard {shard}: {len(measured.candidate.results)} fine-tuned results; gate all shards with "
        f"'safety-regression merge --out DIR SHARD_DIR...'"
    )
    return 0


@click.command()
@config_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the snapshot [default: the config's baseline path].",
)
@shard_option
@no_cache_option
@quiet_option
@dry_run_option
def baseline(
    config_path: Path, output: Path | None, shard: Shard | None, no_cache: bool, quiet: bool, dry_run: bool
) -> int:
    """Evaluate the base model and write the baseline snapshot to commit.

    With --shard, only that part of the suite is evaluated; `safety-regression
    merge-snapshots` joins the parts into the baseline.
    """
    config = load_config(config_path)
    keeps_answers(config, no_cache=no_cache)
    if dry_run:
        from safety_regression.cli.dry_run import show_dry_run
        from safety_regression.pipeline.dryrun import plan_baseline

        show_dry_run(plan_baseline(_no_cache(config, no_cache), shard=shard, environ=os.environ), "baseline")
        return 0
    target = output or config.baseline or Path(".safety/baseline.json")
    check_file_target(target, "--output" if output else "baseline")
    check_not_inputs([target], config_inputs(config, baseline=False), "--output" if output else "baseline")

    async def work(env: Environment) -> tuple[Snapshot, str | None, RunUsage, RunCompletion]:
        snapshot = await evaluate_model(config, "base", env, shard)
        return snapshot, env.cache_note(), env.meter.usage(), env.completion()

    try:
        snapshot, cache_note, usage, completion = with_environment(work, quiet=quiet, use_cache=not no_cache)
    except RunStopped as stopped:
        # The deadline: what was asked is cached, so a rerun resumes (as ``run`` says).
        again = "run it again to resume"
        if no_cache or not config.cache.enabled:
            again = "the cache is off, so running it again asks every case again"
        raise RunStopped(f"baseline not written: the run stopped early: {stopped}; {again}") from None
    if cache_note:
        info(cache_note)
    if usage.roles:
        from safety_regression.report.usage import usage_line

        info(usage_line(usage))
    if usage.stopped is not None:
        # A partial baseline would be committed as if whole: write none; the cache keeps the answers.
        raise BudgetStop(f"baseline not written: {stopped_message(usage)}")
    errors = snapshot.errors()
    if errors:
        info(
            f"warning: {errors} of {wording.count(len(snapshot.results), 'request')} failed; "
            "they are stored as errors, "
            "never as results, and the next run asks the base model for them again"
        )
    unjudged = _unjudged_warning(snapshot)
    if unjudged:
        info(unjudged)
    save_snapshot(snapshot, target)
    completion.mark()  # only once the baseline is written: an interrupted one resumes
    click.echo(
        f"baseline: {wording.count(len(snapshot.results), 'result')} for {snapshot.model.model} "
        f"on suite {snapshot.suite.name} ({snapshot.suite.hash}) -> {target}"
    )
    return 0


def _unjudged_warning(snapshot: Snapshot) -> str | None:
    """One line on the answers the judge, or a vote member, could not label; None if none."""
    from collections import Counter

    from safety_regression.judges.base import Label

    unjudged = [r for r in snapshot.results if r.label is Label.UNJUDGED and not r.tied]
    members = Counter(member for r in snapshot.results for member in dict.fromkeys(r.abstained or ()))
    if not unjudged and not members:
        return None
    total = len(snapshot.results)
    parts = (
        [f"the judge could not label {len(unjudged)} of {wording.count(total, 'answer')}"] if unjudged else []
    )
    parts += [f"vote member {member} could not label {count} of {total}" for member, count in members.items()]
    affected = [r for r in snapshot.results if r.judge_failed]
    again = (
        "the next run judges them again from their stored responses"
        if all(r.response is not None for r in affected)
        else "the next run judges them again, asking the base model again where no response was stored"
    )
    return f"warning: {'; '.join(parts)}: they are stored so, never as results, and {again}"
