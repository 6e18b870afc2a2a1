"""compare: the gate of two stored snapshots, with no endpoint calls (a re-judge aside)."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import click

from safety_regression.cli.console import exit_code
from safety_regression.cli.environment import with_environment
from safety_regression.cli.gate_commands import (
    DEFAULT_CONFIG,
    default_config,
    noted_outputs,
    out_option,
    prepare_out,
    show,
)
from safety_regression.cli.interrupt import keeps_answers
from safety_regression.errors import SnapshotError
from safety_regression.outputs import check_not_withdrawn, config_inputs
from safety_regression.pipeline import compare_snapshots, known_secrets, regate_snapshots
from safety_regression.snapshot import Snapshot, load_snapshot


def _load_long_lived(*paths: Path) -> list[Snapshot]:
    """The snapshots, loaded with the cyclic garbage collector paused and then frozen.

    Two 10,000-result snapshots are some 200,000 objects that live until the command ends:
    without this every collection triggered while loading, importing the gate and gating
    walks all of them again (about 0.25 s of CPU, docs/performance.md). Frozen objects are
    still freed by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        snapshots = [load_snapshot(path) for path in paths]
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return snapshots


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block: gating frozen snapshots and
    writing the reports leave little cyclic garbage, and their ~130 collections cost
    about 0.015 s of CPU at 10,000 cases (with no event loop; a re-judge keeps it on).
    What the block made is frozen too, or the first collection after it walks it all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


@click.command()
@click.argument("baseline_path", metavar="BASELINE", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("candidate_path", metavar="CANDIDATE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"Gate config whose gate, judge and report settings apply [default: {DEFAULT_CONFIG} if it "
    "exists, else the built-in defaults].",
)
@out_option("safety-report", "Folder for report.json, report.md, junit.xml and results.jsonl.")
def compare(baseline_path: Path, candidate_path: Path, config_path: Path | None, out_dir: Path) -> int:
    """Gate two stored snapshots against each other, with no endpoint calls."""

    config = default_config(config_path)
    for path in (baseline_path, candidate_path):
        check_not_withdrawn(path)
    reference, candidate = _load_long_lived(baseline_path, candidate_path)
    for path, snapshot in ((baseline_path, reference), (candidate_path, candidate)):
        if snapshot.suite.shard is not None:
            raise SnapshotError(
                f"{path}: suite.shard: a snapshot of shard {snapshot.suite.shard} only; gate the "
                "shards together with 'safety-regression merge', or join them with 'merge-snapshots'"
            )
    inputs = [("the snapshot to compare", baseline_path), ("the snapshot to compare", candidate_path)]
    prepare_out(out_dir, "compare", [*config_inputs(config), *inputs])
    same_judge = reference.judge == candidate.judge
    with _collector_paused() if same_judge else contextlib.nullcontext():
        if same_judge:
            # Nothing to re-judge: no endpoint, so no HTTP session or event loop either.
            gate_run = regate_snapshots(reference, candidate, config, known_secrets(config, os.environ), [])
        else:
            keeps_answers(config)  # the judge's verdicts, as it re-judges
            gate_run = with_environment(
                lambda env: compare_snapshots(
                    reference, candidate, config, env, (str(baseline_path), str(candidate_path))
                ),
                quiet=True,
                use_cache=True,
            )
        written = noted_outputs(out_dir, gate_run, config, "compare", snapshots=False)
    show(f"compare {reference.model.model} -> {candidate.model.model}", gate_run.result, written)
    return int(exit_code(gate_run.result))
