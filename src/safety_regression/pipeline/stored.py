"""Gating stored snapshots: ``compare`` and ``merge``, with no model asked (the judge
only, when the two were labelled by different judges)."""

from __future__ import annotations

from operator import attrgetter

from safety_regression.config import Config
from safety_regression.pipeline.assembly import (
    categories,
    check_categories,
    check_sequential_design,
    overlap_warnings,
    suite_comparison,
)
from safety_regression.pipeline.budget import budget_hold, with_usage
from safety_regression.pipeline.environment import Environment
from safety_regression.pipeline.rejudge import rejudge
from safety_regression.pipeline.run import GateRun, judge_context
from safety_regression.snapshot import Snapshot
from safety_regression.suites.categories import retired_category_warnings


async def compare_snapshots(
    reference: Snapshot, candidate: Snapshot, config: Config, env: Environment, sources: tuple[str, str]
) -> GateRun:
    """Re-gate two stored snapshots without asking the models again.

    Snapshots labelled by different judges are first re-judged with the configured judge
    (the responses are stored), so labels from two judges are never compared.
    """
    check_categories(config, [*reference.results, *candidate.results])
    check_sequential_design(config, reference, candidate)  # before any judge is asked
    notes: list[str] = []
    secrets = env.secrets(config)
    reference, candidate = reference.scrubbed(secrets), candidate.scrubbed(secrets)
    if reference.judge != candidate.judge:
        judge = env.judge(config)
        await env.preflight_scorers(config, toxicity=False)
        reference = await rejudge(reference, judge, sources[0])
        candidate = await rejudge(candidate, judge, sources[1])
        notes.append(f"The snapshots were labelled by different judges; both were re-judged with {judge.id}.")
    env.settle_imports()
    gate_run = regate_snapshots(reference, candidate, config, [], notes)
    if env.meter.requests:
        usage = env.meter.usage()
        result = with_usage(gate_run.result, usage)
        holds = tuple(h for h in (budget_hold(usage),) if h is not None)
        gate_run = GateRun(gate_run.reference, gate_run.candidate, result, notes, holds=holds)
    return gate_run


def regate_snapshots(
    reference: Snapshot, candidate: Snapshot, config: Config, secrets: list[str], notes: list[str]
) -> GateRun:
    """Gate two stored snapshots labelled by the same judge: no endpoint, no event loop.
    ``secrets`` are scrubbed from both first."""
    from safety_regression.gate import evaluate_gate

    if reference.judge != candidate.judge:
        raise ValueError("snapshots labelled by different judges are re-judged first (compare_snapshots)")
    check_categories(config, [*reference.results, *candidate.results])
    check_sequential_design(config, reference, candidate)
    reference, candidate = reference.scrubbed(secrets), candidate.scrubbed(secrets)
    comparison = suite_comparison(
        candidate.suite.name,
        candidate.suite.hash,
        dict(zip(map(_CASE_ID, candidate.results), map(_CASE_HASH, candidate.results), strict=True)),
        reference,
        from_baseline=len(set(map(_CASE_ID, reference.results))),
        evaluated_live=0,
    )
    context = judge_context(config, [reference.model.model, candidate.model.model], candidate.judge)
    context["warnings"] = [
        *context["warnings"],
        *retired_category_warnings(categories(reference), categories(reference), categories(candidate)),
        *overlap_warnings(comparison),
    ]
    result = evaluate_gate(
        reference,
        candidate,
        config.gate,
        config.judge.partial_counts_as,
        suite=comparison,
        **context,
    )
    stored = list(dict.fromkeys([*reference.notices, *candidate.notices]))
    if stored:  # how the snapshots were measured (answers replayed, shards' endpoints)
        result = result.model_copy(update={"notices": [*stored, *result.notices]})
    return GateRun(reference, candidate, result, notes)


_CASE_ID, _CASE_HASH = attrgetter("case_id"), attrgetter("case_hash")
