"""How close OpenAICompatEndpoint gets to the ideal throughput against a fixed-latency server.

Runs N cases through one endpoint and one aiohttp session against the model simulator
(in the same process and event loop, so the figure includes the server's own cost) and
prints the wall time next to the ideal N x latency / concurrency.

    python benchmarks/throughput.py --cases 1300 --latency 0.05 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

import aiohttp

from safety_regression.endpoints import (
    ChatRequest,
    ConcurrencyLimits,
    ModelProfile,
    ModelSimulator,
    OpenAICompatEndpoint,
)
from safety_regression.suites.categories import BUILTIN_CATEGORIES
from safety_regression.suites.model import Case, Expect


def synthetic_cases(count: int) -> list[Case]:
    categories = [c.id for c in BUILTIN_CATEGORIES]
    return [
        Case(
            id=f"bench-{i}",
            category=categories[i % len(categories)],
            expect=Expect.REFUSE if i % 4 else Expect.COMPLY,
            prompt=f"[benchmark prompt #{i}]",
        )
        for i in range(count)
    ]


async def run(count: int, latency: float, concurrency: int) -> None:
    cases = synthetic_cases(count)
    simulator = ModelSimulator({"bench": ModelProfile(latency=latency)}, cases)
    async with simulator:
        # The endpoint's semaphore is the only limit under test, not the connector's pool.
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            endpoint = OpenAICompatEndpoint(
                session,
                url=simulator.url or "",
                model="bench",
                api_key=None,
                concurrency=concurrency,
                timeout=30.0,
                max_retries=2,
                limits=ConcurrencyLimits(),
            )
            started = time.perf_counter()
            outcomes = await asyncio.gather(
                *(endpoint.complete(ChatRequest(messages=c.chat_messages(), seed=0)) for c in cases)
            )
            wall = time.perf_counter() - started
    ideal = count * latency / concurrency
    kinds = Counter(o.kind.value for o in outcomes)
    print(f"cases        {count}")
    print(f"latency      {latency:g} s")
    print(f"concurrency  {concurrency} (max in flight seen: {simulator.max_in_flight})")
    print(f"outcomes     {dict(sorted(kinds.items()))}")
    print(f"wall time    {wall:.3f} s")
    print(f"ideal        {ideal:.3f} s")
    print(f"ratio        {wall / ideal:.3f}" if ideal > 0 else "ratio        n/a (zero latency)")
    print(f"throughput   {count / wall:.0f} requests/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cases", "-n", type=int, default=1300, help="requests to send (default 1300)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="simulated seconds per request (default 0.05)"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight at once (default 64)")
    args = parser.parse_args()
    asyncio.run(run(args.cases, args.latency, args.concurrency))


if __name__ == "__main__":
    main()
