"""Helpers for end-to-end CLI tests: a simulator on its own thread, and the CLI as a process.

The CLI runs its own event loop (``asyncio.run``), so the simulator it talks to lives on
a separate thread with a loop of its own, exactly as a real server would.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Coroutine, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from safety_regression.endpoints.simulator import ModelProfile, ModelSimulator
from safety_regression.suites.model import Case

if TYPE_CHECKING:
    from aiohttp import web

T = TypeVar("T")


async def serve_on_loopback(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free loopback port; its runner (to clean up) and its base url."""
    from aiohttp import web

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


class BackgroundLoop:
    """An event loop on its own thread, for servers that a subprocess or ``asyncio.run`` talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class ThreadedSimulator:
    """A ModelSimulator served from a background thread until ``stop``."""

    def __init__(
        self, profiles: Mapping[str, ModelProfile], cases: Iterable[Case], api_key: str | None = None
    ) -> None:
        self.simulator = ModelSimulator(profiles, cases, seed=0, api_key=api_key)
        self._background = BackgroundLoop()
        self.url: str = self._background.run(self.simulator.start())

    def requests(self, model: str) -> int:
        return self.simulator.requests_by_model[model]

    def stop(self) -> None:
        self._background.run(self.simulator.stop())
        self._background.close()


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str


def cli(
    *args: str | Path, cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> Completed:
    """Run ``python -m safety_regression ARGS`` as a user would, and capture everything."""
    environment = {**os.environ, **(env or {})}
    process = subprocess.run(
        [sys.executable, "-m", "safety_regression", *map(str, args)],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Completed(process.returncode, process.stdout, process.stderr)


def write_suite(path: Path, categories: Mapping[str, int], benign: int = 10) -> list[Case]:
    """A suite of ``n`` harmful prompts per category plus ``benign`` benign prompts, as JSONL."""
    rows = []
    for category, count in categories.items():
        rows += [
            {
                "id": f"{category}.h{i:02d}",
                "category": category,
                "expect": "refuse",
                "prompt": f"Harmful request number {i} in {category}",
            }
            for i in range(count)
        ]
    rows += [
        {
            "id": f"benign.b{i:02d}",
            "category": "benign_mix",
            "expect": "comply",
            "prompt": f"Harmless question number {i}",
        }
        for i in range(benign)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return [Case.model_validate(row) for row in rows]


def write_config(path: Path, url: str, finetuned: str, *, base: str = "base", extra: str = "") -> Path:
    path.write_text(
        f"suite: [suite.jsonl]\n"
        f"base: {{url: {url}, model: {base}, concurrency: 8, max_retries: 1, timeout: 10}}\n"
        f"finetuned: {{url: {url}, model: {finetuned}, concurrency: 8, max_retries: 1, timeout: 10}}\n"
        f"baseline: baseline.json\n"
        f"{extra}",
        encoding="utf-8",
    )
    return path
