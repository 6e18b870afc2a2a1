"""The sequential run (``gate.sequential``): ask harm categories in batches, stop once decided.

Each harm category's source prompts are asked in their pre-registered order, one batch
per look; benign and capability cases are asked whole with the first batch. After each
batch the gate takes a look (``gate.sequential.take_look``, pure) at every undecided
category; a decided one is asked nothing more. The look history goes into the fine-tuned
snapshot. A run that finishes marks its response cache complete, as a fixed run does, so
a rerun is a new run that asks every case again (a fine-tune redeployed under the same
name is never gated on its predecessor's answers); an interrupted run resumes from the
cache, and the same answers in the same pre-registered order take the same looks again.
A rerun into a folder whose history has another design (seed, looks, margin, alpha,
min_effect, holm, min_base_rate, sampling, suite; not the judge) is refused, before the
CLI says the folder's outputs are replaced (``check_rerun_design``): changing the design
and asking again until a category passes would spend alpha once per try.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

from safety_regression.config import Config
from safety_regression.config.budgets import check_priced, scorer_endpoints
from safety_regression.endpoints.base import FAILED_OUTCOMES
from safety_regression.errors import ConfigError
from safety_regression.gate.abstentions import vote_abstentions
from safety_regression.gate.levels import check_level
from safety_regression.gate.pairing import pair
from safety_regression.gate.redesign import decision_settings, setting_differs
from safety_regression.gate.sequential import batch, pass_rule, preregistered_order, take_look
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
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.identity import run_identity
from safety_regression.pipeline.rejudge import baseline_for
from safety_regression.pipeline.run import Measurement
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, build_snapshot, reusable_results
from safety_regression.snapshot.sequential import (
    HISTORY_VERSION,
    SequentialCategory,
    SequentialHistory,
    SequentialLook,
)
from safety_regression.suites import Case, Suite
from safety_regression.suites.model import Expect

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


async def measure_sequential(
    config: Config, env: Environment, previous: tuple[Snapshot, Snapshot] | None = None
) -> Measurement:
    """Both models' results on the cases the sequential design asked, with its look history."""
    design = config.gate.sequential
    suite = config_suite(config, env.warn)
    check_categories(config, suite.cases)
    # The circuit breaker and run.deadline watch a sequential run as they do a fixed one.
    guard = env.begin_run(run_identity(config, command="run", suite_hash=suite.hash), config)
    stored = load_baseline(config)
    # As in a fixed run: run.max_cost must see the fine-tune, the judge, and base when it
    # is asked every case (whether it is asked at all is known once the baseline is read).
    asks_base = [("base", config.base)] if stored is None else []
    check_priced(config, [("finetuned", config.finetuned), *scorer_endpoints(config), *asks_base])
    finetuned_endpoint, finetuned_settings = env.model(config, "finetuned")
    judge = env.judge(config)
    require_base(config, stored, suite, suite.cases, judge.id)  # before any endpoint is asked
    await env.preflight_scorers(config)
    notes: list[str] = []
    # The most each snapshot can hold (the fixed design's): the breaker trips only once the
    # failures would exceed the error budget even then, so the gate could not be conclusive.
    plan_guard(guard, config, len(suite.cases))
    wanted = {c.id: c.content_hash for c in suite.cases}
    baseline = await baseline_for(stored, judge, config, notes, wanted, guard)
    reused = reusable_results(baseline, suite, judge.id, config.sampling) if baseline else []
    reused_by_case: dict[str, list[CaseResult]] = defaultdict(list)
    for result in reused:
        reused_by_case[result.case_id].append(result)

    def covered(case: Case) -> bool:
        return len(reused_by_case.get(case.id, [])) >= config.sampling.samples

    # A baseline with no toxicity scores that covers the suite leaves nothing to compare.
    env.toxicity_skipped = baseline_lacks_toxicity(config, reused, sum(not covered(c) for c in suite.cases))

    harm = _harm(suite)
    always = [case for case in suite.cases if case.expect is not Expect.REFUSE]
    alpha = check_level(config.gate, suite.cases)  # the level plan and the fixed gate use
    orders = {name: preregistered_order(clusters, design.seed, name) for name, clusters in harm.items()}
    histories = {
        name: SequentialCategory(
            name=name,
            alpha=alpha,
            order=orders[name],
            pass_rule=pass_rule(
                (len(cases) for cases in harm[name].values()),
                config.sampling.samples,
                design.looks,
                alpha,
                config.gate.margin,
            ),
        )
        for name in harm
    }

    finetuned_results: list[CaseResult] = []
    live_base: list[CaseResult] = []
    asked: set[str] = set()
    follows = _check_rerun(config, previous, suite, orders, alpha)
    uncovered = [case for case in suite.cases if case.id not in asked and not covered(case)]
    if uncovered and config.base is None:
        # Checked before any request: a later batch may need the base model.
        raise no_base(len(uncovered))
    if uncovered:
        check_priced(config, [("base", config.base)])
    base_endpoint = env.model(config, "base") if uncovered else None
    for look in range(design.looks):
        to_ask = [case for case in always if case.id not in asked] if look == 0 else []
        for name, history in histories.items():
            if history.decision != "continue" or len(history.looks) > look:
                continue
            for cluster in batch(history.order, design.looks, look):
                to_ask += [case for case in harm[name][cluster] if case.id not in asked]
        asked.update(case.id for case in to_ask)
        missing = [case for case in to_ask if not covered(case)]
        if to_ask:
            # As in a fixed run, each model is checked before its first case (once: the
            # environment remembers); a rerun with every category decided sends nothing.
            asking = bool(missing) and base_endpoint is not None
            await env.preflight_models(config, ("finetuned", "base") if asking else ("finetuned",))
            if look == 0 and stored is None and config.baseline is not None and asking:
                env.warn(baseline_not_there(config))  # before base is asked, not only in the report
        asking_base = (
            evaluate_live(missing, base_endpoint[0], judge, config, "base", env)
            if missing and base_endpoint is not None
            else nothing()
        )
        finetuned_batch, base_batch = await asyncio.gather(
            evaluate_live(to_ask, finetuned_endpoint, judge, config, "finetuned", env), asking_base
        )
        finetuned_results += finetuned_batch
        live_base += base_batch
        reference, candidate = _pair_snapshots(
            reused, live_base, finetuned_results, asked, suite, judge.id, config
        )
        # The labels the gate will see: a vote member's abstentions, over the error budget
        # of the answers so far, make those answers unjudged here too, so no look decides
        # on a crippled vote's labels.
        reference, candidate, _ = vote_abstentions(reference, candidate, config.gate)
        pairing = pair(reference, candidate, config.judge.partial_counts_as)
        by_category = pairing.of(Expect.REFUSE)
        for name, history in list(histories.items()):
            if history.decision != "continue" or len(history.looks) > look:
                continue
            taken: SequentialLook = take_look(
                name,
                history.order,
                look,
                by_category.get(name, []),
                pairing.unanswered_in(Expect.REFUSE, name),
                alpha=history.alpha,
                settings=config.gate,
                partial=config.judge.partial_counts_as,
                rule=history.pass_rule,
            )
            histories[name] = history.model_copy(update={"looks": (*history.looks, taken)})
        if guard.stopped is not None or env.meter.stopped is not None:
            break  # the run stopped (breaker, deadline, budget): no later look is taken

    samples = config.sampling.samples
    fixed = len(suite.cases) * samples + sum(samples for case in suite.cases if not covered(case))
    record = SequentialHistory(
        version=HISTORY_VERSION,
        looks=design.looks,
        seed=design.seed,
        margin=config.gate.margin,
        alpha=config.gate.alpha,
        min_effect=config.gate.min_effect,
        holm=config.gate.holm,
        min_base_rate=config.gate.min_base_rate,
        categories=tuple(histories[name] for name in sorted(histories)),
        # Answers, not results: a request a budget stopped (or that failed) is no answer used.
        requests=sum(1 for r in (*finetuned_results, *live_base) if r.outcome not in FAILED_OUTCOMES),
        fixed_requests=fixed,
    )
    in_asked = [r for r in reused if r.case_id in asked]
    reference_results = in_asked + live_base
    base_identity = base_endpoint[0].identity if base_endpoint else None
    base_model = base_endpoint[1].model if base_endpoint else (baseline.model.model if baseline else "")
    reference = model_snapshot(reference_results, base_identity, base_model, suite, judge, config, env)
    candidate = model_snapshot(
        finetuned_results, finetuned_endpoint.identity, finetuned_settings.model, suite, judge, config, env
    ).model_copy(update={"sequential": record})
    comparison = suite_comparison(
        suite.name,
        suite.hash,
        {case.id: case.content_hash for case in suite.cases},
        baseline,
        from_baseline=len({r.case_id for r in in_asked}),
        evaluated_live=len({r.case_id for r in live_base}),
    )
    stopped = guard.stopped is not None or env.meter.stopped is not None
    if follows:
        notes.append(_rerun_note(env))
    fewer = record.fixed_requests - record.requests
    saved = "the run stopped early: no saving" if stopped else f"{fewer} fewer"
    notes.append(
        f"gate.sequential: {record.requests} model answers used where the fixed design uses "
        f"{record.fixed_requests} ({saved}); the requests actually sent are under usage."
    )
    env.finish_run()
    warnings = [
        *suite.warnings,
        *closing_notes(env, notes, baseline, reference, candidate, config),
        *removed_warnings(comparison),
    ]
    if baseline is not None and in_asked and config.base is not None:
        warnings += other_base_warnings(baseline, config.base)
    notice = env.reuse_notice()  # cache.reuse: completed replayed answers: every report says so
    if notice:
        # Stored with the answers, so that merge and compare of these snapshots say it too.
        candidate = candidate.model_copy(update={"notices": (*candidate.notices, notice)})
    return Measurement(
        reference,
        candidate,
        comparison,
        None,
        notes,
        env.meter.usage(),
        warnings,
        [notice] if notice else [],
        guard.stopped,
    )


