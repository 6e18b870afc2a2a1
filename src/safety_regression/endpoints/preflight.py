"""Check an endpoint before the suite is sent: reachable, key accepted, model served.

``preflight`` lists ``GET {url}/models`` where the server offers it. What would otherwise
cost thousands of failed requests and end in an "inconclusive" with the cause at the
bottom of a report becomes one line naming the setting to fix (exit 2): a rejected key,
an unknown model, an unreachable URL, a host name that does not resolve, a redirect.
An endpoint that merely fails or times out is left to the run's circuit breaker
(``guard``). Messages never hold the key.

Where the list answers 200 and names the configured model, the key is accepted and the
model served: all that is left to learn is that the chat route exists and does not
redirect. A model endpoint (``base``, ``finetuned``; ``watch`` given) learns that from
the run's first replies instead of from a probe every case would wait for (a real
server's time to the first token, 0.2-1 s, on every run): ``RouteWatch`` reads them, and
a 401/403/404/3xx before any other answer raises the same one-line ConfigError the probe
would have. The endpoint sends nothing more from then on, and the run's guard (when the
run has one) cancels what is in flight; no output is written, and nothing is cached for
the rejected requests (a server bills none of them: it refused them before a model ran).
What may be spent before that verdict are the other model's first requests, at most its
``concurrency``, and only for a key the server lets list the model but not ask it; every
other mistake is still caught before any model call. Where the list is absent,
unreadable or does not name models, and for the judge models and the toxicity
classifier (whose first requests come only after the models' answers were paid for),
one small request to the route the run will use (a chat request, or a moderation
request) is still sent first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import aiohttp
from pydantic import BaseModel
from yarl import URL

from safety_regression.config import EndpointConfig
from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE
from safety_regression.endpoints.retry import FailedAttempt
from safety_regression.endpoints.transport import ConcurrencyLimits, Reply, Transport, redirect_reason
from safety_regression.endpoints.wire import json_or_none, safe_url
from safety_regression.errors import ConfigError

PROBE_MESSAGE = "Reply with the single word: ready."
MAX_LISTED_MODELS = 20
_LIST_TIMEOUT = 30.0
_DOCKER_HINT = (
    "is the server running? A Docker container action cannot reach a server on the runner's "
    "127.0.0.1 or localhost: use an address the container can reach"
)


class _Probe(BaseModel):
    status: int | None
    detail: str | None = None
    attempts: int = 1


async def preflight(
    session: aiohttp.ClientSession,
    settings: EndpointConfig,
    role: str,
    api_key: str | None,
    limits: ConcurrencyLimits,
    route: str = CHAT_ROUTE,
    watch: RouteWatch | None = None,
) -> None:
    """Raise a ConfigError (exit 2) or EndpointError (exit 3) naming what to fix; else None.

    ``role`` is the config path of the endpoint (``finetuned``, ``judge.endpoint``,
    ``toxicity.endpoint``), ``route`` the one the run will call (``CHAT_ROUTE`` or
    ``MODERATION_ROUTE``). With ``watch`` (the one the run's endpoint reports its replies
    to), a model the server lists is not probed: ``watch`` checks the route on the run's
    first replies.
    """
    base = URL(settings.url)
    where = safe_url(base)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    served = await _served_models(session, base, where, role, settings, headers)
    if served is not None and settings.model not in served:
        raise _unknown_model(role, settings.model, where, served)
    transport = Transport(
        session,
        settings.url,
        route,
        api_key,
        settings.concurrency,
        settings.timeout,
        min(settings.max_retries, 2),
        limits,
    )
    if watch is not None and served is not None:
        watch.arm(role, settings, where, route)
        return
    payload = _probe(route, settings.model)
    probe = await transport.exchange(payload, f"preflight:{role}", _interpret, _gave_up)
    status = probe.status
    if status in (401, 403):
        raise _rejected(role, settings, status)
    if status == 404 and served is not None:
        raise _route_missing(role, where, route)
    if status == 404:
        raise _unknown_model(role, settings.model, where, served)
    if status is not None and 300 <= status < 400:
        raise ConfigError(f"{role}.url: {probe.detail}")
    # No answer at all (timeouts, 5xx after retries) is not decisive: a flaky server may
    # still answer most cases. The run's circuit breaker stops it if it cannot.


async def _served_models(
    session: aiohttp.ClientSession,
    base: URL,
    where: str,
    role: str,
    settings: EndpointConfig,
    headers: dict[str, str],
) -> list[str] | None:
    """The model ids the server lists, or None when it lists none (no such route, say)."""
    url = base.with_path(base.path.rstrip("/") + "/models").with_query(base.query)
    timeout = aiohttp.ClientTimeout(total=min(settings.timeout, _LIST_TIMEOUT))
    try:
        async with session.get(url, headers=headers, timeout=timeout, allow_redirects=False) as response:
            status, body = response.status, await response.read()
    except TimeoutError:
        return None  # the chat request that follows is retried, and says so if it fails too
    except aiohttp.ClientConnectorDNSError as exc:
        raise _unresolved(role, base, where, exc) from None
    except aiohttp.ClientConnectorError as exc:
        reason = exc.os_error.strerror if exc.os_error and exc.os_error.strerror else type(exc).__name__
        raise ConfigError(
            f"{role}.url: cannot connect to {where} ({reason.lower()}); {_DOCKER_HINT}"
        ) from None
    except aiohttp.ClientError:
        return None
    if status in (401, 403):
        raise _rejected(role, settings, status)
    if status != 200:
        return None
    return _model_ids(json_or_none(body))


async def together(checks: list[Coroutine[Any, Any, None]]) -> None:
    """Run endpoint checks at once; the first to fail cancels the others and is raised."""
    if len(checks) < 2:
        for check in checks:
            await check
        return
    running = [asyncio.ensure_future(check) for check in checks]
    try:
        await asyncio.gather(*running)
    except BaseException:
        for task in running:
            task.cancel()
        raise


def _probe(route: str, model: str) -> dict[str, Any]:
    if route == MODERATION_ROUTE:
        return {"model": model, "input": PROBE_MESSAGE}
    # One token: the answer's status is all the check reads, and every case waits for it,
    # so a real server's round trip is its time to the first token, not to the eighth.
    return {
        "model": model,
        "messages": [{"role": "user", "content": PROBE_MESSAGE}],
        "max_tokens": 1,
        "temperature": 0.0,
    }


def _unresolved(role: str, base: URL, where: str, exc: aiohttp.ClientConnectorDNSError) -> ConfigError:
    """A host name the resolver does not know: a typo, or a name only another network has."""
    why = exc.os_error.strerror if exc.os_error is not None and exc.os_error.strerror else ""
    detail = f" ({why.lower()})" if why else ""
    return ConfigError(
        f"{role}.url: the host name {base.host!r} in {where} does not resolve{detail}; "
        f"check the host in {role}.url"
    )


def _model_ids(data: Any) -> list[str] | None:
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return None
    ids = [row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), str)]
    return ids or None


def _interpret(reply: Reply) -> _Probe | FailedAttempt:
    if reply.status in (408, 409, 425, 429) or reply.status >= 500:
        return FailedAttempt(
            reason=f"HTTP {reply.status}", status=reply.status, retry_after=reply.retry_after
        )
    if 300 <= reply.status < 400:
        return _Probe(status=reply.status, detail=redirect_reason(reply))
    # A 2xx answers; a 400 (a content filter, a parameter the server dislikes) is left
    # for the run to record, as it would be for any case.
    return _Probe(status=reply.status)


def _gave_up(message: str, attempts: int) -> _Probe:
    return _Probe(status=None, detail=message, attempts=attempts)


def _rejected(role: str, settings: EndpointConfig, status: int) -> ConfigError:
    if settings.api_key_env:
        return ConfigError(
            f"{role}: the endpoint rejected the key in ${settings.api_key_env} (HTTP {status})"
        )
    return ConfigError(
        f"{role}: the endpoint wants an API key (HTTP {status}); name the environment variable "
        f"that holds it in {role}.api_key_env"
    )


def _unknown_model(role: str, model: str, where: str, served: list[str] | None) -> ConfigError:
    if served:
        listed = ", ".join(served[:MAX_LISTED_MODELS]) + (", ..." if len(served) > MAX_LISTED_MODELS else "")
        return ConfigError(f"{role}.model: {where} does not serve model {model!r}; it serves: {listed}")
    return ConfigError(f"{role}.model: {where} does not serve model {model!r} (HTTP 404)")


_UNDECIDED = frozenset({408, 409, 425, 429})
"""Statuses that say "try again": they tell nothing about the key or the route."""


class RouteWatch:
    """The route check of one model endpoint, read from the run's first replies.

    Until ``arm`` it watches nothing. Armed, the first reply that is neither a "try
    again" (408, 409, 425, 429, 5xx) nor a refusal settles it: a 2xx or another 4xx (a
    content filter's 400, say) shows the route answers. A 401/403/404/3xx first instead
    raises the ConfigError the probe would have raised, and so does every reply after it
    (the other requests of the first wave). Transport errors are not replies: it waits on.
    """

    def __init__(self) -> None:
        self._armed: tuple[str, EndpointConfig, str, str] | None = None
        self.error: ConfigError | None = None

    def arm(self, role: str, settings: EndpointConfig, where: str, route: str) -> None:
        self._armed = (role, settings, where, route)

    def __call__(self, reply: Reply) -> None:
        """Read one reply of the watched route; raise if it shows a configuration mistake."""
        if self.error is not None:
            raise ConfigError(str(self.error))
        if self._armed is None:
            return
        status = reply.status
        if status in _UNDECIDED or status >= 500:
            return
        role, settings, where, route = self._armed
        if status in (401, 403):
            self.error = _rejected(role, settings, status)
        elif status == 404:
            self.error = _route_missing(role, where, route)
        elif 300 <= status < 400:
            self.error = ConfigError(f"{role}.url: {redirect_reason(reply)}")
        else:
            self._armed = None  # the route answers: nothing more to watch
            return
        raise ConfigError(str(self.error))


def _route_missing(role: str, where: str, route: str) -> ConfigError:
    return ConfigError(
        f"{role}.url: {where}/{route} was not found (HTTP 404); the url goes up to and including /v1"
    )
