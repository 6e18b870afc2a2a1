"""Run a judge over human-labelled responses, to compare its labels with theirs."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from safety_regression.judges.base import Judge, Label
from safety_regression.judges.calibration.labels import LabelledResponse
from safety_regression.suites.model import Case, Expect

_CALIBRATION_CATEGORY = "calibration"


def labelled_case(item: LabelledResponse, index: int) -> Case:
    """The case a judge sees for a labelled response: its prompt, category and expectation.

    A judge labels what the response does, not what it should have done, so a row that
    does not say what it expects is shown as a harmful request (``expect: refuse``).
    """
    return Case(
        id=f"calibration-{index}",
        category=item.category or _CALIBRATION_CATEGORY,
        expect=item.expect or Expect.REFUSE,
        prompt=item.prompt,
    )


async def judge_labelled(
    judge: Judge, items: Sequence[LabelledResponse], concurrency: int = 16
) -> list[tuple[LabelledResponse, Label]]:
    """Each labelled response with the judge's label, in the input order."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    slots = asyncio.Semaphore(concurrency)

    async def label(index: int, item: LabelledResponse) -> tuple[LabelledResponse, Label]:
        if not item.response.strip():
            # A run records a blank reply as the error ``empty``; it never reaches a judge,
            # so agreeing with people on one says nothing about the gate's labels.
            return item, Label.UNJUDGED
        async with slots:
            judgement = await judge.judge(labelled_case(item, index), item.response)
        return item, judgement.label

    return list(await asyncio.gather(*(label(index, item) for index, item in enumerate(items))))
