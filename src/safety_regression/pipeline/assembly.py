"""Pieces every way of measuring shares (the fixed run in ``run.py``, the sequential one in
``sequential.py``): asking one model a list of cases, building a scrubbed snapshot, the
suite comparison, the baseline, and the notes a measurement ends with."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from safety_regression.config import Config, EndpointConfig
from safety_regression.config.categories import check_gate_categories
from safety_regression.config.design import check_holm_level
from safety_regression.endpoints.base import Endpoint
from safety_regression.endpoints.guard import RunGuard
from safety_regression.errors import ConfigError, SuiteError
from safety_regression.judges.base import Judge, Label
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.rejudge import can_rejudge
from safety_regression.snapshot import (
    CaseResult,
    ModelInfo,
    Snapshot,
    build_snapshot,
    evaluate_cases,
    load_snapshot,
    reusable_results,
)
from safety_regression.suites import Case, Shard, Suite, load_suite
from safety_regression.suites.categories import RETIRED_CATEGORIES, retired_category_warnings
from safety_regression.suites.loader import SuiteReferenceError
from safety_regression.suites.model import Expect
from safety_regression.wording import count

if TYPE_CHECKING:
    from safety_regression.gate.result import SuiteComparison

WORKERS_PER_SLOT = 2
"""Workers per request slot: a spare is always ready to send when a request finishes."""


def model_snapshot(
    results: list[CaseResult],
    endpoint_url: str | None,
    model: str,
    suite: Suite,
    judge: Judge,
    config: Config,
    env: Environment,
    shard: Shard | None = None,
    revision: str | None = None,
) -> Snapshot:
    snapshot = build_snapshot(
        results,
        model=ModelInfo(model=model, endpoint=endpoint_url, revision=revision),
        suite=suite,
        judge_id=judge.id,
        sampling=config.sampling,
        created_at=env.now(),
        storage=config.snapshot.responses,
        shard=shard,
    )
    # Nothing a model said may carry a key into a snapshot, report or comment.
    return snapshot.scrubbed(env.secrets(config))


async def evaluate_live(
    cases: list[Case], endpoint: Endpoint, judge: Judge, config: Config, role: str, env: Environment
) -> list[CaseResult]:
    """Ask ``role``'s endpoint every case (each sample), judged, with progress; then wait
    for the route probes no case settled (``Environment.routes_checked``)."""
    progress = env.progress(role, len(cases) * config.sampling.samples)
    guard = env.guard

    def on_result(result: CaseResult, failed: bool, unsent: bool) -> None:
        # A vote's even split under tie: unjudged is a disagreement, not a failure of a judge.
        disagreed = result.label is Label.UNJUDGED and bool(result.tied)
        unjudged = result.label is Label.UNJUDGED and not disagreed
        progress(failed, unsent, unjudged, disagreed)
        if guard is None:
            return
        if unjudged:
            guard.unjudged(role)  # the circuit breaker counts the judge's failures too
        for member in dict.fromkeys(result.abstained or ()):
            guard.abstained(role, member)  # and a vote member's, which the gate discounts

    results = await evaluate_cases(
        cases,
        endpoint,
        judge,
        config.sampling,
        toxicity=env.toxicity(config),
        on_result=on_result,
        workers=workers(config, role),
    )
    await env.routes_checked()
    return results


def workers(config: Config, role: str) -> int:
    """Workers for ``role``'s requests: enough to keep its endpoint, a model judge and the
    toxicity classifier at their concurrency limits, and not one task per request."""
    settings: EndpointConfig = getattr(config, role)
    endpoints = [settings, config.judge.endpoint, *(m.endpoint for m in config.judge.judges or [])]
    endpoints += [config.toxicity.endpoint] if config.toxicity else []
    return WORKERS_PER_SLOT * max(e.concurrency for e in endpoints if e is not None)


async def nothing() -> list[CaseResult]:
    return []


def config_suite(config: Config, warn: Callable[[str], None] | None = None) -> Suite:
    """The config's suite; a mistake in its list of references names the config's line.
    Every problem in its files is raised at once, a line each; its warnings go to ``warn``.
    A category the gate settings name is meant, and never warned about as misspelt."""
    gate = config.gate
    declared = {*gate.category_weights, *(gate.gating_categories or ()), *(gate.distribution or {})}
    try:
        suite = load_suite(config.suite, declared=declared)
    except SuiteReferenceError as exc:
        named = [f"{config.where('suite', index)}: suite: {problem}" for index, problem in exc.problems]
        raise SuiteError("\n".join([*named, *exc.also])) from None
    if warn is not None:
        for warning in suite.warnings:
            warn(warning)
    return suite


def check_categories(config: Config, cases: Iterable[Case] | Iterable[CaseResult]) -> None:
    """The gate settings name only harm categories of these cases (or results): a ConfigError
    naming the config's line otherwise, before anything is asked."""
    harm: set[str] = set()
    others: set[str] = set()
    for case in cases:
        (harm if case.expect is Expect.REFUSE else others).add(case.category)
    check_gate_categories(config, harm, others - harm, RETIRED_CATEGORIES)
    gating = config.gate.gating_categories
    check_holm_level(config, len(set(gating)) if gating is not None else len(harm))


