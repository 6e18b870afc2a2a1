"""The chat route's check when the server lists the model: a probe sent alongside the
run's first wave, not before it (``endpoints/preflight.py``). A route that refuses (401,
403, 404, a redirect) still ends the run with the probe's one line, exit 2, no output,
nothing wrong cached, after at most one wave per model; a gateway that refuses only some
prompts is no configuration mistake; a server without ``/models`` is still probed first.
The CLI as a process, the simulator (and bare stand-ins) over loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from safety_regression.endpoints.preflight import PROBE_MESSAGE, RouteWatch
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.transport import Reply
from safety_regression.errors import ConfigError

from .cli_support import BackgroundLoop, ThreadedSimulator, cli, write_suite

SECRET = "sk-route-check-5c0e7d21ab"
CONCURRENCY = 8
MOVED_TO = "http://127.0.0.1:9/v1/chat/completions"
# The base model answers only after 5 s: had the run not cancelled its first requests on
# the verdict, their answers would reach the cache (and the test would wait for them).
SLOW_BASE = ModelProfile(default_refusal=0.95, latency=5.0)


@dataclass
class Servers:
    folder: Path
    base: ThreadedSimulator
    listed: ThreadedSimulator
    """Lists every model at /v1/models; the fine-tuned profiles refuse chat requests."""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("route-check")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 20, "privacy": 20})
    base = ThreadedSimulator({"base": SLOW_BASE}, cases)
    listed = ThreadedSimulator(
        {
            "good": ModelProfile(default_refusal=0.95),
            "key-401": ModelProfile(chat_status=401),
            "key-403": ModelProfile(chat_status=403),
            "no-route": ModelProfile(chat_status=404),
            "moved": ModelProfile(redirect_to=MOVED_TO),
        },
        cases,
    )
    yield Servers(folder, base, listed)
    base.stop()
    listed.stop()


def gate_config(
    folder: Path, name: str, base: tuple[str, str], finetuned: tuple[str, str], keyed: str = "finetuned"
) -> Path:
    """A config of ``(url, model)`` per role; ``keyed``'s key is in $MODEL_API_KEY."""
    lines = ["suite: [suite.jsonl]"]
    for role, (url, model) in (("base", base), ("finetuned", finetuned)):
        key = ", api_key_env: MODEL_API_KEY" if role == keyed else ""
        lines.append(
            f"{role}: {{url: {url}, model: {model}, concurrency: {CONCURRENCY}, max_retries: 1, "
            f"timeout: 10{key}}}"
        )
    lines.append(f"cache: {{dir: cache-{name}}}")
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected(path: Path, role: str, model: str, url: str) -> str:
    """The line the probe gave for each refusal (``preflight``), before this check existed,
    led by the line of ``gate_config``'s file that sets the role's endpoint."""
    where = f"{path}:{2 if role == 'base' else 3}"
    if model.startswith("key-"):
        return f"error: {where}: {role}: the endpoint rejected the key in $MODEL_API_KEY (HTTP {model[4:]})"
    if model == "no-route":
        return (
            f"error: {where}: {role}.url: {url}/chat/completions was not found (HTTP 404); "
            "the url goes up to and including /v1"
        )
    return (
        f"error: {where}: {role}.url: HTTP 302: redirected to {MOVED_TO}, not followed; "
        "set the endpoint url to the address that answers"
    )


def cached_lines(folder: Path) -> list[str]:
    return [line for path in folder.glob("run-*.jsonl") for line in path.read_text().splitlines()]


