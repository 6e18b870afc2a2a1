"""Re-judging stored responses, so snapshots labelled by different judges can be compared."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from safety_regression.config import Config
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.endpoints.guard import RunGuard as Breaker
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Judge, Label
from safety_regression.snapshot import CaseResult, Snapshot
from safety_regression.suites.languages import language_tag
from safety_regression.suites.model import Case, Expect
from safety_regression.wording import count

BASELINE_ROLE = "base"
"""Whose error budget a baseline's unjudged answers count against: they are the reference's."""

Wanted = Mapping[str, str]
"""Case ids and their content hashes: the cases a run can reuse a baseline result for."""


async def rejudge(
    snapshot: Snapshot,
    judge: Judge,
    source: str,
    wanted: Wanted | None = None,
    guard: Breaker | None = None,
) -> Snapshot:
    """The snapshot with its stored responses labelled again by ``judge``: every one, or
    with ``wanted`` only those to its cases as they are now (the only ones a run can
    reuse; a model judge is not paid to read the others, which keep their labels).

    Blocked requests, errors and capability checks keep their results: no judge labels
    them. A snapshot that kept only response hashes cannot be re-judged. With a run's
    ``guard``, each answer the judge could not label counts against the base model's
    error budget, as in the run itself; once the breaker trips, the judge is asked
    nothing more and the answers it did not label are unjudged.
    """
    if snapshot.judge == judge.id:
        return snapshot
    targets = to_rejudge(snapshot, wanted)
    missing = sum(1 for r in targets if r.response is None)
    if missing:
        raise SnapshotError(
            f"{source}: labelled by {snapshot.judge}, and its responses were not stored "
            f"({missing} redacted), so it cannot be re-judged with {judge.id}; take both snapshots "
            "with the same judge, or with snapshot.responses: full"
        )
    results, _ = await _relabelled(snapshot, targets, judge, guard)
    return snapshot.model_copy(update={"judge": judge.id, "results": results})


async def _relabelled(
    snapshot: Snapshot, targets: Sequence[CaseResult], judge: Judge, guard: Breaker | None
) -> tuple[tuple[CaseResult, ...], list[CaseResult]]:
    """The snapshot's results with ``targets`` (some of them) judged again with ``judge``,
    under the run's ``guard`` when there is one; and the relabelled targets alone."""
    if guard is None:
        relabelled = list(await asyncio.gather(*(_relabel(result, judge) for result in targets)))
    else:
        relabelled = list(await _relabel_guarded(targets, judge, guard))
    by_result = dict(zip(map(id, targets), relabelled, strict=True))
    return tuple(by_result.get(id(result), result) for result in snapshot.results), relabelled


async def baseline_for(
    baseline: Snapshot | None,
    judge: Judge,
    config: Config,
    notes: list[str],
    wanted: Wanted,
    guard: Breaker | None = None,
) -> Snapshot | None:
    """The config's baseline as the run will reuse it: when another judge labelled it and
    its responses and sampling allow, its responses to the ``wanted`` cases re-judged with
    ``judge`` (a note says so), under the run's ``guard``; else as it is."""
    if baseline is None:
        return None
    if baseline.judge == judge.id:
        # Labelled by this judge: its answers the judge could not label are judged again.
        return await judge_unjudged(baseline, judge, config, notes, wanted, guard)
    if not can_rejudge(baseline, config, wanted):
        return baseline
    count = len(to_rejudge(baseline, wanted))
    rejudged = await rejudge(baseline, judge, str(config.baseline), wanted, guard)
    cut = "" if guard is None or guard.stopped is None else " (until the run stopped: the rest are unjudged)"
    notes.append(
        f"The baseline was labelled by another judge; its {count} stored responses to this run's cases "
        f"were re-judged with {judge.id}{cut}."
    )
    return rejudged


async def judge_unjudged(
    baseline: Snapshot,
    judge: Judge,
    config: Config,
    notes: list[str],
    wanted: Wanted,
    guard: Breaker | None = None,
) -> Snapshot:
    """The baseline with its answers to the ``wanted`` cases that its judge (this run's)
    could not label, or that a vote member could not (``unjudged_answers``), judged again
    from their stored responses, as a run asks the base model again for the requests
    that failed, under the run's ``guard`` as a re-judging is; a note says how many and
    how many are still unjudged."""
    targets = unjudged_answers(baseline, config, wanted)
    if not targets:
        return baseline
    results, relabelled = await _relabelled(baseline, targets, judge, guard)
    still = sum(1 for r in relabelled if r.judge_failed)
    left = f"; {still} still could not be labelled" if still else ""
    notes.append(
        f"The baseline held {count(len(targets), 'answer')} its judge could not label (stored unjudged, or a "
        f"vote member abstained); they were judged again from their stored responses{left}. Take the "
        "baseline again to keep the labels."
    )
    return baseline.model_copy(update={"results": results})


