"""Check an endpoint before the suite is sent: reachable, key accepted, model served.

``preflight`` lists ``GET {url}/models`` where the server offers it. What would otherwise
cost thousands of failed requests and end in an "inconclusive" with the cause at the
bottom of a report becomes one line naming the setting to fix (exit 2): a rejected key,
an unknown model, an unreachable URL, a host name that does not resolve, a redirect.
An endpoint that merely fails or times out is left to the run's circuit breaker
(``guard``). Messages never hold the key.

Where the list answers 200 and names the configured model, the key is accepted and the
model served: all that is left to learn is that the chat route exists and does not
redirect. For a model endpoint (``base``, ``finetuned``; ``watch`` given) the one small
chat request that tells it (the probe) is sent alongside the run's first wave instead
of before it, so no case waits a round trip (a real server's time to the first token,
0.2-1 s, on every run). ``RouteWatch`` holds every model's requests after its first wave
(its ``concurrency``) until every probe has answered, and a reply that may show a
mistake (401, 403, 404, a redirect) waits for them too; a refused probe raises the same
one-line ConfigError as before, on every request and reply from then on, and the run's
guard cancels what is in flight: no output is written. What may be spent before that
verdict is one wave per model; a refused route bills none of it. It is the probe, a
benign question, that decides, never a case's reply: a gateway that refuses some
harmful-looking prompts with a 403 is no configuration mistake, and those replies are
recorded as the errors they are. Where the list is absent, unreadable or does not name
models, and for the judge models and the toxicity classifier (whose first requests come
only after the models' answers were paid for), the probe is still sent, and awaited,
first.

A probe answered with HTTP 200 and a body that is no answer of the route (an HTML page,
JSON of another shape: a URL that points at a web app or some other service) is retried
like any broken reply; when every attempt answered so, that is the one line
(``answer_shape``), naming what the server sent and, when ``GET /models`` answered 200
with no model list, what that sent too. An odd listing alone is not decisive: a server
whose chat route answers is gated.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from pydantic import BaseModel
from yarl import URL

from safety_regression.config import EndpointConfig
from safety_regression.endpoints.answer_shape import ShapeCheck, listing_described
from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE
from safety_regression.endpoints.retry import FailedAttempt, asks_to_try_again
from safety_regression.endpoints.route_watch import RouteWatch
from safety_regression.endpoints.server_text import MAX_NAME_CHARS, ServerText
from safety_regression.endpoints.transport import ConcurrencyLimits, Reply, Transport, redirect_reason
from safety_regression.endpoints.wire import json_or_none, safe_url
from safety_regression.errors import ConfigError, FieldError

__all__ = ["PROBE_MESSAGE", "Locate", "RouteWatch", "preflight", "together"]

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
    locate: Locate | None = None,
) -> None:
    """Raise a ConfigError (exit 2) or EndpointError (exit 3) naming what to fix; else None.

    ``role`` is the config path of the endpoint (``finetuned``, ``judge.endpoint``,
    ``toxicity.endpoint``), ``route`` the one the run will call (``CHAT_ROUTE`` or
    ``MODERATION_ROUTE``). With ``watch`` (the run's, which its model endpoints consult),
    the probe of a model the server lists is sent in the background, alongside the run's
    first wave, and ``watch`` holds the rest until it has answered. With ``locate``, every
    mistake starts with where its field is written (``gate.yml:7: finetuned.model: ...``).
    """
    await _located(_preflight(session, settings, role, api_key, limits, route, watch, locate), locate)


Locate = Callable[[str], str]
"""Where a config field is written, ``file:line``, given its dotted path (``finetuned.model``):
the caller that holds the config knows (``Config.where``); this module does not."""


async def _located(check: Awaitable[None], locate: Locate | None) -> None:
    """Await ``check``; a FieldError it raises is raised again with its field's place."""
    try:
        await check
    except FieldError as exc:
        if locate is None:
            raise
        raise ConfigError(f"{locate(exc.at)}: {exc}") from None


async def _preflight(
    session: aiohttp.ClientSession,
    settings: EndpointConfig,
    role: str,
    api_key: str | None,
    limits: ConcurrencyLimits,
    route: str,
    watch: RouteWatch | None,
    locate: Locate | None,
) -> None:
    base = URL(settings.url)
    where = safe_url(base)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    # What the server writes back may echo a secret: every message built from it is shown
    # scrubbed and inert (``server_text``).
    shown = ServerText((api_key, base.password, base.query_string))
    served, listing, odd = await _served_models(session, base, where, role, settings, headers, shown)
    if served is not None and settings.model not in served:
        raise _unknown_model(role, settings.model, where, served, shown)
    alongside = watch is not None and served is not None
    transport = Transport(
        session,
        settings.url,
        route,
        api_key,
        settings.concurrency,
        settings.timeout,
        min(settings.max_retries, 2),
        # Sent alongside the first wave, the probe has a slot of its own: the run's
        # requests hold theirs while they wait for it. It counts against the endpoint's
        # rate caps like any request (found in review: a cap of 30 saw 31 in a second).
        limits.own_slots() if alongside else limits,
        requests_per_minute=settings.requests_per_minute,
        tokens_per_minute=settings.tokens_per_minute,
    )
    payload = _probe(route, settings.model)
    shape = ShapeCheck(route, shown)
    probe = transport.exchange(payload, f"preflight:{role}", lambda reply: _interpret(reply, shape), _gave_up)
    if watch is not None and alongside:
        checked = _located(_judged(probe, role, settings, where, shape, served, shown), locate)
        watch.start((transport.limit_key, settings.model), checked)
        return
    await _judged(probe, role, settings, where, shape, served, shown, listing, odd)


async def _judged(
    probe: Awaitable[_Probe],
    role: str,
    settings: EndpointConfig,
    where: str,
    shape: ShapeCheck,
    served: list[str] | None,
    shown: ServerText,
    listing: int | None = None,
    odd: str | None = None,
) -> None:
    """Await the probe and raise the ConfigError its answer shows, if any. ``listing`` is
    the status of ``GET /models`` when it listed nothing, ``odd`` what it sent when that
    was a 200 with no model list."""
    answer = await probe
    status, route = answer.status, shape.route
    not_an_api = shape.mistake(role, where, answer.attempts, odd)
    if not_an_api is not None:
        raise not_an_api
    if status in (401, 403):
        raise _rejected(role, settings, status)
    if status == 404 and served is not None:
        raise _route_missing(role, where, route)
    if status == 404 and listing == 404 and answer.detail != _ANSWERED:
        # Neither route is there (plain 404s, no API error): far more often a url short of
        # (or past) its /v1 than a server that lists no models and does not know this one.
        raise FieldError(
            f"{role}.url",
            f"{where} answered HTTP 404 for both /models and /{route}; the url goes "
            f"up to and including /v1 (or the server does not serve model {settings.model!r})",
        )
    if status == 404:
        raise _unknown_model(role, settings.model, where, served, shown)
    if status is not None and 300 <= status < 400:
        raise FieldError(f"{role}.url", shown(str(answer.detail)))
    # No answer at all (timeouts, 5xx after retries) is not decisive: a flaky server may
    # still answer most cases. The run's circuit breaker stops it if it cannot.


async def _served_models(
    session: aiohttp.ClientSession,
    base: URL,
    where: str,
    role: str,
    settings: EndpointConfig,
    headers: dict[str, str],
    shown: ServerText,
) -> tuple[list[str] | None, int | None, str | None]:
    """The model ids the server lists, or None when it lists none (no such route, say),
    with the listing's HTTP status (None when no reply came) and, for a 200 that is no
    model list, what it was (``answer_shape``: the probe decides whether that matters)."""
    url = base.with_path(base.path.rstrip("/") + "/models").with_query(base.query)
    timeout = aiohttp.ClientTimeout(total=min(settings.timeout, _LIST_TIMEOUT))
    try:
        async with session.get(url, headers=headers, timeout=timeout, allow_redirects=False) as response:
            status, body = response.status, await response.read()
    except TimeoutError:
        return None, None, None  # the chat request that follows is retried, and says so if it fails too
    except aiohttp.ClientConnectorDNSError as exc:
        raise _unresolved(role, base, where, exc) from None
    except aiohttp.ClientConnectorError as exc:
        reason = exc.os_error.strerror if exc.os_error and exc.os_error.strerror else type(exc).__name__
        raise FieldError(
            f"{role}.url", f"cannot connect to {where} ({reason.lower()}); {_DOCKER_HINT}"
        ) from None
    except aiohttp.ClientError:
        return None, None, None
    if status in (401, 403):
        raise _rejected(role, settings, status)
    if status != 200:
        return None, status, None
    data = json_or_none(body)
    odd = (
        None
        if isinstance(data, dict) and isinstance(data.get("data"), list)
        else listing_described(body, shown)
    )
    return _model_ids(data), status, odd


async def together(checks: list[Coroutine[Any, Any, None]]) -> None:
    """Run endpoint checks at once. A check that shows a mistake (a ConfigError) gives the
    others up to ``MISTAKES_GRACE`` seconds to show theirs, so a user who got two endpoints
    wrong hears of both, one line each; anything else is raised at once."""
    if len(checks) < 2:
        for check in checks:
            await check
        return
    running = [asyncio.ensure_future(check) for check in checks]
    try:
        done, pending = await asyncio.wait(running, return_when=asyncio.FIRST_EXCEPTION)
        deadline = asyncio.get_running_loop().time() + MISTAKES_GRACE
        while pending and all(isinstance(task.exception(), ConfigError) for task in done if task.exception()):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            more, pending = await asyncio.wait(
                pending, timeout=remaining, return_when=asyncio.FIRST_EXCEPTION
            )
            done |= more
        errors = [task.exception() for task in running if task.done() and not task.cancelled()]
        unexpected = [error for error in errors if error is not None and not isinstance(error, ConfigError)]
        if unexpected:
            raise unexpected[0]
        mistakes = [str(error) for error in errors if isinstance(error, ConfigError)]
        if mistakes:
            raise ConfigError("\n".join(mistakes))
    finally:
        for task in running:
            task.cancel()


MISTAKES_GRACE = 5.0
"""Seconds the other endpoint checks are given, once one has shown a mistake."""


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
    return FieldError(
        f"{role}.url",
        f"the host name {base.host!r} in {where} does not resolve{detail}; check the host in {role}.url",
    )


def _model_ids(data: Any) -> list[str] | None:
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        return None
    ids = [row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), str)]
    return ids or None


