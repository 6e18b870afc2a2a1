"""Fixtures for integration tests: real loopback servers and a real HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping

import aiohttp
import pytest_asyncio

from safety_regression.endpoints.simulator import ModelProfile, ModelSimulator
from safety_regression.suites.model import Case

StartSimulator = Callable[..., Awaitable[ModelSimulator]]


# Function loop scope: the tests run on their own loop (pyproject sets a session loop
# only for fixtures), and a server must live on the loop of the test that calls it.
@pytest_asyncio.fixture(loop_scope="function")
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest_asyncio.fixture(loop_scope="function")
async def start_simulator() -> AsyncIterator[StartSimulator]:
    """Start a model simulator on 127.0.0.1, port 0; every one started is stopped after the test.

    Call it as ``await start_simulator(profiles, cases, seed=0, api_key=None)``; the
    simulator's ``url`` is its base URL.
    """
    started: list[ModelSimulator] = []

    async def start(
        profiles: Mapping[str, ModelProfile],
        cases: Iterable[Case] = (),
        seed: int = 0,
        api_key: str | None = None,
    ) -> ModelSimulator:
        simulator = ModelSimulator(profiles, cases, seed=seed, api_key=api_key)
        await simulator.start("127.0.0.1", 0)
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        await simulator.stop()
