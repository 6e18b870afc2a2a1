"""A server that echoes the API key, in any spelling, gets it into no message and no output:
not the endpoint check's one line (a redirect to ``...?key=``, a model listing that holds
it), not the response cache, the snapshot or the reports (a model that repeats it). The
CLI as a process, a bare stand-in server over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind
from safety_regression.endpoints.cache import CachedEndpoint, ResponseCache
from safety_regression.redaction import PREFIX_MIN_CHARS, all_forms
from safety_regression.suites.model import Message

from .cli_support import BackgroundLoop, cli, serve_on_loopback, write_config, write_suite

KEY = "sk-echoed-7c41e9b20fd36a58"


def spelled(key: str) -> list[str]:
    """The key as a server may write it back."""
    raw = key.encode()
    return [
        key,
        ":".join(f"{byte:02x}" for byte in raw),
        "".join(f"%{byte:02X}" for byte in raw),
        "".join(f"&#{byte};" for byte in raw),
        "".join(f"\\u{byte:04x}" for byte in raw),
        key[: PREFIX_MIN_CHARS + 2],
    ]


def leaks(text: str) -> list[str]:
    """The spellings of KEY in ``text``, and any run of its characters as long as a prefix
    that must be scrubbed."""
    found = [form for form in spelled(KEY) if form in text]
    return found + [KEY[i : i + 10] for i in range(len(KEY) - 9) if KEY[i : i + 10] in text]


class EchoServer:
    """OpenAI-style routes under three prefixes: ``/moved`` redirects its chat route to a
    URL holding the key, ``/listing`` lists model ids holding it (with terminal escapes),
    ``/echo`` lists ``base`` and ``tuned`` and answers every prompt with the key spelled
    every way, JSON-escaped in the body as a real server would."""

    def __init__(self) -> None:
        self._loop = BackgroundLoop()
        self.url = self._loop.run(self._start())

    async def _start(self) -> str:
        async def moved_chat(request: web.Request) -> web.Response:
            location = f"http://127.0.0.1:9/v1/{KEY}/chat?key={KEY}&hex={spelled(KEY)[1]}"
            return web.Response(status=302, headers={"Location": location})

        async def listing(request: web.Request) -> web.Response:
            ids = [f"tuned-{KEY}\x1b[2J\nsecond line", spelled(KEY)[2], "other\r\x07"]
            return web.json_response({"data": [{"id": name} for name in ids]})

        async def echo_models(request: web.Request) -> web.Response:
            return web.json_response({"data": [{"id": "base"}, {"id": "tuned"}]})

        async def echo_chat(request: web.Request) -> web.Response:
            said = "I cannot help. By the way: " + " / ".join(spelled(KEY))
            body = {"choices": [{"message": {"role": "assistant", "content": said}, "finish_reason": "stop"}]}
            return web.json_response(body)

        app = web.Application()
        app.router.add_post("/moved/v1/chat/completions", moved_chat)
        app.router.add_get("/listing/v1/models", listing)
        app.router.add_get("/echo/v1/models", echo_models)
        app.router.add_post("/echo/v1/chat/completions", echo_chat)
        self._runner, url = await serve_on_loopback(app)
        return url

    def stop(self) -> None:
        self._loop.run(self._runner.cleanup())
        self._loop.close()


@pytest.fixture(scope="module")
def server() -> Iterator[EchoServer]:
    echo = EchoServer()
    yield echo
    echo.stop()


def keyed_config(folder: Path, url: str, finetuned: str = "tuned", extra: str = "") -> Path:
    write_suite(folder / "suite.jsonl", {"privacy": 6}, benign=4)
    config = write_config(folder / "gate.yml", url, finetuned, extra=extra)
    config.write_text(config.read_text().replace("timeout: 10}", "timeout: 10, api_key_env: SR_KEY}"))
    return config


def every_file(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in folder.rglob("*")
        if p.is_file() and p.name != "gate.yml"
    )


@pytest.mark.parametrize("prefix", ["moved", "listing"])
def test_the_endpoint_check_never_repeats_a_key_the_server_echoes(
    server: EchoServer, tmp_path: Path, prefix: str
) -> None:
    config = keyed_config(tmp_path, f"{server.url}/{prefix}/v1", finetuned="wanted")
    done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path, env={"SR_KEY": KEY})
    assert done.code == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert leaks(done.stdout + done.stderr) == []
    assert "***" in done.stderr, "the echoed key is replaced, the rest of the line kept"
    # One line per endpoint (base and finetuned are both on this server), each inert.
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("error: ") and "gate.yml:" in line for line in lines), (
        done.stderr
    )
    assert not any(char in done.stderr for char in "\x1b\x07\r"), "the server's text is inert"


def test_a_model_that_echoes_the_key_leaves_it_in_no_cache_snapshot_or_report(
    server: EchoServer, tmp_path: Path
) -> None:
    config = keyed_config(
        tmp_path, f"{server.url}/echo/v1", extra="cache: {dir: cache}\nreport: {show_responses: true}\n"
    )
    env = {"SR_KEY": KEY}
    baseline = cli("baseline", "--config", config, cwd=tmp_path, env=env)
    assert baseline.code == 0, baseline.stderr
    done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path, env=env)
    assert done.code in (0, 1, 3), done.stderr
    cache = every_file(tmp_path / "cache")
    assert "I cannot help" in cache and "***" in cache, "the replies are cached, scrubbed"
    assert leaks(cache) == []
    outputs = every_file(tmp_path / "out") + (tmp_path / "baseline.json").read_text(encoding="utf-8")
    assert "I cannot help" in outputs
    assert leaks(outputs) == []
    assert leaks(done.stdout + done.stderr + baseline.stdout + baseline.stderr) == []


async def test_a_reply_cached_unscrubbed_by_an_older_version_is_scrubbed_as_it_is_read(
    tmp_path: Path,
) -> None:
    request = ChatRequest(messages=(Message(role="user", content="hi"),))

    class Silent:
        identity, model = "http://127.0.0.1:9/v1", "m"

        async def complete(self, request: ChatRequest) -> ChatOutcome:
            raise AssertionError("answered from the cache")

    path = tmp_path / "cache.jsonl"
    key = request.cache_key(Silent.identity, Silent.model)
    old = ChatOutcome(kind=OutcomeKind.ANSWERED, text=f"the key: {KEY}")
    path.write_text(json.dumps({"key": key, "outcome": old.model_dump(mode="json")}) + "\n", encoding="utf-8")
    cached = CachedEndpoint(Silent(), ResponseCache(path), secrets=all_forms([KEY]))
    assert (await cached.complete(request)).text == "the key: ***"
