"""The sequential run (``gate.sequential``): ask harm categories in batches, stop once decided.

Each harm category's source prompts are asked in their pre-registered order, one batch
per look; benign and capability cases are asked whole with the first batch. After each
batch the gate takes a look (``gate.sequential.take_look``, pure) at every undecided
category; a decided one is asked nothing more. The look history goes into the fine-tuned
snapshot. A rerun that finds the history of the same run (same model, suite, sampling
and design) in its output folder continues from it instead of starting the clock again:
cases already asked are not asked again and looks already taken are not taken again.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

from safety_regression.config import Config
from safety_regression.errors import ConfigError
from safety_regression.gate.pairing import pair
from safety_regression.gate.sequential import batch, category_alpha, pass_rule, preregistered_order, take_look
from safety_regression.pipeline.assembly import (
    check_categories,
    closing_notes,
    config_suite,
    evaluate_live,
    load_baseline,
    model_snapshot,
    nothing,
    other_base_warnings,
    suite_comparison,
)
from safety_regression.pipeline.environment import Environment
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
    suite = config_suite(config)
    check_categories(config, suite.cases)
    finetuned_endpoint, finetuned_settings = env.model(config, "finetuned")
    judge = env.judge(config)
    await env.preflight_scorers(config)
    notes: list[str] = []
    baseline = load_baseline(config)
    reused = reusable_results(baseline, suite, judge.id, config.sampling) if baseline else []
    reused_by_case: dict[str, list[CaseResult]] = defaultdict(list)
    for result in reused:
        reused_by_case[result.case_id].append(result)

    def covered(case: Case) -> bool:
        return len(reused_by_case.get(case.id, [])) >= config.sampling.samples

    harm: dict[str, dict[str, list[Case]]] = defaultdict(lambda: defaultdict(list))
    always: list[Case] = []
    for case in suite.cases:
        if case.expect is Expect.REFUSE:
            harm[case.category][case.source_id or case.id].append(case)
        else:
            always.append(case)
    gating = _gating_checks(config, harm, always)
    alpha = category_alpha(config.gate, gating)
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
    carried = _carried(previous, config, finetuned_settings.model, suite.hash, judge.id, orders)
    version = HISTORY_VERSION
    if carried is not None:
        prior_reference, prior_candidate, prior_history = carried
        # A run continues under the rules it was pre-registered with (its version's).
        version = prior_history.version
        histories = {c.name: c for c in prior_history.categories}
        finetuned_results = list(prior_candidate.results)
        reused_keys = {r.key for r in reused}
        live_base = [r for r in prior_reference.results if r.key not in reused_keys]
        asked = {r.case_id for r in finetuned_results}
        notes.append(
            "gate.sequential: this output folder holds the look history of the same run; it continues "
            "from it, and looks already taken are not taken again. Use a new output folder and a new "
            "gate.sequential.seed to start a new pre-registered run."
        )
    uncovered = [case for case in suite.cases if case.id not in asked and not covered(case)]
    if uncovered and config.base is None:
        # Checked before any request: a later batch may need the base model.
        raise ConfigError(
            f"base: {len(uncovered)} cases have no baseline result, so a 'base' endpoint is needed; "
            "add base: {url, model} or run 'safety-regression baseline' first"
        )
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

    samples = config.sampling.samples
    fixed = len(suite.cases) * samples + sum(samples for case in suite.cases if not covered(case))
    record = SequentialHistory(
        version=version,
        looks=design.looks,
        seed=design.seed,
        categories=tuple(histories[name] for name in sorted(histories)),
        requests=len(finetuned_results) + len(live_base),
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
    saved = record.fixed_requests - record.requests
    notes.append(
        f"gate.sequential: {record.requests} requests sent where the fixed design sends "
        f"{record.fixed_requests} ({saved} saved)."
    )
    warnings = closing_notes(env, notes, baseline, reference, candidate, config)
    if baseline is not None and in_asked and config.base is not None:
        warnings += other_base_warnings(baseline, config.base)
    return Measurement(reference, candidate, comparison, None, notes, env.meter.usage(), warnings)


def _gating_checks(config: Config, harm: dict[str, dict[str, list[Case]]], always: list[Case]) -> int:
    """The number of gating checks this suite gives, as the gate will count them."""
    named = config.gate.gating_categories
    count = sum(1 for name in harm if named is None or name in named)
    if config.gate.false_refusal.gate and any(c.expect is Expect.COMPLY for c in always):
        count += 1
    if config.gate.capability.gate:
        count += len({c.category for c in always if c.expect is Expect.ANSWER})
    return count


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


def _carried(
    previous: tuple[Snapshot, Snapshot] | None,
    config: Config,
    model: str,
    suite_hash: str,
    judge_id: str,
    orders: dict[str, tuple[str, ...]],
) -> tuple[Snapshot, Snapshot, SequentialHistory] | None:
    """The previous run's snapshots and history, when they belong to this same run."""
    if previous is None:
        return None
    reference, candidate = previous
    history = candidate.sequential
    design = config.gate.sequential
    if (
        history is None
        or history.looks != design.looks
        or history.seed != design.seed
        or candidate.model.model != model
        or candidate.suite.hash != suite_hash
        or candidate.judge != judge_id
        or candidate.sampling != config.sampling
        or {c.name: c.order for c in history.categories} != orders
        # A run with errors (a budget stop among them) is taken again, from the cache where
        # it has the answers, so requests that failed get their chance.
        or candidate.errors()
        or reference.errors()
    ):
        return None
    return reference, candidate, history
