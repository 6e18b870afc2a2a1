"""Check an endpoint before the suite is sent: reachable, key accepted, model served.

``preflight`` lists ``GET {url}/models`` where the server offers it, then sends one
small request to the route the run will use: a chat request for the models and the
judge models, a moderation request for the toxicity classifier. What would otherwise
cost thousands of failed requests and end in an "inconclusive" with the cause at the
bottom of a report becomes one line naming the setting to fix (exit 2): a rejected key,
an unknown model, an unreachable URL, a host name that does not resolve, a redirect.
An endpoint that merely fails or times out is left to the run's circuit breaker
(``guard``). Messages never hold the key.
"""

from __future__ import annotations

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
) -> None:
    """Raise a ConfigError (exit 2) or EndpointError (exit 3) naming what to fix; else None.

    ``role`` is the config path of the endpoint (``finetuned``, ``judge.endpoint``,
    ``toxicity.endpoint``), ``route`` the one the run will call (``CHAT_ROUTE`` or
    ``MODERATION_ROUTE``).
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
    payload = _probe(route, settings.model)
    probe = await transport.exchange(payload, f"preflight:{role}", _interpret, _gave_up)
    status = probe.status
    if status in (401, 403):
        raise _rejected(role, settings, status)
    if status == 404 and served is not None:
        raise ConfigError(
            f"{role}.url: {where}/{route} was not found (HTTP 404); the url goes up to and including /v1"
        )
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
