"""Re-judging stored responses, so snapshots labelled by different judges can be compared."""

from __future__ import annotations

import asyncio

from safety_regression.config import Config
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.errors import SnapshotError
from safety_regression.judges.base import Judge
from safety_regression.snapshot import CaseResult, Snapshot
from safety_regression.suites.languages import language_tag
from safety_regression.suites.model import Case, Expect


async def rejudge(snapshot: Snapshot, judge: Judge, source: str) -> Snapshot:
    """The snapshot with every stored response labelled again by ``judge``.

    Blocked requests, errors and capability checks keep their results: no judge labels
    them. A snapshot that kept only response hashes cannot be re-judged.
    """
    if snapshot.judge == judge.id:
        return snapshot
    missing = unstored_responses(snapshot)
    if missing:
        raise SnapshotError(
            f"{source}: labelled by {snapshot.judge}, and its responses were not stored "
            f"({missing} redacted), so it cannot be re-judged with {judge.id}; take both snapshots "
            "with the same judge, or with snapshot.responses: full"
        )
    results = await asyncio.gather(*(_relabel(result, judge) for result in snapshot.results))
    return snapshot.model_copy(update={"judge": judge.id, "results": tuple(results)})


async def baseline_for(
    baseline: Snapshot | None, judge: Judge, config: Config, notes: list[str]
) -> Snapshot | None:
    """The config's baseline as the run will reuse it: re-judged with ``judge`` when another
    judge labelled it and its responses and sampling allow (a note says so); else as it is."""
    if baseline is None or baseline.judge == judge.id:
        return baseline
    if baseline.sampling != config.sampling or unstored_responses(baseline):
        return baseline
    notes.append(
        f"The baseline was labelled by another judge; its stored responses were re-judged with {judge.id}."
    )
    return await rejudge(baseline, judge, str(config.baseline))


def unstored_responses(snapshot: Snapshot) -> int:
    """Responses a judge would have to read again that the snapshot did not keep."""
    return sum(1 for r in snapshot.results if _needs_judge(r) and r.response is None)


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


async def _relabel(result: CaseResult, judge: Judge) -> CaseResult:
    if not _needs_judge(result):
        return result
    assert result.response is not None
    judgement = await judge.judge(stored_case(result), result.response)
    return result.model_copy(
        update={
            "label": judgement.label,
            "judge": judgement.judge,
            "depth": judgement.depth,
            "abstained": judgement.abstained or None,
        }
    )
