"""The gate run: evaluate, assemble the reference, gate; and re-gating stored snapshots.

This is where the stages meet: config -> suite -> endpoints -> judge -> snapshots ->
gate. Side effects (HTTP session, environment, clock, progress display) come in as
arguments so tests and the Action can supply their own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from safety_regression.config import Config, JudgeKind
from safety_regression.config.budgets import check_priced, scorer_endpoints
from safety_regression.errors import ConfigError, RunStopped
from safety_regression.judges import judge_models
from safety_regression.judges.base import Judge
from safety_regression.judges.family import same_family_warnings
from safety_regression.pipeline.assembly import (
    baseline_lacks_toxicity,
    baseline_not_there,
    check_categories,
    closing_notes,
    config_suite,
    evaluate_live,
    load_baseline,
    model_snapshot,
    no_base,
    nothing,
    other_base_warnings,
    plan_guard,
    removed_warnings,
    require_base,
    suite_comparison,
)
from safety_regression.pipeline.budget import budget_hold, with_usage
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.holds import Hold, stop_hold
from safety_regression.pipeline.identity import run_identity
from safety_regression.pipeline.rejudge import baseline_for
from safety_regression.snapshot import Snapshot, reusable_results
from safety_regression.suites import Shard, Suite

if TYPE_CHECKING:
    # The gate (and with it scipy) loads only when a run is gated, so a run's requests
    # need not wait for it: the CLI imports it in the background meanwhile (see
    # ``GATE_MODULES``).
    from safety_regression.gate import GateResult
    from safety_regression.gate.result import Drift, SuiteComparison
    from safety_regression.judges.calibration import JudgeErrorRates

from safety_regression.endpoints.metering import RunUsage
from safety_regression.wording import count

GATE_MODULES = ("safety_regression.gate", "safety_regression.judges.calibration")


@dataclass(frozen=True)
class GateRun:
    reference: Snapshot
    candidate: Snapshot
    result: GateResult
    notes: list[str]
    """Things the user should know that are not part of the verdict (cache reuse, baseline state)."""
    stopped: str | None = None
    """Why the run stopped before it had asked everything; the verdict is then inconclusive."""
    holds: tuple[Hold, ...] = ()
    """What made the result inconclusive from outside the statistics, in the order applied;
    a re-gate of the snapshots (review decisions) applies them again."""


async def evaluate_model(config: Config, role: str, env: Environment, shard: Shard | None = None) -> Snapshot:
    """Evaluate the suite (or one shard of it) against ``base`` or ``finetuned``."""
    suite = config_suite(config, env.warn)
    check_categories(config, suite.cases)
    identity = run_identity(config, command=f"evaluate {role}", suite_hash=suite.hash, shard=shard)
    guard = env.begin_run(identity, config)
    check_priced(config, [(role, getattr(config, role)), *scorer_endpoints(config)])
    env.model(config, role)  # a config mistake fails before any request is sent
    await env.preflight(config, role)
    await env.preflight_scorers(config)
    # No error-budget stop here: the error budget is the gate's, and a baseline keeps its
    # errors as errors, asked again live by every run. Only run.deadline stops it.
    snapshot = await _evaluate_suite(suite, env.judge(config), config, role, env, shard)
    if guard.stopped is not None:
        raise RunStopped(guard.stopped)
    env.finish_run()
    notice = env.reuse_notice()  # stored, so merge-snapshots and later reports say it too
    return snapshot.model_copy(update={"notices": (notice,)}) if notice else snapshot


async def _evaluate_suite(
    suite: Suite, judge: Judge, config: Config, role: str, env: Environment, shard: Shard | None
) -> Snapshot:
    endpoint, settings = env.model(config, role)
    results = await evaluate_live(list(suite.cases_in(shard)), endpoint, judge, config, role, env)
    return model_snapshot(
        results, endpoint.identity, settings.model, suite, judge, config, env, shard, settings.revision
    )


@dataclass(frozen=True)
class Measurement:
    """Both models' results on the suite (or a shard), before any gating."""

    reference: Snapshot
    candidate: Snapshot
    comparison: SuiteComparison
    drift: Drift | None
    notes: list[str]
    usage: RunUsage | None = None
    """What the run spent; ``usage.stopped`` says why it stopped early, if a budget did."""
    warnings: list[str] = field(default_factory=list)
    """Warnings every report carries: a configured baseline not there yet, categories the
    baseline has and the suite no longer has."""
    notices: list[str] = field(default_factory=list)
    """Loud notices every report must carry (see ``GateResult.notices``)."""
    stopped: str | None = None
    """Why the run stopped before it had asked everything (circuit breaker, deadline)."""


