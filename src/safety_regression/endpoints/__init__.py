"""Model endpoints: the protocol, the OpenAI-compatible chat and moderation clients, the
response cache and the model simulator."""

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