def check_rerun_design(config: Config, previous: tuple[Snapshot, Snapshot] | None) -> None:
    """Before a sequential run starts (and before the CLI says it replaces the folder's
    outputs): a ConfigError when the folder's look history has another design."""
    if previous is None or previous[1].sequential is None:
        return
    suite = config_suite(config)
    orders = {
        name: preregistered_order(clusters, config.gate.sequential.seed, name)
        for name, clusters in _harm(suite).items()
    }
    _check_rerun(config, previous, suite, orders, check_level(config.gate, suite.cases))


def _harm(suite: Suite) -> dict[str, dict[str, list[Case]]]:
    """Each harm category's cases by source prompt."""
    harm: dict[str, dict[str, list[Case]]] = defaultdict(lambda: defaultdict(list))
    for case in suite.cases:
        if case.expect is Expect.REFUSE:
            harm[case.category][case.source_id or case.id].append(case)
    return harm


def _check_rerun(
    config: Config,
    previous: tuple[Snapshot, Snapshot] | None,
    suite: Suite,
    orders: dict[str, tuple[str, ...]],
    alpha: float,
) -> bool:
    """Whether this run follows a look history of the same fine-tuned model in the output
    folder; a ConfigError when that history has another design."""
    if previous is None or previous[1].sequential is None:
        return False
    model = config.finetuned.model if config.finetuned is not None else None
    if previous[1].model.model != model:
        return False
    changed = _changed_design(previous[1], config, suite.hash, orders, alpha)
    if changed is not None:
        raise ConfigError(
            f"gate.sequential: the output folder holds the look history of a sequential run of "
            f"{model} with {changed}; a changed design does not start over "
            "where a run already looked: use a new --out folder to start a new pre-registered "
            "run deliberately"
        )
    return True


