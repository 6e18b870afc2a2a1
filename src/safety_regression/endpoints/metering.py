"""Counting what a run spends, and stopping it before it would overspend.

Every chat endpoint of a run is wrapped in a ``MeteredEndpoint`` that shares the run's
one ``Meter``. Before a request goes out, the meter reserves its worst case (one
request, the estimated prompt tokens and the full ``max_tokens``); a request that would
not fit in ``run.max_requests`` or ``run.max_cost`` is not sent, and from then on no
request is: the run stops cleanly, its answers so far cached. When the reply comes, the
reservation is replaced by what the server reported in ``usage``.

Requests answered from the response cache never reach a meter: they cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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

CHARS_PER_TOKEN = 4
"""A rough, tokenizer-free estimate (about right for English with most tokenizers)."""
MESSAGE_OVERHEAD_TOKENS = 4
"""Role and separator tokens around each message."""


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
    """Requests sent to the endpoint (answers from the cache are not counted)."""
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
    _reserved_requests: int = 0
    _reserved_cost: float = 0.0

    def register(self, role: str, price: Price | None) -> None:
        tally = self._tallies.setdefault(_group(role), _Tally())
        tally.price = tally.price or price

    @property
    def requests(self) -> int:
        return sum(t.requests for t in self._tallies.values())

    @property
    def cost(self) -> float:
        return sum(
            t.price.cost(t.prompt_tokens, t.completion_tokens) for t in self._tallies.values() if t.price
        )

    def reserve(self, role: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Book a request's worst case; returns the booked cost, or None if it does not fit."""
        if self.stopped is not None:
            return None
        tally = self._tallies.setdefault(_group(role), _Tally())
        worst = tally.price.cost(prompt_tokens, completion_tokens) if tally.price else 0.0
        if self.max_requests is not None and self.requests + self._reserved_requests + 1 > self.max_requests:
            sent = self.requests + self._reserved_requests  # answered, and in flight
            self.stopped = f"run.max_requests of {self.max_requests} reached after {sent} requests"
            return None
        if self.max_cost is not None and self.cost + self._reserved_cost + worst > self.max_cost:
            self.stopped = (
                f"run.max_cost of {self.max_cost:g} would be exceeded by the next request "
                f"(spent about {self.cost:.4g} on {self.requests} requests)"
            )
            return None
        self._reserved_requests += 1
        self._reserved_cost += worst
        return worst

    def settle(self, role: str, booked: float, request: ChatRequest, outcome: ChatOutcome) -> None:
        """Replace a reservation by what the request used."""
        self._reserved_requests -= 1
        self._reserved_cost -= booked
        tally = self._tallies[_group(role)]
        tally.requests += 1
        if outcome.usage is not None:
            tally.prompt_tokens += outcome.usage.prompt_tokens
            tally.completion_tokens += outcome.usage.completion_tokens
        elif outcome.kind is not OutcomeKind.ERROR:
            tally.unreported += 1
            tally.prompt_tokens += estimate_prompt_tokens(request)
            tally.completion_tokens += -(-len(outcome.text or "") // CHARS_PER_TOKEN)

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
            ],
            stopped=self.stopped,
        )


def _group(role: str) -> str:
    """``judge.endpoint`` and ``judge.judges[1].endpoint`` are all "judge"."""
    return "judge" if role.startswith("judge") else role


class MeteredEndpoint(EndpointWrapper):
    """An endpoint that books every request with the run's meter, and sends none past a budget."""

    def __init__(self, endpoint: Endpoint, meter: Meter, role: str, price: Price | None) -> None:
        super().__init__(endpoint)
        self._meter = meter
        self._role = role
        meter.register(role, price)

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        booked = self._meter.reserve(self._role, estimate_prompt_tokens(request), request.max_tokens)
        if booked is None:
            error = f"{NOT_ASKED} ({self._meter.stopped})"
            return ChatOutcome(kind=OutcomeKind.ERROR, error=error, attempts=0)
        outcome = await self._endpoint.complete(request)
        self._meter.settle(self._role, booked, request, outcome)
        return outcome


def total_cost(costs: Iterable[float | None]) -> float | None:
    """The sum of the costs that are known; None when none is (no endpoint has a ``price``)."""
    known = [cost for cost in costs if cost is not None]
    return sum(known) if known else None