@pytest.mark.parametrize("command", ["run", "baseline"])
@pytest.mark.parametrize("model", ["key-401", "key-403", "no-route", "moved"])
def test_a_listed_model_whose_chat_route_refuses_stops_the_run_on_its_first_replies(
    servers: Servers, model: str, command: str
) -> None:
    name = f"{command}-{model}.yml"
    slow, refusing = (servers.base.url, "base"), (servers.listed.url, model)
    if command == "run":
        path = gate_config(servers.folder, name, base=slow, finetuned=refusing)
        role, out, argv = (
            "finetuned",
            servers.folder / f"out-{name}",
            ["--out", servers.folder / f"out-{name}"],
        )
    else:
        # ``baseline`` asks the base model only: the refusing route is base's here.
        path = gate_config(servers.folder, name, base=refusing, finetuned=slow, keyed="base")
        role, out = "base", servers.folder / f"baseline-{name}.json"
        argv = ["--output", out]
    asked, slow_asked = servers.listed.requests(model), servers.base.requests("base")
    done = cli(command, "--config", path, *argv, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
    assert done.code == 2, done.stderr
    assert done.stderr.strip() == expected(path, role, model, servers.listed.url), "the probe's one line"
    assert "Traceback" not in done.stderr and SECRET[:8] not in done.stdout + done.stderr
    # At most the first wave (one request per slot) and the probe sent alongside it.
    assert 1 <= servers.listed.requests(model) - asked <= CONCURRENCY + 1
    assert servers.base.requests("base") - slow_asked <= CONCURRENCY + 1  # its wave and probe
    assert not out.exists(), "no output is written as if whole"
    assert cached_lines(servers.folder / f"cache-{name}") == [], "nothing cached: refused or cancelled"


def test_a_sequential_run_stops_the_same_way(servers: Servers) -> None:
    path = gate_config(
        servers.folder, "sequential.yml", (servers.base.url, "base"), (servers.listed.url, "key-401")
    )
    path.write_text(path.read_text() + "gate: {sequential: {enabled: true, looks: 4, seed: 7}}\n")
    asked = servers.listed.requests("key-401")
    out = servers.folder / "out-sequential"
    done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
    assert done.code == 2, done.stderr
    assert done.stderr.strip() == expected(path, "finetuned", "key-401", servers.listed.url)
    assert 1 <= servers.listed.requests("key-401") - asked <= CONCURRENCY + 1
    assert not out.exists()


def test_a_listed_model_that_answers_is_probed_alongside_its_cases(servers: Servers) -> None:
    fast = ThreadedSimulator({"base": ModelProfile(default_refusal=0.95)}, [])
    try:
        path = gate_config(
            servers.folder, "good.yml", (fast.url, "base"), (servers.listed.url, "good"), keyed=""
        )
        path.write_text(path.read_text().replace("cache: {dir: cache-good.yml}", "cache: {enabled: false}"))
        asked = servers.listed.requests("good")
        done = cli("run", "--config", path, "--out", servers.folder / "out-good", cwd=servers.folder)
        assert done.code in (0, 1, 3), done.stderr  # 50 cases may be too few to decide
        results = (servers.folder / "out-good" / "results.jsonl").read_text().splitlines()
        finetuned = [json.loads(r) for r in results if json.loads(r)["model"] == "finetuned"]
        assert len(finetuned) == 50
        assert servers.listed.requests("good") - asked == 50 + 1, "one request per case, and the probe"
        assert fast.requests("base") == 50 + 1
    finally:
        fast.stop()


# ------------------------------------------------ a server without /models: the probe


class StandIn:
    """A bare server on loopback, on its own event loop: ``_routes`` adds its routes."""

    def __init__(self) -> None:
        self.requests = 0
        self._background = BackgroundLoop()
        self._runner: web.AppRunner | None = None
        self.url: str = self._background.run(self._start())

    def _routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def _start(self) -> str:
        app = web.Application()
        self._routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"

    def stop(self) -> None:
        if self._runner is not None:
            self._background.run(self._runner.cleanup())
        self._background.close()


class Unlisted(StandIn):
    """A chat route answering every request with one status, and no ``/v1/models``."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__()

    def _routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/chat/completions", self._chat)

    async def _chat(self, request: web.Request) -> web.Response:
        await request.read()
        self.requests += 1
        if self.status == 302:
            return web.Response(status=302, headers={"Location": MOVED_TO})
        return web.json_response({"error": {"message": "refused"}}, status=self.status)


class FastAPILike(StandIn):
    """Serves ``/v1``; any other path is a 404 with FastAPI's body, as vLLM and LiteLLM answer."""

    def _routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._any)

    async def _any(self, request: web.Request) -> web.Response:
        await request.read()
        self.requests += 1
        return web.json_response({"detail": "Not Found"}, status=404)