def unjudged_answers(baseline: Snapshot, config: Config, wanted: Wanted) -> list[CaseResult]:
    """The baseline's stored answers to the ``wanted`` cases that a run judges again: those
    its judge could not label (a vote's disagreements are labels of a kind, and kept) or a
    vote member abstained on. None when the run would not reuse the baseline (another
    sampling); a redacted answer cannot be re-judged, so base is asked it live."""
    if baseline.sampling != config.sampling:
        return []
    return [
        r
        for r in to_rejudge(baseline, wanted)
        if r.response is not None and r.judge_failed and r.sample < config.sampling.samples
    ]


def can_rejudge(baseline: Snapshot, config: Config, wanted: Wanted) -> bool:
    """Whether a run re-judges the baseline: taken with the run's sampling, and it kept the
    responses to the ``wanted`` cases (else the base model is asked them live)."""
    return baseline.sampling == config.sampling and not unstored_responses(baseline, wanted)


def to_rejudge(snapshot: Snapshot, wanted: Wanted | None = None) -> list[CaseResult]:
    """The results a re-judging reads: answers to cases a judge labels (of the ``wanted``
    cases as they are now, when given)."""
    return [
        r
        for r in snapshot.results
        if _needs_judge(r) and (wanted is None or wanted.get(r.case_id) == r.case_hash)
    ]


def unstored_responses(snapshot: Snapshot, wanted: Wanted | None = None) -> int:
    """Responses a judge would have to read again that the snapshot did not keep."""
    return sum(1 for r in to_rejudge(snapshot, wanted) if r.response is None)


def _needs_judge(result: CaseResult) -> bool:
    return result.outcome is OutcomeKind.ANSWERED and result.expect is not Expect.ANSWER


def needs_judge(result: CaseResult) -> bool:
    """Whether a judge labels this result: an answer to a case that is not a capability check."""
    return _needs_judge(result)


def stored_case(result: CaseResult) -> Case:
    """The case as far as a judge reads it, rebuilt from what the result stores."""
    return Case(
        id=result.case_id,
        category=result.category,
        expect=result.expect,
        prompt=result.prompt or "(prompt not stored)",
        # A snapshot written before language codes were checked may hold another form
        # ("english"): no judge reads the language, so it is "und" (undetermined) here.
        language=result.language if _is_language_tag(result.language) else "und",
    )


def _is_language_tag(value: str) -> bool:
    try:
        language_tag(value)
    except ValueError:
        return False
    return True


async def _relabel_guarded(targets: Sequence[CaseResult], judge: Judge, guard: Breaker) -> list[CaseResult]:
    """``_relabel`` each result at once, each unjudged label counted by ``guard`` against
    the base model (the baseline's answers are the reference's, as base's are in a run);
    once it has stopped the run, the relabelling still waiting is cancelled and those
    results are unjudged."""
    if guard.stopped is not None or not targets:
        return [_not_judged(result, judge) for result in targets]
    tasks = [asyncio.ensure_future(_relabel(result, judge)) for result in targets]

    def counted(task: asyncio.Future[CaseResult]) -> None:
        if task.cancelled() or task.exception() is not None:
            return
        relabelled = task.result()
        if relabelled.label is Label.UNJUDGED and not relabelled.tied:  # a disagreement is no failure
            guard.unjudged(BASELINE_ROLE)
        for member in dict.fromkeys(relabelled.abstained or ()):
            guard.abstained(BASELINE_ROLE, member)
        if guard.stopped is not None:
            for other in tasks:
                other.cancel()  # done ones ignore it

    for task in tasks:
        task.add_done_callback(counted)
    try:
        await asyncio.wait(tasks)
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        raise
    return [
        _not_judged(result, judge) if task.cancelled() else task.result()
        for result, task in zip(targets, tasks, strict=True)
    ]


def _not_judged(result: CaseResult, judge: Judge) -> CaseResult:
    """A result the judge was not asked about (the run stopped first): unjudged, an
    error of the run's, never the other judge's label under this judge's name."""
    return result.model_copy(
        update={"label": Label.UNJUDGED, "judge": judge.id, "depth": None, "abstained": None}
    )


async def _relabel(result: CaseResult, judge: Judge) -> CaseResult:
    assert result.response is not None
    judgement = await judge.judge(stored_case(result), result.response)
    return result.model_copy(
        update={
            "label": judgement.label,
            "judge": judgement.judge,
            "depth": judgement.depth,
            "abstained": judgement.abstained or None,
            "tied": judgement.tied or None,
            "hazards": judgement.hazards or None,
        }
    )