def _rerun_note(env: Environment) -> str:
    """What this run did with the look history the output folder held: it resumed it (the
    cache held an interrupted run's answers) or replaced it."""
    if env.resumed():
        return (
            "gate.sequential: the output folder holds the look history of a run that stopped early "
            "or was interrupted; this run resumed it: the answers it had came from the cache, and "
            "the looks were taken again on them in the pre-registered order."
        )
    if env.reuse_notice() is not None:
        return (
            "gate.sequential: the output folder holds the look history of a completed run; this run "
            "replaces it, on that run's answers replayed from the cache (cache.reuse: completed)."
        )
    return (
        "gate.sequential: the output folder holds the look history of a completed run; this run is "
        "a new one and replaces it (only an interrupted run's answers come from the cache)."
    )


def _pair_snapshots(
    reused: list[CaseResult],
    live_base: list[CaseResult],
    finetuned: list[CaseResult],
    asked: set[str],
    suite: Suite,
    judge_id: str,
    config: Config,
) -> tuple[Snapshot, Snapshot]:
    def snapshot(results: list[CaseResult]) -> Snapshot:
        return build_snapshot(
            results,
            model=ModelInfo(model="", endpoint=None),
            suite=suite,
            judge_id=judge_id,
            sampling=config.sampling,
            created_at=_EPOCH,
        )

    return snapshot([r for r in reused if r.case_id in asked] + live_base), snapshot(finetuned)


def _changed_design(
    candidate: Snapshot,
    config: Config,
    suite_hash: str,
    orders: dict[str, tuple[str, ...]],
    alpha: float,
) -> str | None:
    """What differs between the design of the history in ``candidate`` and this run's, in
    words ("gate.sequential.seed 7 (this config: 8)"); None when it is the same design."""
    history = candidate.sequential
    if history is None:
        return None
    # A history written before these gate settings were recorded has them as None: not compared.
    for what, (before, now) in decision_settings(history, config.gate).items():
        if setting_differs(before, now, exact=True):
            return f"{what} {before} (this config: {now})"
    pairs: list[tuple[str, object, object]] = [
        ("sampling.seed", candidate.sampling.seed, config.sampling.seed),
        ("sampling", candidate.sampling, config.sampling),
        ("the suite (hash)", candidate.suite.hash, suite_hash),
    ]
    # The judge is not among them: a new version of the built-in judge comes with an upgrade,
    # not a choice, and re-reads the same answers.
    for what, before, now in pairs:
        if before != now:
            return f"{what} {before} (this config: {now})"
    before_orders = {c.name: c.order for c in history.categories}
    if before_orders != orders:
        return "another pre-registered order (gate.holm or the categories changed)"
    levels = sorted({c.alpha for c in history.categories})
    if levels and levels != [alpha]:
        spelled = ", ".join(f"{level:g}" for level in levels)
        changed = "gate.holm or the gating checks changed"
        return f"each category's level {spelled} (this config: {alpha:g}; {changed})"
    return None
