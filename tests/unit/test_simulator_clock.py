"""The simulator's event loop: timed waits to the microsecond, events as soon as they come."""

from __future__ import annotations

import asyncio
import selectors
import socket
import sys
import time
from collections.abc import Coroutine
from typing import Any

import pytest

from safety_regression.endpoints.simulator import clock

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="PreciseSelector is the epoll one")


@linux_only
def test_a_ready_descriptor_ends_a_long_wait_at_once() -> None:
    left, right = socket.socketpair()
    with left, right, clock.PreciseSelector() as selector:
        selector.register(left, selectors.EVENT_READ, "left")
        right.send(b"x")
        started = time.monotonic()
        ready = selector.select(timeout=30)
        assert time.monotonic() - started < 10
        assert [(key.data, events) for key, events in ready] == [("left", selectors.EVENT_READ)]


@linux_only
def test_a_wait_with_nothing_ready_lasts_its_timeout_and_returns_nothing() -> None:
    left, right = socket.socketpair()
    with left, right, clock.PreciseSelector() as selector:
        selector.register(left, selectors.EVENT_READ)
        started = time.monotonic()
        assert selector.select(timeout=0.0025) == []
        assert time.monotonic() - started >= 0.0025
        assert selector.select(timeout=0) == []


@linux_only
def test_run_uses_the_precise_selector() -> None:
    async def selector_class() -> type[selectors.BaseSelector]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, asyncio.SelectorEventLoop)
        await asyncio.sleep(0.0003)  # a sub-millisecond timer still fires
        return type(loop._selector)  # type: ignore[attr-defined]

    assert clock.run(selector_class()) is clock.PreciseSelector


def test_run_returns_the_coroutines_result() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert clock.run(answer()) == 42


def test_simulate_serves_on_the_precise_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from safety_regression.cli import main

    served: list[str] = []

    def run(main_coroutine: Coroutine[Any, Any, Any]) -> None:
        served.append(main_coroutine.cr_code.co_name)
        main_coroutine.close()

    def plain_run(main_coroutine: Coroutine[Any, Any, Any], **options: Any) -> None:
        served.append("asyncio.run")  # a loop with epoll's rounded-up milliseconds
        main_coroutine.close()

    monkeypatch.setattr(clock, "run", run)
    monkeypatch.setattr(asyncio, "run", plain_run)
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--port", "0"])
    assert exited.value.code == 0
    assert served == ["serve"]
