"""The simulator's HTTP side: OpenAI-compatible chat completions and moderations on aiohttp.web.

A simulated model's latency is its only cost, as a real server's is: the clock starts when
a request's first bytes arrive (not when its handler gets round to it behind the others
of a burst), the answer is worked out and serialised before the wait, and after it only
the write is left. The server is aiohttp's low-level ``web.Server`` with a three-route
table, without the application, router and middleware layers, since the simulator
shares the cores with the client it serves in every benchmark and test.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from pydantic import ValidationError

from safety_regression.endpoints.simulator import wire
from safety_regression.endpoints.simulator.behaviour import (
    Behaviour,
    decide,
    fault_for_attempt,
    uniform,
)
from safety_regression.endpoints.simulator.judging import judge_reply
from safety_regression.endpoints.simulator.moderation import ModerationRequest, moderation_result
from safety_regression.endpoints.simulator.profiles import ModelProfile
from safety_regression.endpoints.simulator.wire import WireRequest
from safety_regression.suites.model import Case

_OWNER = "safety-regression-simulator"
_REQUEST_LOG_SIZE = 256


class _ArrivalProtocol(RequestHandler):
    """aiohttp's connection handler, noting when a request's first bytes arrive."""

    arrived: float | None = None
    """Loop time of the first bytes of the request being read (None between requests)."""

    def data_received(self, data: bytes) -> None:
        if self.arrived is None:
            self.arrived = self._loop.time()
        super().data_received(data)


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        return _ArrivalProtocol(self, loop=self._loop, **self._kwargs)


def _arrival(request: web.BaseRequest) -> float:
    """When ``request`` arrived; call once its body is read (the connection's next request
    is then stamped afresh). Falls back to now for a request sent before the previous
    answer (pipelining), whose bytes came with another's."""
    protocol = request.protocol
    arrived = getattr(protocol, "arrived", None)
    if isinstance(protocol, _ArrivalProtocol):
        protocol.arrived = None
    return arrived if arrived is not None else asyncio.get_running_loop().time()


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the simulator received it, for tests to inspect."""

    path: str
    body: Any
    """The parsed JSON body."""


class ModelSimulator:
    """Serves simulated models named by ``profiles`` that know the prompts in ``cases``.

    A prompt is identified by the text of its last user message. A model whose profile
    names a ``judge`` style labels the simulated answer in each request instead (see
    ``judging``). Counters for tests: ``requests_by_model`` counts every chat request
    (retries included), ``moderations_by_model`` every moderation request (by the model
    it names, "" for none), ``max_in_flight`` the most requests handled at once,
    ``arrivals_by_model`` when each chat request arrived (loop time, oldest first), and
    ``last_requests`` keeps the latest well-formed JSON requests, oldest first.
    """

    def __init__(
        self,
        profiles: Mapping[str, ModelProfile],
        cases: Iterable[Case],
        seed: int = 0,
        api_key: str | None = None,
    ) -> None:
        self.profiles = dict(profiles)
        self.seed = seed
        self.api_key = api_key
        """When set, requests without ``Authorization: Bearer <api_key>`` get a 401."""
        self._cases: dict[str, Case] = {}
        for case in cases:
            self._cases.setdefault(case.prompt_text(), case)
        self.requests_by_model: Counter[str] = Counter()
        self.arrivals_by_model: defaultdict[str, list[float]] = defaultdict(list)
        self.moderations_by_model: Counter[str] = Counter()
        self.last_requests: deque[RecordedRequest] = deque(maxlen=_REQUEST_LOG_SIZE)
        self.default_profile = ModelProfile()
        """Scores moderation requests that name no model."""
        self._judge_asks: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._attempts: Counter[str] = Counter()
        self._runner: web.ServerRunner | None = None
        self.url: str | None = None
        self._routes: dict[str, tuple[str, Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]]] = {
            "/v1/chat/completions": ("POST", self._chat),
            "/v1/models": ("GET", self._models),
            "/v1/moderations": ("POST", self._moderations),
        }

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start listening; returns the base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        runner = web.ServerRunner(_Server(self._route, access_log=None))
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_host, bound_port = runner.addresses[0][:2]
        self.url = f"http://{_url_host(str(bound_host))}:{bound_port}/v1"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.url = None

    async def __aenter__(self) -> ModelSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _route(self, request: web.BaseRequest) -> web.StreamResponse:
        try:
            route = self._routes.get(request.path)
            if route is None:
                return web.Response(status=404, text="404: Not Found")
            method, handler = route
            if request.method != method:
                return web.Response(status=405, text="405: Method Not Allowed", headers={"Allow": method})
            return await handler(request)
        finally:
            # Whatever the route, the connection's next request is stamped afresh: it
            # cannot arrive before this answer (aiohttp's client does not pipeline).
            if isinstance(request.protocol, _ArrivalProtocol):
                request.protocol.arrived = None

    async def _models(self, request: web.BaseRequest) -> web.StreamResponse:
        refused = self._unauthorised(request)
        if refused is not None:
            return refused
        data = [{"id": name, "object": "model", "created": 0, "owned_by": _OWNER} for name in self.profiles]
        return wire.json_response(200, {"object": "list", "data": data})

    async def _chat(self, request: web.BaseRequest) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            content = await request.read()
            arrived = _arrival(request)
            response, latency = self._answer(request, content, arrived)
            await _wait_until(arrived + latency)
            return response
        finally:
            self.in_flight -= 1

    def _answer(self, request: web.BaseRequest, content: bytes, arrived: float) -> tuple[web.Response, float]:
        """The answer to a chat request, and the latency to wait before sending it (none
        for a request refused before a model would see it)."""
        try:
            raw = json.loads(content)
            body = WireRequest.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            return wire.error_response(
                400, f"invalid request body: {_first_line(exc)}", "invalid_request_error"
            ), 0.0
        self.requests_by_model[body.model] += 1
        self.arrivals_by_model[body.model].append(arrived)
        self.last_requests.append(RecordedRequest(request.path, raw))
        refused = self._unauthorised(request)
        if refused is not None:
            return refused, 0.0
        profile = self.profiles.get(body.model)
        if profile is None:
            return wire.unknown_model(body.model), 0.0
        if profile.redirect_to is not None:
            return web.Response(status=302, headers={"Location": profile.redirect_to}), 0.0
        if profile.chat_status is not None:
            message = f"chat requests are refused here (HTTP {profile.chat_status})"
            return wire.error_response(profile.chat_status, message, "simulated_refusal"), 0.0
        if not _may_fail(profile):
            # No fault to draw: the body's own digest names the completion, and no
            # attempt needs counting (canonical JSON of every request is ~10 us).
            return self._reply(profile, body, hashlib.sha256(content).hexdigest()), profile.latency
        request_key = wire.request_key(raw)
        fault = self._fault(profile, request_key)
        if fault is not None:
            return fault, profile.latency
        return self._reply(profile, body, request_key), profile.latency

    def _reply(self, profile: ModelProfile, body: WireRequest, request_key: str) -> web.Response:
        if profile.judge is not None:
            return wire.json_response(200, wire.completion(body, self._judge(profile, body), request_key))
        prompt = wire.last_user_text(body)
        reply = decide(profile, self._cases.get(prompt), prompt, body.seed, self.seed)
        if reply.behaviour is Behaviour.BLOCK:
            return wire.error_response(400, reply.text, "content_filter")
        if profile.blank_rate and uniform(self.seed, "blank", prompt, body.seed) < profile.blank_rate:
            return wire.json_response(200, wire.completion(body, " \n ", request_key))
        completion = wire.completion(body, reply.text, request_key)
        if profile.reply_padding:
            filler = ("lorem ipsum " * (profile.reply_padding // 12 + 1))[: profile.reply_padding]
            completion["choices"][0]["message"]["content"] += filler
        return wire.json_response(200, completion)

    async def _moderations(self, request: web.BaseRequest) -> web.StreamResponse:
        content = await request.read()
        arrived = _arrival(request)
        response, latency = self._moderation(request, content)
        await _wait_until(arrived + latency)
        return response

    def _moderation(self, request: web.BaseRequest, content: bytes) -> tuple[web.Response, float]:
        try:
            raw = json.loads(content)
            body = ModerationRequest.model_validate(raw)
        except (ValueError, ValidationError) as exc:
            return wire.error_response(
                400, f"invalid request body: {_first_line(exc)}", "invalid_request_error"
            ), 0.0
        self.moderations_by_model[body.model or ""] += 1
        self.last_requests.append(RecordedRequest(request.path, raw))
        refused = self._unauthorised(request)
        if refused is not None:
            return refused, 0.0
        profile = self.default_profile if body.model is None else self.profiles.get(body.model)
        if profile is None:
            return wire.unknown_model(str(body.model)), 0.0
        request_key = wire.request_key({"moderation": raw})
        fault = self._fault(profile, request_key)
        if fault is not None:
            return fault, profile.latency
        inputs = [body.input] if isinstance(body.input, str) else body.input
        results = [moderation_result(text, profile.moderation, self.seed) for text in inputs]
        model = body.model or "simulated-moderation"
        body_out = {"id": f"modr-sim-{request_key[:24]}", "model": model, "results": results}
        return wire.json_response(200, body_out), profile.latency

    def _unauthorised(self, request: web.BaseRequest) -> web.Response | None:
        if self.api_key is None or request.headers.get("Authorization") == f"Bearer {self.api_key}":
            return None
        # Echo the key the client sent, as some real servers do: the client must scrub it.
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return wire.error_response(401, f"Incorrect API key provided: {sent or '(none)'}", "invalid_api_key")

    def _fault(self, profile: ModelProfile, request_key: str) -> web.Response | None:
        """The fault this attempt of the request meets, if any (sent after the latency)."""
        self._attempts[request_key] += 1
        fault = fault_for_attempt(profile, request_key, self._attempts[request_key], self.seed)
        return wire.fault_response(fault, profile) if fault is not None else None

    def _judge(self, profile: ModelProfile, body: WireRequest) -> str:
        assert profile.judge is not None
        # A judge that asks again extends the conversation or changes the seed, but keeps
        # its opening turns: those identify what is being judged.
        opening = [(m.role, m.content) for m in body.messages[:2]]
        ask_key = hashlib.sha256(repr((body.model, opening)).encode("utf-8")).hexdigest()
        self._judge_asks[ask_key] += 1
        texts = [m.content for m in body.messages if m.content is not None]
        known = next(
            (self._cases[m.content] for m in body.messages if m.role == "user" and m.content in self._cases),
            None,
        )
        return judge_reply(
            profile.judge,
            profile.judge_output,
            texts,
            known.category if known is not None else None,
            first_ask=self._judge_asks[ask_key] == 1,
        )


def _may_fail(profile: ModelProfile) -> bool:
    """Whether some attempt of a request can meet a fault (see ``fault_for_attempt``)."""
    return bool(profile.rate_limit_rate or profile.error_rate or profile.malformed_rate)


async def _wait_until(deadline: float) -> None:
    """Sleep until the loop time ``deadline`` (not at all when it has passed)."""
    delay = deadline - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def serve(
    profiles: Mapping[str, ModelProfile],
    cases: Iterable[Case],
    host: str = "127.0.0.1",
    port: int = 8000,
    seed: int = 0,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run a simulator until cancelled; ``ready`` is called with the base URL once listening."""
    simulator = ModelSimulator(profiles, cases, seed=seed)
    url = await simulator.start(host, port)
    try:
        if ready is not None:
            ready(url)
        await asyncio.Event().wait()
    finally:
        await simulator.stop()