async def measure(
    config: Config, env: Environment, *, check_drift: bool = False, shard: Shard | None = None
) -> Measurement:
    """Evaluate the fine-tuned model and assemble the reference: the baseline where it
    holds the case, the live base model where it does not."""
    if shard is not None and config.gate.sequential.enabled:
        raise ConfigError("gate.sequential: a sequential run looks at whole categories; it cannot be sharded")
    suite = config_suite(config, env.warn)
    check_categories(config, suite.cases)
    command = "run --check-drift" if check_drift else "run"
    guard = env.begin_run(run_identity(config, command=command, suite_hash=suite.hash, shard=shard), config)
    env.model(config, "finetuned")  # fail on a config mistake before any request is sent
    cases = suite.cases_in(shard)
    notes: list[str] = []
    baseline = load_baseline(config)  # a bad baseline stops the run before any request
    # run.max_cost must see everything the run may spend: the fine-tune, the judge, and
    # base when it is asked every case (its other cases are known once the baseline is read).
    asks_base = bool(cases) and (check_drift or baseline is None)
    check_priced(
        config,
        [("finetuned", config.finetuned), *scorer_endpoints(config)]
        + ([("base", config.base)] if asks_base else []),
    )
    if cases and config.base is not None and (check_drift or baseline is None) and _built_in(config):
        # Both models will be asked: check the scorers, then both endpoints, now, and load
        # the built-in judge while the checks wait on the network (all done before any
        # case is sent; a rejected scorer still stops the run before any model is asked).
        env.model(config, "base")
        judge = await env.judge_while_checking(config, [_check_all(config, env)])
    elif cases and config.base is not None and _built_in(config):
        # The judge's id decides which baseline results are reused, and so whether base is
        # asked at all: check the scorers and the fine-tuned endpoint while the built-in
        # judge loads (base is checked below if any of its cases is asked).
        judge = await env.judge_while_checking(config, [_check_all(config, env, ("finetuned",))])
    else:
        judge = env.judge(config)
        require_base(config, baseline, suite, cases, judge.id)  # short of cases and no base: stop
    await env.preflight_scorers(config)  # before the baseline is re-judged or any case judged
    plan_guard(guard, config, len(cases), base=not check_drift)  # before the re-judging, too
    wanted = {c.id: c.content_hash for c in cases}
    baseline = await baseline_for(baseline, judge, config, notes, wanted, guard)
    in_shard = {case.id for case in cases}
    reused = [
        r
        for r in (reusable_results(baseline, suite, judge.id, config.sampling) if baseline else [])
        if r.case_id in in_shard
    ]
    reused_keys = {r.key for r in reused}
    missing = [
        case for case in cases if any((case.id, s) not in reused_keys for s in range(config.sampling.samples))
    ]
    if baseline is not None and missing:
        notes.append(
            f"The baseline does not cover {len(missing)} of {count(len(cases), 'case')}"
            f"{_why_not_reused(baseline, judge.id, config)}; they are evaluated live against base."
        )
    live_cases = list(cases) if check_drift else missing
    # A baseline with no toxicity scores leaves nothing to compare: score nothing.
    env.toxicity_skipped = baseline_lacks_toxicity(config, reused, len(live_cases))
    if live_cases and config.base is None:
        raise no_base(len(missing))
    # Check each endpoint before the suite is sent: a wrong key, model or URL fails in
    # seconds with the setting to fix, not after thousands of failed requests.
    if live_cases:
        check_priced(config, [("base", config.base)])
        env.model(config, "base")
    await env.preflight_models(config, ("finetuned", "base") if live_cases else ("finetuned",))
    if baseline is None and config.baseline is not None and live_cases:
        env.warn(baseline_not_there(config))  # now, before base is asked: not only in the report
    base_identity: str | None = None
    base_model = baseline.model.model if baseline else ""
    base_revision = baseline.model.revision if baseline else None
    asking_base = None
    if live_cases:
        base_endpoint, base_settings = env.model(config, "base")
        base_identity, base_model = base_endpoint.identity, base_settings.model
        base_revision = base_settings.revision
        asking_base = evaluate_live(live_cases, base_endpoint, judge, config, "base", env)
    # Both models are asked at once; each endpoint's own concurrency limit still holds.
    candidate, live = await asyncio.gather(
        _evaluate_suite(suite, judge, config, "finetuned", env, shard), asking_base or nothing()
    )
    env.settle_imports()
    from safety_regression.gate.drift import measure_drift

    drift = measure_drift(reused, live, config.judge.partial_counts_as) if check_drift and reused else None
    # The committed baseline stays the reference of record; live answers fill its gaps.
    reference_results = reused + [r for r in live if r.key not in reused_keys]
    reference = model_snapshot(
        reference_results, base_identity, base_model, suite, judge, config, env, shard, base_revision
    )
    comparison = suite_comparison(
        suite.name,
        suite.hash,
        {case.id: case.content_hash for case in cases},
        baseline,
        from_baseline=len({r.case_id for r in reused}),
        evaluated_live=len({r.case_id for r in live if r.key not in reused_keys}),
        # A shard gates part of the suite: the baseline's other cases are not removed ones.
        suite_ids=None if shard is None else [case.id for case in suite.cases],
    )
    env.finish_run()
    warnings = [
        *suite.warnings,
        *closing_notes(env, notes, baseline, reference, candidate, config),
        *removed_warnings(comparison),
    ]
    if baseline is not None and reused and config.base is not None:
        warnings += other_base_warnings(baseline, config.base)
    notice = env.reuse_notice()
    if notice:
        # Stored with the answers, so that merge and compare of these snapshots say it too.
        candidate = candidate.model_copy(update={"notices": (*candidate.notices, notice)})
    return Measurement(
        reference,
        candidate,
        comparison,
        drift,
        notes,
        env.meter.usage(),
        warnings,
        [notice] if notice else [],
        guard.stopped,
    )


