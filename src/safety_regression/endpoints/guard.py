"""Stop a run that can no longer be conclusive, or that has run out of time.

One ``RunGuard`` watches every model request of a run. It trips when one model's failed
requests exceed what the error budget allows for that model (the verdict could then only
be inconclusive, so asking on wastes time and money), or when the run's deadline
passes. From then on no request is sent: requests in flight are cancelled and every
request not yet answered comes back at once as an ``error`` outcome that says why, so
the gate ends inconclusive and the report is still written. Nothing is cached for those
requests, so the next run resumes where this one stopped.

A configuration mistake that a reply reveals (a ``ConfigError`` out of an endpoint: the
route probe sent alongside the first wave, see ``preflight.RouteWatch``) stops the run the same
way, except that nothing is measured: every guarded request in flight or asked later
raises that error, so the run ends with it (exit 2) and writes no output. So does a model
whose first ``FIRST_REPLIES`` answered requests were all replies no answer could be read
from (2xx, malformed), or at least ``FEWEST_REPLIES`` when the error budget would trip the
breaker sooner: its probe answered, its cases do not, and asking the rest would only
spend them. Any other outcome first (an answer, a timeout, a 500) leaves that model
to the error budget, as before: an error is never counted as a result either way.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import NoReturn

from safety_regression.endpoints.base import (
    FAILED_OUTCOMES,
    MALFORMED,
    NOT_ASKED,
    NOT_RETRIED,
    ChatOutcome,
    ChatRequest,
    Endpoint,
    EndpointWrapper,
    OutcomeKind,
    StoppedAfterFailure,
)
from safety_regression.errors import ConfigError


class RunGuard:
    """The circuit breaker and deadline of one run, shared by all its guarded endpoints."""

    def __init__(
        self,
        *,
        deadline: float | None,
        error_budget: float | None,
        clock: Callable[[], float] = time.monotonic,
        halted: Callable[[], bool] | None = None,
    ) -> None:
        self._deadline_seconds = deadline
        self._halted = halted
        """True once something else (a budget, ``metering.Meter``) stopped the run."""
        self._error_budget = error_budget
        self._clock = clock
        self._deadline_at = clock() + deadline if deadline is not None else None
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[object]] = set()
        self._cancelled: set[asyncio.Task[object]] = set()
        self._failures: dict[str, int] = {}
        self._unjudged: dict[str, int] = {}
        """Of ``_failures``: responses the judge could not label (``unjudged``)."""
        self._abstained: dict[tuple[str, str], int] = {}
        """Per role and vote member: answers the member could not label (``abstained``)."""
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._planned: dict[str, int] = {}
        self.stopped: str | None = None
        """Why the run stopped, with the first error's cause; None while it runs."""
        self.first_error: str | None = None
        self.rejected: ConfigError | None = None
        """The configuration mistake a reply revealed (``reject``); None while it runs."""
        self.locate: Callable[[str], str] | None = None
        """``file:line`` of a config field (``finetuned.url``), for ``unreadable``'s line."""
        self._unreadable: dict[str, int] = {}
        """Per role: its first answered requests, while every one was malformed."""
        self._read: set[str] = set()
        """Roles whose first answered requests were not all malformed."""
        self._last_unreadable = ""

    def plan(self, role: str, requests: int) -> None:
        """Tell the guard how many requests ``role``'s snapshot will hold."""
        self._planned[role] = self._planned.get(role, 0) + requests

    def guard(self, endpoint: Endpoint, role: str, concurrency: int) -> GuardedEndpoint:
        """``endpoint`` behind this guard. At most ``concurrency`` of ``role``'s requests are
        inside it at once, retries and their backoff included: a retry then waits for a
        few requests, not behind every first attempt of the suite, so failures surface
        (and trip the breaker) while most of the suite is still unsent."""
        if role not in self._slots:
            self._slots[role] = asyncio.Semaphore(concurrency)
        return GuardedEndpoint(endpoint, self, role, self._slots[role])

    def trip(self, reason: str) -> None:
        """Stop the run: cancel what is in flight; later requests are not sent."""
        if self.stopped is not None:
            return
        cause = f"; first error: {self.first_error}" if self.first_error else ""
        self.stopped = f"{reason}{cause}"
        if self._timer is not None:
            self._timer.cancel()
        for task in list(self._running):
            self._cancelled.add(task)
            task.cancel()

    def reject(self, error: ConfigError) -> None:
        """Stop the run for a configuration mistake: ``trip``, and every guarded request
        in flight or asked later raises ``error``."""
        if self.rejected is None:
            self.rejected = error
        self.trip(str(error))

    def not_asked(self, cancelled: asyncio.CancelledError | None = None) -> ChatOutcome:
        """The outcome of a request the stopped run did not finish: never sent, or, when
        ``cancelled`` carries its failure, sent, failed and not retried."""
        if self.rejected is not None:
            raise ConfigError(str(self.rejected))
        if isinstance(cancelled, StoppedAfterFailure):
            error = f"{cancelled.failure}; {NOT_RETRIED} ({self.stopped})"
            return ChatOutcome(kind=OutcomeKind.ERROR, error=error, attempts=cancelled.attempts)
        return ChatOutcome(kind=OutcomeKind.ERROR, error=f"{NOT_ASKED} ({self.stopped})", attempts=0)

    def _arm(self) -> None:
        if self._timer is not None or self._deadline_at is None or self.stopped is not None:
            return
        remaining = max(self._deadline_at - self._clock(), 0.0)
        self._timer = asyncio.get_running_loop().call_later(remaining, self._deadline_passed)

    def _deadline_passed(self) -> None:
        assert self._deadline_seconds is not None
        self.trip(f"the run reached its deadline (run.deadline = {_duration(self._deadline_seconds)})")

    def _record(self, role: str, outcome: ChatOutcome) -> None:
        if outcome.kind not in FAILED_OUTCOMES or outcome.attempts == 0:
            return  # an answer, or a request never sent (a budget stopped it): no failure
        if outcome.error is not None and outcome.error.startswith(NOT_ASKED):
            return  # a request a budget did not send: the run stopped, the endpoint did not fail
        if self._halted is not None and self._halted():
            # A budget stopped the run: nothing more is sent, so the breaker has nothing
            # left to save, and a failure whose retry the budget refused is not its case.
            return
        if self.first_error is None:
            self.first_error = f"{role}: {outcome.error}"
        self._count(role)

    def unreadable(self, role: str, outcome: ChatOutcome) -> None:
        """Count ``role``'s first answered requests while each is malformed; at the
        ``FIRST_REPLIES``-th, stop the run for a mistake (``reject``) and raise it."""
        if role in self._read or self.stopped is not None or outcome.attempts == 0:
            return
        error = outcome.error or ""
        if outcome.kind is not OutcomeKind.ERROR or not error.startswith(MALFORMED):
            self._read.add(role)
            return
        self._unreadable[role] = self._unreadable.get(role, 0) + 1
        self._last_unreadable = error
        if self._unreadable[role] >= FIRST_REPLIES:
            self._not_an_api(role)

    def _not_an_api(self, role: str) -> NoReturn:
        field = f"{role}.url"
        where = f"{self.locate(field)}: " if self.locate is not None else ""
        mistake = ConfigError(
            f"{where}{field}: none of the first {self._unreadable[role]} replies to {role}'s cases could "
            f"be read as an answer (last: {self._last_unreadable}); is it an OpenAI-compatible server, "
            f"and {role}.model a chat model?"
        )
        self.reject(mistake)
        raise ConfigError(str(mistake))

    def unjudged(self, role: str) -> None:
        """One of ``role``'s answers that the judge could not label: an error, not a result,
        counted against the error budget like a failed request (a judge that is down
        makes the verdict inconclusive as surely as a model that is)."""
        if self.stopped is not None or (self._halted is not None and self._halted()):
            return
        if self.first_error is None:
            self.first_error = f"{role}: the judge could not label an answer"
        self._unjudged[role] = self._unjudged.get(role, 0) + 1
        self._count(role)

    def abstained(self, role: str, member: str) -> None:
        """A vote member that could not label one of ``role``'s answers (the vote went on
        without it). Once it has missed more than the error budget of ``role``'s
        requests, the gate counts every answer it missed as unjudged (``gate.abstentions``),
        so the verdict can only be inconclusive: the breaker trips then, as for unjudged."""
        if self.stopped is not None or (self._halted is not None and self._halted()):
            return
        key = (role, member)
        self._abstained[key] = missed = self._abstained.get(key, 0) + 1
        planned = self._planned.get(role)
        if self._error_budget is None or not planned or missed <= math.floor(self._error_budget * planned):
            return
        if self.first_error is None:
            self.first_error = f"{role}: vote member {member} could not label an answer"
        self.trip(
            f"{role}: vote member {member} could not label {missed} of {planned} answers, more than "
            f"the error budget of {self._error_budget:.1%} allows (the gate counts them unjudged), so "
            "the run could no longer be conclusive"
        )

    def _count(self, role: str) -> None:
        self._failures[role] = failures = self._failures.get(role, 0) + 1
        planned = self._planned.get(role)
        if self._error_budget is None or not planned:
            return
        allowed = math.floor(self._error_budget * planned)
        if failures > allowed:
            if role not in self._read and self._unreadable.get(role, 0) >= FEWEST_REPLIES:
                self._not_an_api(role)  # every answered request so far was malformed: a mistake
            unjudged = self._unjudged.get(role, 0)
            what = "requests failed"
            if unjudged:
                what = f"requests failed or went unjudged ({unjudged} unjudged: the judge failed)"
            self.trip(
                f"{role}: {failures} of {planned} {what}, more than the error budget of "
                f"{self._error_budget:.1%} allows, so the run could no longer be conclusive"
            )


