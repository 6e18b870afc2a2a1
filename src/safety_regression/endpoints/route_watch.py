"""The route probes of a run's model endpoints, sent alongside their first requests
(``preflight``), and what those endpoints wait for before they send more."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from safety_regression.endpoints.answer_shape import answers_route
from safety_regression.endpoints.base import CHAT_ROUTE
from safety_regression.endpoints.transport import Reply
from safety_regression.errors import ConfigError

_REFUSALS = frozenset({401, 403, 404})
"""Replies that may show a configuration mistake: the probe's answer tells."""


class RouteWatch:
    """The chat-route probes of a run's model endpoints, sent alongside their first
    requests, and what the endpoints wait for before they send more.

    One per run, shared by every model endpoint (``Transport.watch``). ``preflight``
    starts a probe here for each model the server lists (``start``), instead of awaiting
    it. Each endpoint's first wave (its ``concurrency``) goes out at once; any request
    after it waits until every probe has answered, so a mistake costs no more than one
    wave per model. A reply that may show a mistake (401, 403, 404, a redirect) also
    waits for the probes, so a run too small for a second wave learns it too, and so does
    a 2xx that is no chat completion (``answer_shape``). Once a probe shows a mistake,
    every request and reply raises its ConfigError (exit 2). A probe that answers
    decides that the route is fine, and the run's own 401s or 403s (a gateway that
    blocks some prompts) are then recorded as the errors they are.
    """

    def __init__(self) -> None:
        self._probes: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.error: BaseException | None = None

    def start(self, key: tuple[str, str], probe: Coroutine[Any, Any, None]) -> None:
        """Send ``probe`` (a route check that raises a ConfigError) in the background, for
        the endpoint ``key`` (its transport's ``limit_key`` and the model)."""
        task = asyncio.ensure_future(probe)
        task.add_done_callback(self._settled)
        self._probes[key] = task

    def _settled(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        error = task.exception()  # retrieved here, so never "never retrieved"
        if error is not None and self.error is None:
            self.error = error  # a ConfigError; anything else is a bug, raised the same way

    def check(self) -> None:
        """Raise the mistake a probe showed, if any."""
        if isinstance(self.error, ConfigError):
            raise ConfigError(str(self.error))
        if self.error is not None:
            raise self.error

    async def before_send(self, first_wave: bool) -> None:
        """Called before each request: after an endpoint's first wave, wait for the probes."""
        self.check()
        if not first_wave:
            await self.settled()

    async def after_reply(self, key: tuple[str, str], reply: Reply) -> None:
        """Called with each reply before it is read. A 2xx that reads as a chat completion
        shows the route answers, as the probe would have: that endpoint's probe is no
        longer waited for. A 2xx that does not (an HTML page, other JSON) may show a
        mistake, as a refusal may: the probe decides, and the reply waits for it."""
        probe = self._probes.get(key)
        if 200 <= reply.status < 300 and (probe is None or answers_route(CHAT_ROUTE, reply.body)):
            self._probes.pop(key, None)
            if probe is not None and not probe.done():
                probe.cancel()
        elif 200 <= reply.status < 300 or reply.status in _REFUSALS or 300 <= reply.status < 400:
            await self.settled()
        self.check()

    async def settled(self) -> None:
        """Wait until every probe has answered, or one has shown a mistake (raised)."""
        self.check()
        while pending := [task for task in self._probes.values() if not task.done()]:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            self.check()
