"""The project's simulator, counting what each tool really asked, for run_peers.py.

Runs in its own process. It serves the simulator's chat completions and answers two
commands, one per line on standard input:

- ``counts``: prints one JSON line, ``{"requests": R, "answered": A, "peak": P}``: R chat
  requests received (retries included), A distinct (model, prompt) pairs answered with a
  200, P the most requests in flight at once;
- ``reset``: sets them to zero and prints ``ok``.

So a tool that stops early, or whose requests fail, shows fewer answers than prompts,
and is reported as such instead of timed as a success.

    python benchmarks/peers/counting.py --profiles profiles.json --suite suite.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from aiohttp import web

from safety_regression.endpoints.simulator import ModelSimulator, clock, load_profiles
from safety_regression.endpoints.simulator.profiles import ModelProfile
from safety_regression.suites import Case, load_suite


class CountingSimulator(ModelSimulator):
    """The simulator, also remembering which (model, suite prompt) pairs it answered.

    A prompt not in the suite (a client's own probe of the endpoint) counts as a request
    but not as an answer.
    """

    def __init__(self, profiles: Mapping[str, ModelProfile], cases: Iterable[Case]) -> None:
        cases = list(cases)
        super().__init__(profiles, cases)
        self.prompts = {case.prompt_text() for case in cases}
        self.answered: set[tuple[str, str]] = set()

    async def _chat(self, request: web.BaseRequest) -> web.StreamResponse:
        response = await super()._chat(request)
        if response.status == 200:
            body = json.loads(await request.read())  # aiohttp keeps the body read above
            users = [m.get("content") for m in body["messages"] if m.get("role") == "user"]
            if users and users[-1] in self.prompts:
                self.answered.add((str(body["model"]), users[-1]))
        return response

    def counts(self) -> dict[str, int]:
        return {
            "requests": sum(self.requests_by_model.values()),
            "answered": len(self.answered),
            "peak": self.max_in_flight,
        }

    def reset(self) -> None:
        self.requests_by_model.clear()
        self.answered.clear()
        self.max_in_flight = self.in_flight


def command(simulator: CountingSimulator, line: str) -> str:
    """The reply to one control line."""
    word = line.strip()
    if word == "counts":
        return json.dumps(simulator.counts())
    if word == "reset":
        simulator.reset()
        return "ok"
    return json.dumps({"error": f"unknown command {word!r}; use counts or reset"})


async def serve(profiles: Path, suite: Path) -> None:
    simulator = CountingSimulator(load_profiles(profiles), load_suite([str(suite)]).cases)
    url = await simulator.start("127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()

    def control() -> None:  # on its own thread: the commands run on the event loop
        for line in sys.stdin:
            reply = asyncio.run_coroutine_threadsafe(_run(simulator, line), loop).result()
            print(reply, flush=True)
        loop.call_soon_threadsafe(stopped.set)

    print(f"counting simulator at {url}", file=sys.stderr, flush=True)
    threading.Thread(target=control, daemon=True).start()
    try:
        await stopped.wait()
    finally:
        await simulator.stop()


async def _run(simulator: CountingSimulator, line: str) -> str:
    return command(simulator, line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", type=Path, required=True)
    parser.add_argument("--suite", type=Path, required=True)
    args = parser.parse_args()
    clock.run(serve(args.profiles, args.suite))  # the same precise timers as `simulate`


if __name__ == "__main__":
    main()
