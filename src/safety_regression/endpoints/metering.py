"""Counting what a run spends, and stopping it before it would overspend.

Every chat endpoint of a run is wrapped in a ``MeteredEndpoint`` that shares the run's
one ``Meter``. Before a request goes out, the meter reserves its worst cost (the
estimated prompt tokens and the full ``max_tokens``); when the reply comes, the
reservation is replaced by what the server reported in ``usage``. A request that would
not fit in ``run.max_cost`` while others are in flight waits for them to settle and is
checked again. Every HTTP attempt, retries included, counts as one request against
``run.max_requests``, and is counted just before it is sent. When even with nothing in
flight a request would not fit, or ``run.max_requests`` attempts have been sent, no
request is sent any more: the run stops cleanly, its answers so far cached.

Requests answered from the response cache never reach a meter: they cost nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from safety_regression.config import Price
from safety_regression.endpoints.base import (
    NOT_ASKED,
    ChatOutcome,
    ChatRequest,
    Endpoint,
    EndpointWrapper,
    OutcomeKind,
)
from safety_regression.wording import count

CHARS_PER_TOKEN = 4
"""A rough, tokenizer-free estimate (about right for English with most tokenizers)."""
MESSAGE_OVERHEAD_TOKENS = 4
"""Role and separator tokens around each message."""


def estimate_text_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def estimate_prompt_tokens(request: ChatRequest) -> int:
    return sum(
        MESSAGE_OVERHEAD_TOKENS + -(-len(message.content or "") // CHARS_PER_TOKEN)
        for message in request.messages
    )


class RoleUsage(BaseModel):
    """What one role (``base``, ``finetuned``, ``judge``) used in a run."""

    model_config = ConfigDict(frozen=True)

    role: str
    requests: int
    """HTTP requests (attempts) sent to the endpoint, retries included; answers from the
    cache are not counted."""
    prompt_tokens: int
    completion_tokens: int
    cost: float | None
    """Estimated from the endpoint's ``price``; None when it has none."""
    unreported: int = 0
    """Answered requests whose server sent no ``usage``; their tokens are estimates."""


class RunUsage(BaseModel):
    """Requests, tokens and estimated cost of a run, per role."""

    model_config = ConfigDict(frozen=True)

    roles: list[RoleUsage]
    stopped: str | None = None
    """Why the run stopped early (a budget), or None when it ran to the end."""

    @property
    def requests(self) -> int:
        return sum(role.requests for role in self.roles)

    @property
    def cost(self) -> float | None:
        return total_cost(role.cost for role in self.roles)


@dataclass
class _Tally:
    price: Price | None = None
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    unreported: int = 0