def check_sequential_design(config: Config, reference: Snapshot, candidate: Snapshot) -> None:
    """A re-gate of a sequential run's snapshots uses its design's decision settings: a
    ConfigError naming the config's line, each setting and the design's value otherwise
    (``gate.redesign``), before anything is re-judged."""
    if candidate.sequential is None:
        return
    # Lazy: gate.sequential brings the boundaries, which a fixed re-gate never needs.
    from safety_regression.gate.redesign import conflict_message, design_conflicts

    conflicts = design_conflicts(candidate.sequential, config.gate, [*reference.results, *candidate.results])
    if conflicts:
        field = conflicts[0].field
        where = config.where_field(field) if " " not in field else config.where("gate")
        raise ConfigError(f"{where}: {conflict_message(conflicts)}")


def categories(snapshot: Snapshot) -> set[str]:
    return {result.category for result in snapshot.results}


def closing_notes(
    env: Environment,
    notes: list[str],
    baseline: Snapshot | None,
    reference: Snapshot,
    candidate: Snapshot,
    config: Config,
) -> list[str]:
    """Add what the cache did to ``notes``; return the warnings every report carries: a
    configured baseline that is not there yet, categories the baseline has and the suite
    no longer has."""
    cache_note = env.cache_note()
    if cache_note:
        notes.append(cache_note)
    toxicity = toxicity_warnings(env, config)
    if baseline is None:
        return [*toxicity, missing_baseline(config)] if config.baseline is not None else toxicity
    retired = retired_category_warnings(categories(baseline), categories(reference), categories(candidate))
    return [*toxicity, *retired]


def toxicity_warnings(env: Environment, config: Config) -> list[str]:
    """Why toxicity is missing from the report, when it is configured and is."""
    if env.toxicity_skipped:
        return [unscored_baseline(config)]
    if not env.toxicity_failed:
        return []
    asked = env.toxicity_failed + env.toxicity_scored
    left = (
        "toxicity is not reported" if not env.toxicity_scored else "those are left out of the toxicity means"
    )
    return [
        f"The toxicity classifier could not score {env.toxicity_failed} of {count(asked, 'answer')} "
        f"(first error: {env.toxicity_error}): {left}."
    ]


def unscored_baseline(config: Config) -> str:
    return (
        f"toxicity: the baseline {config.baseline} has no toxicity scores, so there is nothing to "
        "compare: the fine-tuned answers are not scored (take the baseline with toxicity: set)."
    )


def baseline_lacks_toxicity(config: Config, reused: Sequence[CaseResult], live_base: int) -> bool:
    """Whether toxicity is configured but the reference would hold no score: every base
    result comes from a baseline taken without a toxicity classifier."""
    return (
        config.toxicity is not None
        and not live_base
        and bool(reused)
        and all(result.toxicity is None for result in reused)
    )


def missing_baseline(config: Config) -> str:
    return (
        f"No baseline snapshot at {config.baseline} (the config's baseline:): the base model was "
        "asked every case live. Run 'safety-regression baseline' and commit the file to pin it."
    )


def suite_comparison(
    name: str,
    suite_hash: str,
    case_hashes: Mapping[str, str],
    baseline: Snapshot | None,
    *,
    from_baseline: int,
    evaluated_live: int,
    suite_ids: Collection[str] | None = None,
) -> SuiteComparison:
    """How the suite being gated differs from the one the baseline snapshot was taken on.

    ``case_hashes``: the cases gated; ``suite_ids``: every case id of the suite when that is
    more (a shard), so that the baseline's cases of other shards are not counted removed."""
    from safety_regression.gate.result import SuiteComparison

    stored = (
        dict(zip(map(_CASE_ID, baseline.results), map(_CASE_HASH, baseline.results), strict=True))
        if baseline
        else {}
    )
    # Set operations on the dicts' views: the same counts as a loop over every case.
    new = case_hashes.keys() - stored.keys() if baseline else set()
    return SuiteComparison(
        suite=name,
        suite_hash=suite_hash,
        baseline_suite=baseline.suite.name if baseline else "",
        baseline_suite_hash=baseline.suite.hash if baseline else "",
        cases=len(case_hashes),
        from_baseline=min(from_baseline, len(case_hashes)),
        evaluated_live=evaluated_live,
        added=len(new),
        changed=len(case_hashes.items() - stored.items()) - len(case_hashes.keys() - stored.keys()),
        removed=len(stored.keys() - (case_hashes.keys() if suite_ids is None else set(suite_ids))),
    )


_CASE_ID, _CASE_HASH = attrgetter("case_id"), attrgetter("case_hash")


