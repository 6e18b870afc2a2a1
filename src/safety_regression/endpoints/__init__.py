"""Model endpoints: the protocol, the OpenAI-compatible chat and moderation clients, the
response cache and the model simulator.

The names load on first use (PEP 562 ``__getattr__``): importing ``endpoints.base`` for
its types does not pull in aiohttp, and nothing but the simulator pulls in aiohttp's web
server.
"""

import typing as _typing

from safety_regression._lazy import lazy_exports as _lazy_exports

if _typing.TYPE_CHECKING:
    from safety_regression.endpoints.base import (
        ChatOutcome,
        ChatRequest,
        Endpoint,
        OutcomeKind,
        RetryDecision,
    )
    from safety_regression.endpoints.cache import CachedEndpoint, ResponseCache
    from safety_regression.endpoints.moderation import ModerationEndpoint, ModerationOutcome
    from safety_regression.endpoints.openai_compat import OpenAICompatEndpoint
    from safety_regression.endpoints.retry import FailedAttempt, parse_retry_after, should_retry
    from safety_regression.endpoints.simulator import (
        DEMO_PROFILES,
        ModelProfile,
        ModelSimulator,
        load_profiles,
        serve,
    )
    from safety_regression.endpoints.transport import ConcurrencyLimits

_LAZY = {
    "ChatOutcome": ".base",
    "ChatRequest": ".base",
    "Endpoint": ".base",
    "OutcomeKind": ".base",
    "RetryDecision": ".base",
    "CachedEndpoint": ".cache",
    "ResponseCache": ".cache",
    "ModerationEndpoint": ".moderation",
    "ModerationOutcome": ".moderation",
    "OpenAICompatEndpoint": ".openai_compat",
    "FailedAttempt": ".retry",
    "parse_retry_after": ".retry",
    "should_retry": ".retry",
    "DEMO_PROFILES": ".simulator",
    "ModelProfile": ".simulator",
    "ModelSimulator": ".simulator",
    "load_profiles": ".simulator",
    "serve": ".simulator",
    "ConcurrencyLimits": ".transport",
}

__all__ = [
    "DEMO_PROFILES",
    "CachedEndpoint",
    "ChatOutcome",
    "ChatRequest",
    "ConcurrencyLimits",
    "Endpoint",
    "FailedAttempt",
    "ModelProfile",
    "ModelSimulator",
    "ModerationEndpoint",
    "ModerationOutcome",
    "OpenAICompatEndpoint",
    "OutcomeKind",
    "ResponseCache",
    "RetryDecision",
    "load_profiles",
    "parse_retry_after",
    "serve",
    "should_retry",
]


__getattr__, __dir__ = _lazy_exports(__name__, _LAZY)