@dataclass
class Meter:
    """The run's budgets and its spending so far, shared by all its endpoints."""

    max_requests: int | None = None
    max_cost: float | None = None
    stopped: str | None = None
    """Set when a budget stopped the run; no request is sent after that."""
    _tallies: dict[str, _Tally] = field(default_factory=dict)
    _in_flight: int = 0
    _reserved_cost: float = 0.0
    _changed: asyncio.Event | None = None
    _earlier_steps: set[str] = field(default_factory=set)
    """Roles registered before ``start_step``: not reported unless asked again."""

    def start_step(self) -> None:
        """Count afresh from here (prices and budgets stay): for a command that runs two
        steps on one environment and reports only the second, as ``demo`` does."""
        for tally in self._tallies.values():
            tally.requests = tally.prompt_tokens = tally.completion_tokens = tally.unreported = 0
        self._earlier_steps = set(self._tallies)

    def register(self, role: str, price: Price | None) -> None:
        tally = self._tallies.setdefault(_group(role), _Tally())
        tally.price = tally.price or price

    @property
    def requests(self) -> int:
        """Attempts sent so far (retries included), whether answered yet or not."""
        return sum(t.requests for t in self._tallies.values())

    @property
    def cost(self) -> float:
        return sum(
            t.price.cost(t.prompt_tokens, t.completion_tokens) for t in self._tallies.values() if t.price
        )

    async def reserve(self, role: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Book a request's worst cost; returns the booked cost, or None if it does not fit.

        A request that does not fit in ``run.max_cost`` while others are in flight waits
        for them to settle (their real cost replaces their worst case) and is checked
        again: the run stops only when even with nothing in flight it would not fit.
        """
        tally = self._tallies.setdefault(_group(role), _Tally())
        worst = tally.price.cost(prompt_tokens, completion_tokens) if tally.price else 0.0
        while True:
            if self.stopped is not None or self._requests_spent():
                return None
            if self.max_cost is None or self.cost + self._reserved_cost + worst <= self.max_cost:
                break
            if self._in_flight == 0:
                self._stop(
                    f"run.max_cost of {self.max_cost:g} would be exceeded by the next request "
                    f"(spent about {self.cost:.4g} on {count(self.requests, 'request')})"
                )
                return None
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()
        self._in_flight += 1
        self._reserved_cost += worst
        return worst

    def attempt(self, role: str) -> str | None:
        """Count one HTTP attempt (a first try or a retry) about to be sent; returns why it
        may not be sent instead (a budget stopped the run), or None."""
        if self.stopped is not None or self._requests_spent():
            return self.stopped
        self._tallies.setdefault(_group(role), _Tally()).requests += 1
        return None

    def _requests_spent(self) -> bool:
        if self.max_requests is None or self.requests < self.max_requests:
            return False
        self._stop(f"run.max_requests of {self.max_requests} reached after {self.requests} requests")
        return True

    def _stop(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
        self._wake()

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    def release(self, booked: float) -> None:
        """Give back a reservation whose request ended without an outcome (cancelled)."""
        self._in_flight -= 1
        self._reserved_cost -= booked
        self._wake()

    def settle(self, role: str, booked: float, request: ChatRequest, outcome: ChatOutcome) -> None:
        """Replace a reservation by what the request used."""
        tally = self._tallies[_group(role)]
        if outcome.usage is not None:
            tally.prompt_tokens += outcome.usage.prompt_tokens
            tally.completion_tokens += outcome.usage.completion_tokens
        elif outcome.kind is not OutcomeKind.ERROR:
            tally.unreported += 1
            tally.prompt_tokens += estimate_prompt_tokens(request)
            tally.completion_tokens += -(-len(outcome.text or "") // CHARS_PER_TOKEN)
        self.release(booked)

    def settle_tokens(self, role: str, booked: float, prompt_tokens: int, completion_tokens: int = 0) -> None:
        """Replace a reservation by an estimate: for an endpoint whose replies report no
        ``usage`` (a moderation classifier, which reads its input and writes no text)."""
        tally = self._tallies[_group(role)]
        tally.prompt_tokens += prompt_tokens
        tally.completion_tokens += completion_tokens
        self.release(booked)

    def usage(self) -> RunUsage:
        return RunUsage(
            roles=[
                RoleUsage(
                    role=role,
                    requests=t.requests,
                    prompt_tokens=t.prompt_tokens,
                    completion_tokens=t.completion_tokens,
                    cost=t.price.cost(t.prompt_tokens, t.completion_tokens) if t.price else None,
                    unreported=t.unreported,
                )
                for role, t in self._tallies.items()
                if t.requests or role not in self._earlier_steps
            ],
            stopped=self.stopped,
        )


def _group(role: str) -> str:
    """``judge.endpoint`` and ``judge.judges[1].endpoint`` are all "judge"."""
    return "judge" if role.startswith("judge") else role


@runtime_checkable
class CountsAttempts(Protocol):
    """An endpoint that can ask before each HTTP attempt it sends (``RouteClient``)."""

    def count_attempts(self, admit: Callable[[], str | None]) -> None: ...


class MeteredEndpoint(EndpointWrapper):
    """An endpoint that books every request with the run's meter, and sends none past a budget.

    Every HTTP attempt counts against ``run.max_requests``: an endpoint that retries
    (``CountsAttempts``) asks the meter before each attempt; any other counts as one.
    """

    def __init__(self, endpoint: Endpoint, meter: Meter, role: str, price: Price | None) -> None:
        super().__init__(endpoint)
        self._meter = meter
        self._role = role
        meter.register(role, price)
        self._per_attempt = isinstance(endpoint, CountsAttempts)
        if isinstance(endpoint, CountsAttempts):
            endpoint.count_attempts(lambda: meter.attempt(role))

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        meter = self._meter
        booked = await meter.reserve(self._role, estimate_prompt_tokens(request), request.max_tokens)
        if booked is not None and not self._per_attempt and meter.attempt(self._role) is not None:
            meter.release(booked)
            booked = None
        if booked is None:
            return ChatOutcome(kind=OutcomeKind.ERROR, error=f"{NOT_ASKED} ({meter.stopped})", attempts=0)
        try:
            outcome = await self._endpoint.complete(request)
        except BaseException:
            meter.release(booked)
            raise
        meter.settle(self._role, booked, request, outcome)
        return outcome


def total_cost(costs: Iterable[float | None]) -> float | None:
    """The sum of the costs that are known; None when none is (no endpoint has a ``price``)."""
    known = [cost for cost in costs if cost is not None]
    return sum(known) if known else None