class GuardedEndpoint(EndpointWrapper):
    """An endpoint whose requests stop when its run's guard trips."""

    def __init__(self, endpoint: Endpoint, guard: RunGuard, role: str, slots: asyncio.Semaphore) -> None:
        super().__init__(endpoint)
        self._guard = guard
        self._role = role
        self._slots = slots

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        guard = self._guard
        if guard.stopped is not None:
            return guard.not_asked()
        guard._arm()
        task = asyncio.current_task()
        assert task is not None
        guard._running.add(task)
        try:
            async with self._slots:
                if guard.stopped is not None:
                    return guard.not_asked()
                outcome = await self._endpoint.complete(request)
        except ConfigError as exc:
            guard._running.discard(task)  # this task ends with the error: not cancelled too
            guard.reject(exc)
            raise
        except asyncio.CancelledError as cancelled:
            # Our own cancellation (the guard tripped) becomes an answer-less outcome;
            # anyone else's (Ctrl-C) propagates.
            if task in guard._cancelled and task.uncancel() == 0:
                guard._cancelled.discard(task)
                return guard.not_asked(cancelled)
            raise
        finally:
            guard._running.discard(task)
        guard.unreadable(self._role, outcome)
        guard._record(self._role, outcome)
        return outcome


FIRST_REPLIES = 8
"""A model whose first this many answered requests were all malformed stops the run."""
FEWEST_REPLIES = 3
"""When the error budget trips the breaker sooner, as few as this many do (exit 2, not
inconclusive): fewer may be a flaky server's."""


def _duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"
