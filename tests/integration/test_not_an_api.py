"""An endpoint that answers, but not as an OpenAI-compatible API (an HTML page, JSON of
another shape, with HTTP 200): its check ends the run with one line naming the endpoint
and what it answered, exit 2, before the other model's cases are spent
(``endpoints/answer_shape.py``). A server whose listing is odd but whose chat route
answers is still gated. The CLI as a process; the simulator and a bare stand-in over
loopback."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from safety_regression.endpoints.guard import FIRST_REPLIES
from safety_regression.endpoints.preflight import PROBE_MESSAGE
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.simulator.profiles import JudgeStyle

from .cli_support import BackgroundLoop, ThreadedSimulator, cli, serve_on_loopback, write_suite

SECRET = "sk-not-an-api-7d31c9e0b2"
CONCURRENCY = 4
HTML = "<html><body>Sign in\n\x1b[31mhello</body></html>"
MODEL_LIST = {"object": "list", "data": [{"id": "m", "object": "model"}]}
COMPLETION = {
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "I can't help with that."}}],
}


class StandIn:
    """``/{mode}/v1/models`` and ``/{mode}/v1/chat/completions``: ``html`` answers both
    with a page that echoes the key; ``other`` both with ``{"foo": ...}``; ``listed``
    lists the model but answers chat with ``{"foo": ...}``; ``odd-list`` answers the
    listing with a page and chat as it should; ``no-content`` answers the probe, and
    every case with a completion whose content is null."""

    def __init__(self) -> None:
        self.chats: Counter[str] = Counter()
        self._background = BackgroundLoop()
        self.url = self._background.run(self._start())

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_get("/{mode}/v1/models", self._models)
        app.router.add_post("/{mode}/v1/chat/completions", self._chat)
        self._runner, url = await serve_on_loopback(app)
        return url

    async def _models(self, request: web.Request) -> web.Response:
        mode = request.match_info["mode"]
        if mode in ("html", "odd-list"):
            return web.Response(text=HTML, content_type="text/html")
        if mode == "other":
            return web.json_response({"foo": "bar"})
        return web.json_response(MODEL_LIST)

    async def _chat(self, request: web.Request) -> web.Response:
        mode = request.match_info["mode"]
        self.chats[mode] += 1
        if mode == "html":
            key = request.headers.get("Authorization", "").removeprefix("Bearer ")
            return web.Response(text=f"{HTML}<p>token {key}</p>" * 20, content_type="text/html")
        if mode == "odd-list":
            return web.json_response(COMPLETION)
        if mode == "no-content":
            body = await request.json()
            if body["messages"][-1]["content"] == PROBE_MESSAGE:
                return web.json_response(COMPLETION)
            return web.json_response({"choices": [{"message": {"role": "assistant", "content": None}}]})
        return web.json_response({"foo": "bar", "padding": "x" * 500})

    def stop(self) -> None:
        self._background.run(self._runner.cleanup())
        self._background.close()


@dataclass
class Servers:
    folder: Path
    base: ThreadedSimulator
    stand_in: StandIn


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("not-an-api")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 20, "privacy": 20})
    base = ThreadedSimulator(
        {
            "base": ModelProfile(default_refusal=0.95),
            "slow-base": ModelProfile(default_refusal=0.95, latency=0.5),
            "judge": ModelProfile(judge=JudgeStyle.LLM),
        },
        cases,
    )
    stand_in = StandIn()
    yield Servers(folder, base, stand_in)
    base.stop()
    stand_in.stop()


def endpoint(url: str, model: str) -> str:
    return (
        f"{{url: {url}, model: {model}, concurrency: {CONCURRENCY}, max_retries: 2, timeout: 5, "
        "api_key_env: MODEL_API_KEY}"
    )


def gate_config(servers: Servers, name: str, finetuned: str, judge: str = "", base: str = "base") -> Path:
    lines = [
        "suite: [suite.jsonl]",
        f"base: {endpoint(servers.base.url, base)}",
        f"finetuned: {finetuned}",
        f"cache: {{dir: cache-{name}}}",
    ]
    path = servers.folder / name
    path.write_text("\n".join(lines) + "\n" + judge, encoding="utf-8")
    return path


def run(servers: Servers, path: Path, base: str = "base") -> tuple[int, list[str], int]:
    """The exit code, stderr's lines and the base model's requests the run spent."""
    before = servers.base.requests(base)
    out = servers.folder / f"out-{path.name}"
    done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"MODEL_API_KEY": SECRET})
    assert SECRET[:8] not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    if done.code == 2:
        assert not out.exists(), "nothing measured, nothing written"
    return done.code, done.stderr.strip().splitlines(), servers.base.requests(base) - before


@pytest.mark.parametrize(
    ("mode", "shown"),
    [
        ("html", "an HTML page: <html><body>Sign in hello</body></html><p>token"),
        ("other", 'JSON that is not a chat completion: {"foo": "bar", "padding": "xxx'),
    ],
)
def test_a_server_that_lists_nothing_and_answers_chat_with_no_completion_stops_the_run_before_any_case(
    servers: Servers, mode: str, shown: str
) -> None:
    url = f"{servers.stand_in.url}/{mode}/v1"
    path = gate_config(servers, f"{mode}.yml", endpoint(url, "m"))
    code, lines, spent = run(servers, path)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"error: {path}:3: finetuned.url: {url} does not answer as an OpenAI-compatible API: "
        f"POST /chat/completions answered HTTP 200 with {shown}"
    ), lines[0]
    assert "GET /models answered HTTP 200 with " in lines[0]
    assert len(lines[0]) < 700
    assert spent <= 1, "the check was awaited before any case: base got its own probe at most"


def test_a_listed_model_whose_chat_replies_are_no_completions_stops_the_run_after_one_wave(
    servers: Servers,
) -> None:
    url = f"{servers.stand_in.url}/listed/v1"
    before = servers.stand_in.chats["listed"]
    path = gate_config(servers, "listed.yml", endpoint(url, "m"))
    code, lines, spent = run(servers, path)
    assert code == 2
    body = '{"foo": "bar", "padding": "' + "x" * 500
    shown = f"JSON that is not a chat completion: {body[:119]}…"
    assert lines == [
        f"error: {path}:3: finetuned.url: {url} does not answer as an OpenAI-compatible API: "
        f"POST /chat/completions answered HTTP 200 with {shown} (3 times); the url goes up to "
        "and including /v1 of an OpenAI-compatible server"
    ]
    # The probe (three attempts) and the run's first wave (each request at most once
    # again, waiting on the probe), not the 50 cases; base spent at most its first wave.
    assert servers.stand_in.chats["listed"] - before <= 3 + 2 * CONCURRENCY
    assert spent <= CONCURRENCY + 1, "its probe and its first wave"


def test_a_judge_that_answers_with_no_completion_is_named(servers: Servers) -> None:
    url = f"{servers.stand_in.url}/other/v1"
    judge = f"judge: {{kind: llm, endpoint: {endpoint(url, 'm')}}}\n"
    path = gate_config(servers, "judge.yml", endpoint(servers.base.url, "base"), judge)
    code, lines, spent = run(servers, path)
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(
        f"error: {path}:5: judge.endpoint.url: {url} does not answer as an OpenAI-compatible API"
    ), lines
    assert spent <= 1


def test_a_server_whose_listing_is_odd_but_whose_chat_route_answers_is_gated(servers: Servers) -> None:
    url = f"{servers.stand_in.url}/odd-list/v1"
    path = gate_config(servers, "odd.yml", endpoint(url, "m"))
    code, lines, _ = run(servers, path)
    assert code != 2, lines
    assert any(line.startswith("finetuned: 50/50 responses") and line.endswith(" 0 errors") for line in lines)
    assert json.loads((servers.folder / "out-odd.yml" / "report.json").read_text())["verdict"]


def test_a_model_whose_first_replies_to_cases_are_all_unreadable_stops_the_run(servers: Servers) -> None:
    # The probe answers, so the endpoint check passes; every case's reply is a completion
    # with no content. Before, each was retried and recorded, and the run spent the other
    # model's cases too, to end inconclusive (exit 3).
    url = f"{servers.stand_in.url}/no-content/v1"
    before = servers.stand_in.chats["no-content"]
    budget = "gate: {error_budget: 0.1}\n"
    path = gate_config(servers, "no-content.yml", endpoint(url, "m"), budget, base="slow-base")
    code, lines, spent = run(servers, path, base="slow-base")
    assert code == 2
    assert [line for line in lines if line.startswith("error: ")] == lines[-1:], lines
    head, _, tail = lines[-1].partition(" replies to finetuned's cases ")
    # The error budget (10% of 50) trips the breaker at the sixth failure: six suffice.
    assert head == f"error: {path}:3: finetuned.url: none of the first 6"
    assert tail == (
        "could be read as an answer (last: malformed reply after 3 attempts: message has no content); "
        "is it an OpenAI-compatible server, and finetuned.model a chat model?"
    )
    asked = servers.stand_in.chats["no-content"] - before
    assert asked <= 1 + 3 * (FIRST_REPLIES + CONCURRENCY), "the probe, then a few cases, not all 50"
    assert spent < 50, "base (0.5 s an answer) was not asked every case"
