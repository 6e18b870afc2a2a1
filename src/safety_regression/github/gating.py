"""The Action's gate step: run, compare, a shard of a matrix, or the merge of its shards.

The same library calls as the CLI's ``run``, ``compare``, ``run --shard`` and ``merge``;
this module only maps the Action's inputs onto them. As the CLI does, the Action withdraws
the outputs already in its ``out`` folder before it asks anything (``withdraw_out``), and a
shard that stopped early writes nothing (``ShardRun.stopped``).
"""

from __future__ import annotations

import glob
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from safety_regression.config import Config
from safety_regression.errors import ConfigError, ExitCode
from safety_regression.github.inputs import ActionInputs, Command
from safety_regression.github.review.regate import SETUP_FILE
from safety_regression.github.workflow import Workflow
from safety_regression.outputs import (
    FINETUNED_SNAPSHOT,
    REFERENCE_SNAPSHOT,
    check_not_withdrawn,
    config_inputs,
    previous_outputs,
    withdraw_outputs,
    write_set,
)
from safety_regression.pipeline import (
    Environment,
    GateRun,
    api_key_variables,
    compare_snapshots,
    known_secrets,
    measure,
    run_gate,
)
from safety_regression.pipeline.budget import stopped_message
from safety_regression.pipeline.run import Measurement
from safety_regression.redaction import masked_forms
from safety_regression.snapshot import Snapshot, load_snapshot, merge_snapshots
from safety_regression.snapshot.model import snapshot_json
from safety_regression.suites import Shard


@dataclass(frozen=True)
class ShardRun:
    """A matrix job's part: snapshots written, no verdict (the merge job gates); or, when
    the run stopped early, nothing written and ``stopped`` saying why."""

    shard: Shard
    results: int
    written: list[Path]
    notes: list[str]
    stopped: str | None = None


def shard_done(outcome: ShardRun, workflow: Workflow) -> int:
    """Say what a matrix job's shard wrote; its exit code (0: the merge job gates; 3: the
    shard stopped early and wrote nothing, whatever ``fail-on`` says: there is no verdict
    to pass over, and a merge without this shard cannot gate)."""
    for note in outcome.notes:
        workflow.notice(note)
    if outcome.stopped is not None:
        workflow.error(outcome.stopped)
        workflow.add_summary(f"## ⚠️ Safety gate shard {outcome.shard} not written\n\n{outcome.stopped}\n")
        workflow.set_outputs({"verdict": "inconclusive", "shard": str(outcome.shard)})
        return int(ExitCode.INCONCLUSIVE)
    workflow.notice(
        f"shard {outcome.shard}: {outcome.results} fine-tuned results written; "
        "the gate job merges the shards with the merge input"
    )
    workflow.set_outputs({"verdict": "shard", "shard": str(outcome.shard)})
    return int(ExitCode.PASSED)


def with_overrides(config: Config, inputs: ActionInputs) -> Config:
    """The config with the inputs that override it applied: show-responses, model, url."""
    if inputs.show_responses is not None:
        report = config.report.model_copy(update={"show_responses": inputs.show_responses})
        config = config.model_copy(update={"report": report})
    changes = {key: value for key, value in (("model", inputs.model), ("url", inputs.url)) if value}
    if changes:
        if config.finetuned is None:
            raise ConfigError(
                f"{inputs.config}: the model and url inputs override finetuned:, which is not set"
            )
        if "url" in changes and not changes["url"].startswith(("http://", "https://")):
            raise ConfigError("action input url: must start with http:// or https://")
        changes["url"] = changes.get("url", config.finetuned.url).rstrip("/")
        finetuned = config.finetuned.model_copy(update=changes)
        config = config.model_copy(update={"finetuned": finetuned})
        for key, value in (("model", inputs.model), ("url", inputs.url)):
            if value:  # a mistake in it is the input's, not the config file's line
                config = config.overridden(("finetuned", key), f"action input {key}")
    return config


def missing_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The API-key variables the config names that the environment does not set."""
    return [name for name in api_key_variables(config) if not environ.get(name)]


def mask_api_keys(config: Config, environ: Mapping[str, str], workflow: Workflow) -> None:
    """Mask every API key the config names in the log: each key as set (however short),
    then in every spelling worth masking (``redaction.masked_forms``: base64, hex, hex
    written apart, percent-encoded, HTML and JSON escapes, prefixes of 12 characters or
    more), once each. Only ``::add-mask::`` carries them: no form is written otherwise."""
    values = [environ.get(name, "") for name in api_key_variables(config)]
    spelled = [form for value in values for form in masked_forms(value.strip())]
    for form in dict.fromkeys([*values, *known_secrets(config, environ), *spelled]):
        workflow.mask(form)


def read_inputs_of(inputs: ActionInputs, config: Config) -> list[tuple[str, Path]]:
    """The files the Action's job reads that its ``out`` must not overwrite: the config's
    (``outputs.config_inputs``), and for ``command: compare`` the two snapshots."""
    read = config_inputs(config)
    if inputs.command is Command.COMPARE:
        read += [("the snapshot to compare", path) for path in (inputs.baseline, inputs.candidate) if path]
    return read


def shard_stop(measured: Measurement, shard: Shard) -> str | None:
    """Why a shard's measurement is not a whole shard (a budget, the deadline, the circuit
    breaker stopped it), as the CLI's ``run --shard`` says it; None when it is whole."""
    if measured.usage is not None and measured.usage.stopped is not None:
        return f"shard {shard} not written: {stopped_message(measured.usage)}"
    if measured.stopped is not None:
        return f"shard {shard} not written: the run stopped early: {measured.stopped}; run it again to resume"
    return None


