"""Whether a 2xx reply is an answer of the route it came from, and what it was if not.

A URL that points at a web page, a login wall or some other JSON service answers
``GET /models`` and ``POST /chat/completions`` with HTTP 200 and a body no run can read:
without a look at the body, its endpoint check passes, and the run pays for the other
model's cases before it ends inconclusive. ``ShapeCheck`` reads the probe's replies
(``preflight``); ``answers_route`` lets ``RouteWatch`` tell a run's first replies that
settle the route from ones that do not. A body is shown (``described``) scrubbed of the
secrets, inert and cut: a page can echo the key and hold terminal escapes.
"""

from __future__ import annotations

from typing import Any

from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE
from safety_regression.endpoints.server_text import ServerText
from safety_regression.endpoints.transport import Reply
from safety_regression.endpoints.wire import error_object, json_or_none
from safety_regression.errors import FieldError

MAX_SHOWN_CHARS = 120
"""What a body is shown cut to, after scrubbing."""
_READ_BYTES = 4096
"""Of a body that is not the route's answer, only its start is looked at."""
_ANSWER_KEYS = {CHAT_ROUTE: ("choices", "a chat completion"), MODERATION_ROUTE: ("results", "a moderation")}


def answers_route(route: str, body: bytes) -> bool:
    """Whether ``body`` has the shape of ``route``'s answer: a JSON object whose
    ``choices`` (a chat completion) or ``results`` (a moderation) is a list. An answer
    the run then cannot read (no content, say) is the run's to record, not a mistake."""
    key, _ = _ANSWER_KEYS.get(route, _ANSWER_KEYS[CHAT_ROUTE])
    data = json_or_none(body)
    return isinstance(data, dict) and isinstance(data.get(key), list)


def described(body: bytes, shown: ServerText, expected: str) -> str:
    """What a body that is not ``expected`` (``"a chat completion"``) was, with its start."""
    text = body[:_READ_BYTES].decode("utf-8", errors="replace")
    if not text.strip():
        return "an empty body"
    start = shown(text, MAX_SHOWN_CHARS)
    data: Any = json_or_none(body) if len(body) <= _READ_BYTES * 64 else None
    if data is not None:
        return f"JSON that is not {expected}: {start}"
    if "<html" in text[:512].lower() or text.lstrip().lower().startswith("<!doctype"):
        return f"an HTML page: {start}"
    return f"text that is not JSON: {start}"


class ShapeCheck:
    """Reads the probe's 2xx replies: counts those that are not the route's answer, and
    keeps what the last one was."""

    def __init__(self, route: str, shown: ServerText) -> None:
        self.route = route
        self._shown = shown
        self.unreadable = 0
        self.last: str | None = None
        self.status = 200

    def reads(self, reply: Reply) -> bool:
        """Whether ``reply`` (a 2xx) is the route's answer; if not, it is counted. An API
        error sent with a 200 (some gateways do) is the route answering: it is left to
        the run, as a 400 is (a probe's one token may be what it objects to)."""
        if answers_route(self.route, reply.body) or error_object(json_or_none(reply.body)) is not None:
            return True
        self.unreadable += 1
        self.status = reply.status
        self.last = described(reply.body, self._shown, _ANSWER_KEYS.get(self.route, ("", "an answer"))[1])
        return False

    def mistake(self, role: str, where: str, attempts: int, listing: str | None) -> FieldError | None:
        """The one line for a probe whose every attempt (``attempts``) answered 2xx with a
        body that is not the route's answer; None otherwise (no reply, or one that read).
        ``listing`` is what ``GET /models`` answered when it answered 200 with no list."""
        if self.last is None or self.unreadable < attempts:
            return None
        times = f" ({attempts} times)" if attempts > 1 else ""
        also = f", and GET /models answered HTTP 200 with {listing}" if listing else ""
        return FieldError(
            f"{role}.url",
            f"{where} does not answer as an OpenAI-compatible API: POST /{self.route} answered HTTP "
            f"{self.status} with {self.last}{times}{also}; the url goes up to and including /v1 of an "
            "OpenAI-compatible server",
        )


def listing_described(body: bytes, shown: ServerText) -> str:
    """What a ``GET /models`` that answered 200 without a model list sent."""
    return described(body, shown, "a model list")