def _interpret(reply: Reply, shape: ShapeCheck) -> _Probe | FailedAttempt:
    if 200 <= reply.status < 300 and not shape.reads(reply):
        # Retried, like any broken 2xx: a probe that never answers as the API does is
        # a mistake (``ShapeCheck.mistake``), one reply from a hiccuping proxy is not.
        return FailedAttempt(reason=f"HTTP {reply.status}: not an API answer", status=reply.status)
    if asks_to_try_again(reply.status):
        return FailedAttempt(
            reason=f"HTTP {reply.status}", status=reply.status, retry_after=reply.retry_after
        )
    if 300 <= reply.status < 400:
        return _Probe(status=reply.status, detail=redirect_reason(reply))
    body = json_or_none(reply.body) if reply.status == 404 else None
    if isinstance(body, dict) and body != _NO_ROUTE:
        return _Probe(status=404, detail=_ANSWERED)  # the route is there: an API error
    # A 2xx answers; a 400 (a content filter, a parameter the server dislikes) is left
    # for the run to record, as it would be for any case.
    return _Probe(status=reply.status)


_ANSWERED = "answered with an API error"
_NO_ROUTE = {"detail": "Not Found"}
"""What a FastAPI server (vLLM, LiteLLM, ...) answers for a route it does not have."""


