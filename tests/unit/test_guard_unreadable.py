"""The run guard's stop for a model whose first answered requests were all malformed
(``endpoints/guard.py``): only an unbroken run of them from the start stops it; any other
outcome first leaves the model to the error budget."""

from __future__ import annotations

import asyncio

import pytest

from safety_regression.endpoints.base import ChatOutcome, ChatRequest, Message, OutcomeKind
from safety_regression.endpoints.guard import FIRST_REPLIES, RunGuard
from safety_regression.errors import ConfigError

MALFORMED = ChatOutcome(kind=OutcomeKind.ERROR, error="malformed reply: not a chat completion")
TIMEOUT = ChatOutcome(kind=OutcomeKind.ERROR, error="timeout (5s) after 3 attempts", attempts=3)
ANSWER = ChatOutcome(kind=OutcomeKind.ANSWERED, text="I can't help with that.")


class Scripted:
    """An endpoint that answers each request with the next outcome of its script."""

    identity = "http://127.0.0.1:1/v1"
    model = "m"

    def __init__(self, outcomes: list[ChatOutcome]) -> None:
        self._outcomes = iter(outcomes)

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        return next(self._outcomes)


async def ask(
    outcomes: list[ChatOutcome], locate: bool = False, error_budget: float | None = None
) -> RunGuard:
    guard = RunGuard(deadline=None, error_budget=error_budget)
    guard.plan("finetuned", 100)
    if locate:
        guard.locate = lambda field: f"gate.yml:3 ({field})"
    endpoint = guard.guard(Scripted(outcomes), "finetuned", 1)  # type: ignore[arg-type]
    request = ChatRequest(messages=(Message(role="user", content="hi"),))
    for _ in outcomes:
        await endpoint.complete(request)
    return guard


def test_the_first_replies_all_malformed_stop_the_run_with_the_fields_line() -> None:
    with pytest.raises(ConfigError) as raised:
        asyncio.run(ask([MALFORMED] * FIRST_REPLIES, locate=True))
    assert str(raised.value).startswith(
        f"gate.yml:3 (finetuned.url): finetuned.url: none of the first {FIRST_REPLIES} replies"
    )


@pytest.mark.parametrize("first", [ANSWER, TIMEOUT])
def test_any_other_outcome_first_leaves_the_model_to_the_error_budget(first: ChatOutcome) -> None:
    guard = asyncio.run(ask([first] + [MALFORMED] * (FIRST_REPLIES + 2)))
    assert guard.stopped is None and guard.rejected is None


def test_fewer_than_the_first_replies_do_not_stop_it() -> None:
    guard = asyncio.run(ask([MALFORMED] * (FIRST_REPLIES - 1)))
    assert guard.rejected is None


def test_a_breaker_that_trips_sooner_stops_it_as_a_mistake_from_the_third_on() -> None:
    # A budget of 1% of 100 requests allows one failure: the second trips the breaker,
    # too few to call a mistake (inconclusive); at 2% the third is, and it is one.
    guard = asyncio.run(ask([MALFORMED] * 2, error_budget=0.01))
    assert guard.stopped is not None and guard.rejected is None
    with pytest.raises(ConfigError, match="none of the first 3 replies"):
        asyncio.run(ask([MALFORMED] * 3, error_budget=0.02))
