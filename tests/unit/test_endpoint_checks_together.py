"""``preflight.together``: endpoint checks run at once, and every mistake is told."""

from __future__ import annotations

import asyncio
import time

import pytest

from safety_regression.endpoints import preflight
from safety_regression.errors import ConfigError


async def mistaken(message: str, after: float = 0.0) -> None:
    await asyncio.sleep(after)
    raise ConfigError(message)


async def fine(after: float = 0.0) -> None:
    await asyncio.sleep(after)


def test_each_mistake_is_one_line_in_the_order_of_the_checks() -> None:
    with pytest.raises(ConfigError) as raised:
        asyncio.run(
            preflight.together([mistaken("finetuned.model: a", 0.02), fine(), mistaken("base.model: b")])
        )
    assert str(raised.value).splitlines() == ["finetuned.model: a", "base.model: b"]


def test_a_hanging_check_is_given_the_grace_then_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight, "MISTAKES_GRACE", 0.2)
    started = time.monotonic()
    with pytest.raises(ConfigError, match=r"^base\.url: x$"):
        asyncio.run(preflight.together([fine(after=30), mistaken("base.url: x")]))
    assert time.monotonic() - started < 5


def test_a_bug_is_raised_as_itself_not_folded_into_mistakes() -> None:
    async def broken() -> None:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError, match="a bug"):
        asyncio.run(preflight.together([mistaken("base.model: b", 0.01), broken()]))


def test_checks_that_pass_raise_nothing() -> None:
    asyncio.run(preflight.together([fine(0.01), fine()]))


def test_a_bug_during_the_grace_is_raised_without_waiting_it_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight, "MISTAKES_GRACE", 20.0)

    async def broken_later() -> None:
        await asyncio.sleep(0.05)
        raise RuntimeError("a bug")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="a bug"):
        asyncio.run(preflight.together([mistaken("base.model: b"), broken_later(), fine(after=30)]))
    assert time.monotonic() - started < 5