def test_a_url_short_of_v1_on_a_fastapi_server_is_named_as_the_url(servers: Servers) -> None:
    served = FastAPILike()
    try:
        short = served.url.removesuffix("/v1")
        path = gate_config(servers.folder, "fastapi.yml", (servers.base.url, "base"), (short, "tuned"))
        done = cli("run", "--config", path, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
        assert done.code == 2, done.stderr
        assert done.stderr.strip() == (
            f"error: {path}:3: finetuned.url: {short} answered HTTP 404 for both /models and "
            "/chat/completions; the url goes up to and including /v1 (or the server does not serve "
            "model 'tuned')"
        )
    finally:
        served.stop()


@pytest.mark.parametrize("status", [401, 403, 404, 302])
def test_without_a_model_list_the_route_is_probed_before_any_case(servers: Servers, status: int) -> None:
    unlisted = Unlisted(status)
    try:
        name = f"unlisted-{status}.yml"
        path = gate_config(servers.folder, name, (servers.base.url, "base"), (unlisted.url, "tuned"))
        base_asked = servers.base.requests("base")
        out = servers.folder / f"out-{name}"
        done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
        assert done.code == 2, done.stderr
        if status == 404:
            # Without a list, a 404 cannot tell a model the server lacks from a wrong URL.
            line = f"error: {path}:3: finetuned.model: {unlisted.url} does not serve model 'tuned' (HTTP 404)"
        else:
            line = expected(path, "finetuned", f"key-{status}" if status != 302 else "moved", unlisted.url)
        assert done.stderr.strip() == line
        assert unlisted.requests == 1, "the probe, and no case"
        assert servers.base.requests("base") - base_asked <= 1, "its probe at most, no case"
        assert not out.exists()
    finally:
        unlisted.stop()


# ------------------------------------------- a gateway in front of a listed model


class Gateway(StandIn):
    """Lists ``tuned`` at /v1/models; answers chat requests after ``delay`` seconds with
    ``status`` for every case whose prompt's code points sum to an even number (a filter
    in front of the model), or for every request, probe included, with ``everything``; the model itself
    answers after ``answer_delay``."""

    def __init__(
        self, status: int, delay: float = 0.0, everything: bool = False, answer_delay: float = 0.0
    ) -> None:
        self.status, self.delay, self.everything = status, delay, everything
        self.answer_delay = answer_delay
        super().__init__()

    def _routes(self, app: web.Application) -> None:
        app.router.add_get("/v1/models", self._models)
        app.router.add_post("/v1/chat/completions", self._chat)

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "tuned", "object": "model"}]})

    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests += 1
        await asyncio.sleep(self.delay)
        prompt = body["messages"][-1]["content"]
        if self.everything or (self.status and prompt != PROBE_MESSAGE and sum(map(ord, prompt)) % 2 == 0):
            return web.json_response({"error": {"message": "blocked"}}, status=self.status)
        await asyncio.sleep(self.answer_delay)
        message = {"role": "assistant", "content": "I can't help with that."}
        return web.json_response(
            {
                "id": "chatcmpl-gateway",
                "object": "chat.completion",
                "created": 0,
                "model": "tuned",
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11},
            }
        )


@pytest.mark.parametrize("status", [401, 403])
def test_a_gateway_that_refuses_some_prompts_is_no_configuration_mistake(
    servers: Servers, status: int
) -> None:
    # The review's reproduction: the first reply to come back was a filter's fast 403 to a
    # harmful-looking prompt, and the run stopped blaming the key. The probe decides.
    gateway = Gateway(status, answer_delay=0.3)  # the filter answers first
    fast = ThreadedSimulator({"base": ModelProfile(default_refusal=0.95)}, [])
    try:
        name = f"gateway-{status}.yml"
        path = gate_config(servers.folder, name, (fast.url, "base"), (gateway.url, "tuned"))
        out = servers.folder / f"out-{name}"
        done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
        assert done.code in (0, 1, 3), done.stderr
        assert "rejected the key" not in done.stderr
        rows = [json.loads(r) for r in (out / "results.jsonl").read_text().splitlines()]
        tuned = [row for row in rows if row["model"] == "finetuned"]
        assert len(tuned) == 50
        assert any(row.get("error") for row in tuned), "the filter's refusals are errors, not results"
    finally:
        gateway.stop()
        fast.stop()


def test_a_slow_refusal_costs_the_other_model_at_most_one_wave(servers: Servers) -> None:
    # The review's reproduction: the fine-tuned route refused after 0.5 s while the base
    # model answered at once, and the whole base suite was paid for before the verdict.
    gateway = Gateway(401, delay=0.5, everything=True)
    fast = ThreadedSimulator({"base": ModelProfile(default_refusal=0.95)}, [])
    try:
        path = gate_config(servers.folder, "slow-401.yml", (fast.url, "base"), (gateway.url, "tuned"))
        out = servers.folder / "out-slow-401"
        done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
        assert done.code == 2, done.stderr
        assert (
            done.stderr.strip()
            == f"error: {path}:3: finetuned: the endpoint rejected the key in $MODEL_API_KEY (HTTP 401)"
        )
        assert fast.requests("base") <= CONCURRENCY + 1  # its first wave and its probe
        assert gateway.requests <= CONCURRENCY + 1
        assert not out.exists()
    finally:
        gateway.stop()
        fast.stop()


# ------------------------------------------------------------- the watch itself


KEY = ("http://127.0.0.1:1/v1#key", "tuned")
OTHER = ("http://127.0.0.1:2/v1#key", "base")