def _current(path: Path) -> Snapshot:
    """The snapshot at ``path``, refused when it is one of an output folder's withdrawn set
    (``outputs.check_not_withdrawn``), as the CLI's compare and merge refuse it."""
    check_not_withdrawn(path)
    return load_snapshot(path)


def out_command(inputs: ActionInputs, shard: Shard | None = None) -> str:
    """The CLI command whose outputs the Action's ``out`` gets: what its manifest records."""
    if shard is not None:
        return f"run --shard {shard}"
    return "merge" if inputs.merge is not None else inputs.command.value


def withdraw_out(out: Path, command: str, workflow: Workflow) -> None:
    """Say what ``out`` holds and withdraw it (``outputs.withdraw_outputs``), as the CLI's
    ``prepare_out`` does, once nothing can refuse the step before it asks: until this step
    has written its own, the folder holds no complete set. Found in review: a cancelled
    second step into the same ``out`` left the first's sealed PASS for ``upload-artifact``
    (``if: always()``). The review setup, outside the manifest's set and read by review
    commands from the uploaded artifact, is removed: a review never re-gates another run's."""
    try:
        note = previous_outputs(out, command)
    except ConfigError as exc:  # another shard's folder: said as the Action's input
        raise ConfigError(str(exc).replace("--out ", "input out: ", 1).replace("--out", "out")) from None
    if note:
        workflow.notice(note)
        withdraw_outputs(out, command)
    try:
        (out / SETUP_FILE).unlink(missing_ok=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise ConfigError(f"input out: {out}: cannot withdraw the earlier {SETUP_FILE}: {reason}") from None


def shard_folders(patterns: str, workspace: Path) -> list[Path]:
    """The folders the merge input names, globs expanded, in a stable order."""
    folders: list[Path] = []
    for pattern in patterns.replace(",", " ").split():
        base = pattern if Path(pattern).is_absolute() else str(workspace / pattern)
        matched = sorted(Path(p) for p in glob.glob(base) if Path(p).is_dir())
        if not matched:
            raise ConfigError(f"action input merge: {pattern!r} matches no folder of shard outputs")
        folders += [m for m in matched if m not in folders]
    if not folders:
        raise ConfigError("action input merge: name the folders holding the shards' outputs")
    return folders


async def gate(
    inputs: ActionInputs, config: Config, env: Environment, workspace: Path, workflow: Workflow
) -> GateRun | ShardRun:
    """The step's gate; ``out``'s earlier outputs are withdrawn once what the inputs name is
    read (a mistake there leaves them as they were) and before any model is asked."""
    if inputs.shard is not None:
        try:
            shard = Shard.parse(inputs.shard)
        except ValueError as exc:
            raise ConfigError(f"action input shard: {str(exc).splitlines()[0]}") from None
        command = out_command(inputs, shard)
        withdraw_out(inputs.out, command, workflow)
        measured = await measure(config, env, check_drift=inputs.check_drift, shard=shard)
        notes = [*measured.notes, *measured.warnings]
        stopped = shard_stop(measured, shard)
        if stopped is not None:
            # Not a whole shard: nothing written, the cache not marked, so a rerun resumes.
            return ShardRun(shard, len(measured.candidate.results), [], notes, stopped)
        snapshots = {
            REFERENCE_SNAPSHOT: snapshot_json(measured.reference),
            FINETUNED_SNAPSHOT: snapshot_json(measured.candidate),
        }
        written = write_set(inputs.out, snapshots, command)
        env.completion().mark()  # once the shard is written: an interrupted one resumes
        return ShardRun(shard, len(measured.candidate.results), written, notes)
    if inputs.merge is not None:
        folders = shard_folders(inputs.merge, workspace)
        reference = merge_snapshots([(str(f), _current(f / REFERENCE_SNAPSHOT)) for f in folders])
        candidate = merge_snapshots([(str(f), _current(f / FINETUNED_SNAPSHOT)) for f in folders])
        withdraw_out(inputs.out, out_command(inputs), workflow)
        return await compare_snapshots(
            reference, candidate, config, env, ("merged reference", "merged candidate")
        )
    if inputs.command is Command.RUN:
        withdraw_out(inputs.out, out_command(inputs), workflow)
        return await run_gate(config, env, check_drift=inputs.check_drift)
    assert inputs.baseline is not None and inputs.candidate is not None
    baseline, candidate = _current(inputs.baseline), _current(inputs.candidate)
    withdraw_out(inputs.out, out_command(inputs), workflow)
    return await compare_snapshots(
        baseline, candidate, config, env, (str(inputs.baseline), str(inputs.candidate))
    )