async def run_gate(
    config: Config,
    env: Environment,
    *,
    check_drift: bool = False,
    previous: tuple[Snapshot, Snapshot] | None = None,
) -> GateRun:
    """Measure both models on the whole suite and gate.

    With ``gate.sequential`` the harm categories are asked in batches and stop once
    decided; ``previous`` (the reference and fine-tuned snapshots already in the output
    folder) lets a rerun continue that run's look history instead of restarting it.
    """
    if config.gate.sequential.enabled:
        if check_drift:
            raise ConfigError("gate.sequential: --check-drift needs every case asked; turn one of them off")
        env.settle_imports()
        from safety_regression.pipeline.sequential import measure_sequential

        measured = await measure_sequential(config, env, previous)
    else:
        measured = await measure(config, env, check_drift=check_drift)
    # Imported only now: the gate (and scipy) loads on a thread while the requests are
    # under way (``GATE_MODULES``); importing it first would hold back the first request.
    env.settle_imports()
    from safety_regression.gate import evaluate_gate

    context = judge_context(
        config, [measured.reference.model.model, measured.candidate.model.model], measured.candidate.judge
    )
    context["warnings"] = [*context["warnings"], *measured.warnings]
    result = evaluate_gate(
        measured.reference,
        measured.candidate,
        config.gate,
        config.judge.partial_counts_as,
        suite=measured.comparison,
        drift=measured.drift,
        **context,
    )
    usage = env.meter.usage()
    result = with_usage(result, usage)
    if measured.notices:
        result = result.model_copy(update={"notices": [*measured.notices, *result.notices]})
    holds = [h for h in (budget_hold(usage),) if h is not None]
    if measured.stopped is not None:
        # A run that stopped early measured only part of the suite, whatever the partial numbers say.
        holds.append(stop_hold(measured.stopped))
        result = holds[-1].apply(result)
    return GateRun(
        measured.reference, measured.candidate, result, measured.notes, measured.stopped, tuple(holds)
    )


class JudgeContext(TypedDict):
    judge_errors: JudgeErrorRates | None
    warnings: list[str]


def judge_context(config: Config, evaluated_models: list[str], judge: str | None = None) -> JudgeContext:
    """What the report should say about the judge: its error rates (a configured calibration
    file's, which take precedence; else, for the built-in judge ``judge``, its published
    ones), and a warning when it shares the evaluated models' family."""
    from safety_regression.judges.calibration import error_rates_in_use, load_error_rates

    rates = load_error_rates(config.judge.calibration) if config.judge.calibration else None
    if judge is not None:
        rates = error_rates_in_use(rates, judge)
    return JudgeContext(
        judge_errors=rates, warnings=same_family_warnings(judge_models(config.judge), evaluated_models)
    )


async def _check_all(
    config: Config, env: Environment, roles: tuple[str, ...] = ("finetuned", "base")
) -> None:
    await env.preflight_scorers(config)
    await env.preflight_models(config, roles)


def _built_in(config: Config) -> bool:
    """The built-in judge: it asks no endpoint, so nothing about it needs checking first."""
    return config.judge.kind is JudgeKind.RULES


def _why_not_reused(baseline: Snapshot, judge_id: str, config: Config) -> str:
    if baseline.judge != judge_id:
        return f" (it was labelled by {baseline.judge}, this run judges with {judge_id})"
    if baseline.sampling != config.sampling:
        return " (it was sampled with other settings)"
    return ""