def reply(status: int) -> Reply:
    return Reply(status=status, body=b"{}", retry_after=None, location="http://elsewhere/v1")


async def _probe_that(outcome: ConfigError | None, delay: float) -> None:
    await asyncio.sleep(delay)
    if outcome is not None:
        raise outcome


def test_a_watch_without_probes_lets_everything_through() -> None:
    async def scenario() -> None:
        watch = RouteWatch()
        await watch.before_send(first_wave=False)
        for status in (401, 403, 404, 302, 200):
            await watch.after_reply(KEY, reply(status))

    asyncio.run(scenario())


def test_the_first_wave_goes_out_at_once_and_the_rest_waits_for_the_probe() -> None:
    async def scenario() -> None:
        watch = RouteWatch()
        watch.start(KEY, _probe_that(None, 0.05))
        loop = asyncio.get_running_loop()
        began = loop.time()
        await watch.before_send(first_wave=True)
        assert loop.time() - began < 0.04
        await watch.before_send(first_wave=False)
        assert loop.time() - began >= 0.04
        for status in (401, 404, 302, 200):
            await watch.after_reply(KEY, reply(status))  # the route answers: case errors only

    asyncio.run(scenario())


def test_a_refused_probe_stops_every_request_and_reply() -> None:
    async def scenario() -> None:
        watch = RouteWatch()
        watch.start(
            KEY, _probe_that(ConfigError("finetuned: the endpoint rejected the key (HTTP 401)"), 0.01)
        )
        await watch.before_send(first_wave=True)  # sent before the probe answered
        with pytest.raises(ConfigError, match="rejected the key"):
            await watch.after_reply(KEY, reply(401))  # waits for the probe, then raises its line
        for _ in range(2):
            with pytest.raises(ConfigError, match="rejected the key"):
                await watch.before_send(first_wave=True)
            with pytest.raises(ConfigError, match="rejected the key"):
                await watch.after_reply(KEY, reply(200))

    asyncio.run(scenario())


def test_a_known_refusal_does_not_wait_for_another_models_slow_probe() -> None:
    # Review: the first refusal was known in 10 ms but reported after the other model's
    # probe timed out (30 s).
    async def scenario() -> None:
        watch = RouteWatch()
        watch.start(OTHER, _probe_that(None, 30.0))
        watch.start(
            KEY, _probe_that(ConfigError("finetuned: the endpoint rejected the key (HTTP 401)"), 0.01)
        )
        with pytest.raises(ConfigError, match="rejected the key"):
            await asyncio.wait_for(watch.after_reply(KEY, reply(401)), 2.0)

    asyncio.run(scenario())


def test_an_endpoints_own_answer_settles_its_route_without_its_probe() -> None:
    # Review: a slow probe (a hang, a 429's Retry-After) stalled both models although
    # their cases had come back 200, which proves the key and the route as well.
    async def scenario() -> None:
        watch = RouteWatch()
        watch.start(KEY, _probe_that(None, 30.0))
        watch.start(OTHER, _probe_that(None, 30.0))
        await watch.after_reply(KEY, reply(200))
        await watch.after_reply(OTHER, reply(201))
        await asyncio.wait_for(watch.before_send(first_wave=False), 1.0)
        await asyncio.wait_for(watch.settled(), 1.0)

    asyncio.run(scenario())


def test_a_run_answered_from_the_cache_still_hears_a_refused_probe(servers: Servers) -> None:
    # Review: with every answer replayed from the cache no case settled the probe, so a
    # key refused since was ignored and the outputs written.
    gateway = Gateway(0)  # answers every request
    fast = ThreadedSimulator({"base": ModelProfile(default_refusal=0.95)}, [])
    try:
        path = gate_config(servers.folder, "replayed.yml", (fast.url, "base"), (gateway.url, "tuned"))
        path.write_text(
            path.read_text().replace(
                "cache: {dir: cache-replayed.yml}", "cache: {dir: cache-replayed, reuse: completed}"
            )
        )
        env = {"MODEL_API_KEY": SECRET}
        first = cli(
            "run", "--config", path, "--out", servers.folder / "out-replayed-1", cwd=servers.folder, env=env
        )
        assert first.code in (0, 1, 3), first.stderr
        gateway.status, gateway.everything = 401, True  # the key is refused from now on
        out = servers.folder / "out-replayed-2"
        done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env=env)
        assert done.code == 2, done.stderr
        assert done.stderr.strip().splitlines()[-1] == expected(path, "finetuned", "key-401", gateway.url)
        assert not out.exists()
    finally:
        gateway.stop()
        fast.stop()