def load_baseline(config: Config) -> Snapshot | None:
    """The configured baseline snapshot; None when none is configured or the file is not
    there yet (the run says so before it asks base, ``baseline_not_there``, and its
    warnings do, ``closing_notes``). A folder, a file that is not a snapshot, or a path
    whose folder does not exist (a typo: no baseline could be there) stops the run
    before any request."""
    if config.baseline is None:
        return None
    path = Path(config.baseline)
    if path.is_dir():
        raise ConfigError(
            f"{config.where('baseline')}: baseline: {path} is a folder, not a snapshot file; "
            "name the file 'safety-regression baseline' writes (say .safety/baseline.json)"
        )
    if not path.exists():
        if not path.parent.is_dir():
            raise ConfigError(
                f"{config.where('baseline')}: baseline: {path}: the folder {path.parent} does not exist, "
                "so the base model would be asked every case; fix the path, or take the baseline "
                "first ('safety-regression baseline' creates the folder)"
            )
        return None
    return load_snapshot(path)


def baseline_not_there(config: Config) -> str:
    """The warning a run gives, once its endpoints are checked and before it asks base
    every case, when its configured baseline is not there yet."""
    return (
        f"{config.where('baseline')}: baseline: no snapshot at {config.baseline} yet: the base model "
        "will be asked every case live (take it with 'safety-regression baseline')"
    )


def plan_guard(guard: RunGuard, config: Config, cases: int, *, base: bool = True) -> None:
    """Tell the run's breaker how many requests each model's snapshot holds, before the
    baseline is re-judged (its unjudged answers count against base's budget, so a judge
    that is down stops the re-judging too). Without ``base``: drift asks base about cases
    the reference takes from the baseline, and its errors there do not count against the
    budget, so only the deadline watches them."""
    guard.plan("finetuned", cases * config.sampling.samples)
    if base:
        guard.plan("base", cases * config.sampling.samples)


def no_base(missing: int) -> ConfigError:
    """The refusal of a run whose baseline lacks ``missing`` cases and that has no base model."""
    return ConfigError(
        f"base: {count(missing, 'case')} {'has' if missing == 1 else 'have'} no baseline result, "
        "so a 'base' endpoint is needed; "
        "add base: {url, model} or run 'safety-regression baseline' first"
    )


def require_base(
    config: Config, baseline: Snapshot | None, suite: Suite, cases: Sequence[Case], judge_id: str
) -> None:
    """Refuse, before any endpoint is asked, a run without a base model whose baseline
    cannot cover ``cases`` for the run's judge (results to other content or with other
    sampling, errors, no baseline, or labelled by another judge and not re-judgeable): its
    scorers are not checked, nor its answers re-judged, for a run that cannot go ahead."""
    if config.base is not None or not cases:
        return
    wanted = {case.id: case.content_hash for case in cases}
    reusable: list[CaseResult] = []
    if baseline is not None and (baseline.judge == judge_id or can_rejudge(baseline, config, wanted)):
        # Re-judged, the baseline's answers are reused as its own judge's are.
        reusable = reusable_results(baseline, suite, baseline.judge, config.sampling)
    keys = {result.key for result in reusable}
    samples = range(config.sampling.samples)
    missing = sum(1 for case in cases if any((case.id, sample) not in keys for sample in samples))
    if missing:
        raise no_base(missing)


def other_base_warnings(baseline: Snapshot, base: EndpointConfig) -> list[str]:
    """A warning when the baseline snapshot reused is of another model (or revision) than
    ``base`` names: the gate then compares the fine-tune with that model's answers."""
    taken = baseline.model
    if taken.model != base.model:
        differs = f"model {taken.model!r}, but base.model is {base.model!r}"
    elif base.revision is not None and taken.revision != base.revision:
        differs = f"revision {taken.revision!r} of {taken.model!r}, but base.revision is {base.revision!r}"
    else:
        return []
    return [
        f"The baseline snapshot is of {differs}: its answers are the reference. If the base "
        "model changed, take a new baseline ('safety-regression baseline') and commit it."
    ]


def removed_warnings(comparison: SuiteComparison) -> list[str]:
    """A warning when the baseline snapshot holds cases the suite no longer has (it shrank,
    or cases were renamed): they are not gated, and nothing else would say so."""
    removed = comparison.removed
    if not removed:
        return []
    one = removed == 1
    return [
        f"The baseline snapshot holds {count(removed, 'case')} the suite no longer has (the suite "
        f"shrank, or case ids changed); {'it is' if one else 'they are'} ignored, never gated. "
        f"Take a new baseline ('safety-regression baseline') to drop {'it' if one else 'them'}."
    ]


def overlap_warnings(comparison: SuiteComparison) -> list[str]:
    """Two snapshots of different suites are gated on the cases both hold, unchanged: say so."""
    left_out = comparison.added + comparison.changed + comparison.removed
    if not left_out:
        return []
    gated = comparison.cases - comparison.added - comparison.changed
    parts = [
        f"{count} {what}"
        for count, what in (
            (comparison.added, "only in the fine-tuned snapshot"),
            (comparison.removed, "only in the reference"),
            (comparison.changed, "whose content differs between them"),
        )
        if count
    ]
    return [
        f"The snapshots cover different cases: only the {gated} both hold unchanged are gated; "
        f"{', '.join(parts)} are not compared."
    ]
