"""merge and merge-snapshots: put a run spread over CI runners back together."""

from __future__ import annotations

from pathlib import Path

import click

from safety_regression import wording
from safety_regression.cli.console import exit_code
from safety_regression.cli.environment import with_environment
from safety_regression.cli.gate_commands import default_config, noted_outputs, out_option, prepare_out, show
from safety_regression.cli.interrupt import keeps_answers
from safety_regression.outputs import (
    FINETUNED_SNAPSHOT,
    OUTPUT_FILES,
    REFERENCE_SNAPSHOT,
    check_complete,
    check_not_withdrawn,
    config_inputs,
)
from safety_regression.pipeline import compare_snapshots
from safety_regression.snapshot import Snapshot, load_snapshot, merge_snapshots, save_snapshot


def _merged(paths: list[Path]) -> Snapshot:
    for path in paths:
        check_not_withdrawn(path)
    return merge_snapshots([(str(path), load_snapshot(path)) for path in paths])


@click.command()
@click.argument(
    "shard_dirs",
    metavar="SHARD_DIR...",
    nargs=-1,
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@out_option("safety-report", "Folder for the merged snapshots and the reports.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Gate config whose gate, judge and report settings apply [default: .safety/gate.yml if it "
    "exists, else the built-in defaults].",
)
def merge(shard_dirs: tuple[Path, ...], out_dir: Path, config_path: Path | None) -> int:
    """Merge the outputs of `run --shard I/N` and gate the whole suite."""
    for folder in shard_dirs:  # before the config notice: a wrong folder is the one line said
        check_complete(folder, [REFERENCE_SNAPSHOT, FINETUNED_SNAPSHOT], "the outputs of 'run --shard I/N'")
    config = default_config(config_path)
    shards = [("a shard's snapshot", folder / name) for folder in shard_dirs for name in OUTPUT_FILES]
    prepare_out(out_dir, "merge", [*config_inputs(config), *shards])
    reference = _merged([folder / REFERENCE_SNAPSHOT for folder in shard_dirs])
    candidate = _merged([folder / FINETUNED_SNAPSHOT for folder in shard_dirs])
    if reference.judge != candidate.judge:
        keeps_answers(config)  # the judge's verdicts, as it re-judges
    gate_run = with_environment(
        lambda env: compare_snapshots(
            reference, candidate, config, env, ("merged reference", "merged candidate")
        ),
        quiet=True,
        use_cache=True,
    )
    written = noted_outputs(out_dir, gate_run, config, "merge", snapshots=True)
    show(
        f"merged {len(shard_dirs)} shards of {candidate.suite.name} ({candidate.suite.hash})",
        gate_run.result,
        written,
    )
    return int(exit_code(gate_run.result))


@click.command("merge-snapshots")
@click.argument(
    "snapshots",
    metavar="SNAPSHOT...",
    nargs=-1,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the merged snapshot (for example the baseline to commit).",
)
def merge_snapshot_files(snapshots: tuple[Path, ...], output: Path) -> int:
    """Merge shard snapshots of one model (from `baseline --shard I/N`) into one."""
    merged = _merged(list(snapshots))
    save_snapshot(merged, output)
    click.echo(
        f"merged {wording.count(len(snapshots), 'shard')}: "
        f"{wording.count(len(merged.results), 'result')} for {merged.model.model} -> {output}"
    )
    return 0
