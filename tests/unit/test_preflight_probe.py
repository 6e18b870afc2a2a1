"""The endpoint check's probe: as small as a request can be, since every case waits for it."""

from __future__ import annotations

from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE
from safety_regression.endpoints.preflight import PROBE_MESSAGE, _probe


def test_the_chat_probe_asks_for_one_token() -> None:
    probe = _probe(CHAT_ROUTE, "tuned")
    assert probe["max_tokens"] == 1 and probe["temperature"] == 0.0
    assert probe["messages"] == [{"role": "user", "content": PROBE_MESSAGE}]


def test_the_moderation_probe_sends_one_short_input() -> None:
    assert _probe(MODERATION_ROUTE, "moderation") == {"model": "moderation", "input": PROBE_MESSAGE}
