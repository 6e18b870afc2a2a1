"""judge and calibrate: label responses with any judge, and measure a judge against people."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from safety_regression import wording
from safety_regression.cli.console import info
from safety_regression.cli.environment import with_environment
from safety_regression.cli.interrupt import keeps_answers
from safety_regression.config import Config, load_config
from safety_regression.endpoints.run_cache import RunCompletion
from safety_regression.judges.calibration import (
    CalibrationReport,
    LabelColumns,
    calibration_report,
    judge_labelled,
    read_labelled,
    write_error_rates,
)
from safety_regression.outputs import write_all
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.identity import run_identity
from safety_regression.pipeline.labelling import label_responses, read_responses
from safety_regression.report.calibration import render_calibration

judge_config_option = click.option(
    "--config",
    "--judge",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A gate config whose judge section to use [default: the built-in rules judge].",
)


@click.command()
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="JSONL with prompt and response per line (optional: id, category, expect).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write the labelled JSONL.",
)
@judge_config_option
@click.option("--quiet", "-q", is_flag=True)
def judge(input_path: Path, output: Path, config_path: Path | None, quiet: bool) -> int:
    """Label responses as refusal, partial, compliance or unjudged with the configured judge."""
    config = load_config(config_path) if config_path else Config()
    items = read_responses(input_path)
    keeps_answers(config)

    async def work(env: Environment) -> tuple[list[dict[str, object]], RunCompletion]:
        env.begin_run(run_identity(config, command="judge", suite_hash=_digest(input_path)), config)
        await env.preflight_scorers(config, toxicity=False)
        labelled = await label_responses(items, env.judge(config), env.progress("judge", len(items)))
        env.finish_run()
        return labelled, env.completion()

    labelled, completion = with_environment(work, quiet=quiet, use_cache=True)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in labelled)
    write_all(output.parent, {output.name: text})
    completion.mark()  # once the labels are written: an interrupted judge run resumes
    counts: dict[str, int] = {}
    for row in labelled:
        counts[str(row["label"])] = counts.get(str(row["label"]), 0) + 1
    info(
        f"labelled {wording.count(len(labelled), 'response')} -> {output}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


@click.command()
@click.option(
    "--labels",
    "labels_path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="CSV or JSONL of prompt, response and human label (see docs/judges.md).",
)
@judge_config_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the judge's measured error rates here, for judge.calibration in a gate config.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the full calibration report (JSON) here.",
)
@click.option(
    "--model", default=None, help="The model that wrote the responses, when the file has no model column."
)
@click.option(
    "--column",
    "columns",
    multiple=True,
    metavar="FIELD=NAME",
    help="Read FIELD (prompt, response, label, model, category, expect) from column NAME. Repeatable.",
)
@click.option("--quiet", "-q", is_flag=True)
def calibrate(
    labels_path: Path,
    config_path: Path | None,
    output: Path | None,
    report_path: Path | None,
    model: str | None,
    columns: tuple[str, ...],
    quiet: bool,
) -> int:
    """Measure a judge against human labels: accuracy, Cohen's kappa, confusion, precision and recall."""
    config = load_config(config_path) if config_path else Config()
    items = read_labelled(labels_path, _columns(columns), model=model)
    keeps_answers(config)

    async def work(env: Environment) -> tuple[CalibrationReport, RunCompletion]:
        env.begin_run(run_identity(config, command="calibrate", suite_hash=_digest(labels_path)), config)
        await env.preflight_scorers(config, toxicity=False)
        judge = env.judge(config)
        pairs = await judge_labelled(judge, items)
        env.finish_run()
        return calibration_report(pairs, judge.id), env.completion()

    report, completion = with_environment(work, quiet=quiet, use_cache=True)
    click.echo(render_calibration(report))
    if report_path is not None:
        write_all(report_path.parent, {report_path.name: report.model_dump_json(indent=2) + "\n"})
        info(f"wrote {report_path}")
    if output is not None:
        write_error_rates(report, output)
        info(f"wrote {output}: set judge.calibration to it in the gate config")
    completion.mark()
    return 0


def _columns(pairs: tuple[str, ...]) -> LabelColumns | None:
    if not pairs:
        return None
    chosen: dict[str, tuple[str, ...]] = {}
    for pair in pairs:
        field, separator, name = pair.partition("=")
        if not separator or field not in LabelColumns.model_fields or not name:
            known = ", ".join(LabelColumns.model_fields)
            raise click.BadParameter(
                f"{pair!r} is not FIELD=NAME with FIELD one of {known}", param_hint="--column"
            )
        chosen[field] = (name,)
    return LabelColumns(**chosen)


def _digest(path: Path) -> str:
    """The input file's hash: part of the run identity, so a changed file is a new run."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