def _gave_up(message: str, attempts: int) -> _Probe:
    return _Probe(status=None, detail=message, attempts=attempts)


def _rejected(role: str, settings: EndpointConfig, status: int) -> FieldError:
    # The line is api_key_env's; the endpoint's when it names none (the locator's fallback).
    at = f"{role}.api_key_env"
    if settings.api_key_env:
        return FieldError(
            role, f"the endpoint rejected the key in ${settings.api_key_env} (HTTP {status})", at=at
        )
    return FieldError(
        role,
        f"the endpoint wants an API key (HTTP {status}); name the environment variable "
        f"that holds it in {role}.api_key_env",
        at=at,
    )


def _unknown_model(
    role: str, model: str, where: str, served: list[str] | None, shown: ServerText
) -> FieldError:
    if served:
        names = [shown(name, MAX_NAME_CHARS) for name in served[:MAX_LISTED_MODELS]]
        listed = ", ".join(names) + (", ..." if len(served) > MAX_LISTED_MODELS else "")
        return FieldError(f"{role}.model", f"{where} does not serve model {model!r}; it serves: {listed}")
    return FieldError(f"{role}.model", f"{where} does not serve model {model!r} (HTTP 404)")


def _route_missing(role: str, where: str, route: str) -> FieldError:
    return FieldError(
        f"{role}.url", f"{where}/{route} was not found (HTTP 404); the url goes up to and including /v1"
    )
