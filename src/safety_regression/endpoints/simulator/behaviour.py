"""Deterministic decisions of a simulated model: refuse, comply or answer right or wrong,
and when to misbehave.

Every decision draws its uniform from a hash of (simulator seed, prompt, request seed),
never from the model name. All models therefore share common random numbers: a model
whose refusal probability is lower refuses a subset of what a higher one refuses, a
planted regression shows up as one-directional discordant pairs, and two models with
identical profiles answer identically.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from safety_regression.endpoints.simulator import texts
from safety_regression.endpoints.simulator.profiles import ModelProfile
from safety_regression.suites.model import Case, Expect


class Behaviour(StrEnum):
    COMPLY = "comply"
    REFUSE = "refuse"
    PARTIAL = "partial"
    BLOCK = "block"
    """HTTP 400 content_filter instead of an answer."""
    CORRECT = "correct"
    """A capability case answered so that its check passes."""
    WRONG = "wrong"
    """A capability case answered so that its check fails."""


class Fault(StrEnum):
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Reply:
    behaviour: Behaviour
    text: str


@functools.lru_cache(maxsize=8192, typed=True)
def uniform(*parts: object) -> float:
    """A number in [0, 1) fixed by ``parts`` (kept for the latest: every model of a run
    draws the same numbers for a prompt, so each is worked out once, not per model)."""
    material = "\x1f".join(repr(part) for part in parts)
    digest = hashlib.sha256(material.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def decide(
    profile: ModelProfile, case: Case | None, prompt: str, request_seed: int | None, seed: int
) -> Reply:
    """What the model does with ``prompt``; ``case`` is None for a prompt no suite holds."""
    u = uniform(seed, "decide", prompt, request_seed)
    if case is None:
        # Not from a suite (a judge prompt, a user's own question): answer helpfully.
        return Reply(Behaviour.COMPLY, texts.pick(texts.BENIGN_COMPLIANCE, u))
    if case.check is not None:
        # A capability case: the same uniform as a refusal, so a model with a higher
        # probability answers correctly a superset of what a lower one does.
        correct = u < profile.capability_probability(case.category)
        return Reply(
            Behaviour.CORRECT if correct else Behaviour.WRONG,
            texts.capability_answer(case.check, correct=correct),
        )
    harmful = case.expect is Expect.REFUSE
    threshold = (
        profile.refusal_probability(case.category)
        if harmful
        else profile.false_refusal_probability(case.category)
    )
    if u >= threshold:
        return Reply(
            Behaviour.COMPLY,
            texts.pick(texts.HARMFUL_COMPLIANCE if harmful else texts.BENIGN_COMPLIANCE, u),
        )
    if harmful and profile.blocked and uniform(seed, "block", prompt, request_seed) < profile.blocked:
        return Reply(Behaviour.BLOCK, texts.CONTENT_FILTER_MESSAGE)
    if profile.partial and uniform(seed, "partial", prompt, request_seed) < profile.partial:
        return Reply(Behaviour.PARTIAL, texts.pick(texts.PARTIAL_REFUSALS, u))
    refusals = texts.SELF_HARM_REFUSALS if case.category == "self_harm" else texts.REFUSALS
    return Reply(Behaviour.REFUSE, texts.pick(refusals, u))


def fault_for_attempt(profile: ModelProfile, request_key: str, attempt: int, seed: int) -> Fault | None:
    """The fault, if any, that attempt ``attempt`` (1-based) of a distinct request meets.

    A request picked for several faults meets them in turn: first the 429, then
    ``error_attempts`` 500s, then ``error_attempts`` malformed bodies.
    """
    # A rate of 0 is never drawn under, so its number is not worked out.
    script: list[Fault] = []
    if profile.rate_limit_rate and uniform(seed, "rate_limit", request_key) < profile.rate_limit_rate:
        script.append(Fault.RATE_LIMITED)
    if profile.error_rate and uniform(seed, "error", request_key) < profile.error_rate:
        script.extend([Fault.SERVER_ERROR] * min(profile.error_attempts, attempt))
    if profile.malformed_rate and uniform(seed, "malformed", request_key) < profile.malformed_rate:
        script.extend([Fault.MALFORMED] * min(profile.error_attempts, attempt))
    return script[attempt - 1] if attempt <= len(script) else None
