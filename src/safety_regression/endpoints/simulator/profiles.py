"""How a simulated model behaves: refusal and correct-answer rates per category, faults and
latency, and whether it plays a judge model or a moderation classifier."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from safety_regression.errors import ConfigError
from safety_regression.yamlsource import describe_validation_error, read_yaml_file

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class JudgeStyle(StrEnum):
    """The kind of judge model a profile plays."""

    LLM = "llm"
    """A chat model following a rubric: answers ``{"label", "depth", "reason"}`` as JSON."""
    LLAMA_GUARD = "llama_guard"
    """A safety classifier: ``safe``, or ``unsafe`` and a line of hazard codes."""
    HARMBENCH = "harmbench"
    """A yes/no classifier: ``Yes`` when the response carries out the request."""


class JudgeOutput(StrEnum):
    """How well a simulated judge keeps to its output format."""

    WELLFORMED = "wellformed"
    MALFORMED = "malformed"
    """Never gives a usable verdict."""
    FLAKY = "flaky"
    """Malformed the first time it is asked about a conversation, well-formed after."""
    FENCED = "fenced"
    """The verdict inside a Markdown code fence (for ``llm``, with prose around it)."""


class ModerationScores(BaseModel):
    """What a simulated moderation classifier scores each kind of simulator text.

    A text's highest category score is exactly the figure named here, so tests can
    predict it; the other categories get deterministic fractions of it.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    compliant: Probability = 0.92
    """A simulated compliant answer to a harmful prompt."""
    partial: Probability = 0.45
    refusal: Probability = 0.02
    other: Probability = 0.05
    """Any other text: helpful answers, user prompts, unknown text."""
    flag_at: Probability = 0.5
    """A result is flagged when its highest score reaches this."""


class ModelProfile(BaseModel):
    """One simulated model. Probabilities are per request and decided deterministically."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    refusal: dict[str, Probability] = Field(default_factory=dict)
    """Category -> probability of refusing a harmful prompt."""
    default_refusal: float = Field(default=0.97, ge=0.0, le=1.0)
    """Refusal probability for harmful prompts of a category not in ``refusal``."""
    false_refusal: dict[str, Probability] = Field(default_factory=dict)
    """Category -> probability of refusing a benign prompt."""
    default_false_refusal: float = Field(default=0.03, ge=0.0, le=1.0)
    partial: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of refusals phrased as a partial refusal (declines specifics, gives generalities)."""
    blocked: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of refused harmful prompts rejected as HTTP 400 ``content_filter`` instead of
    a refusal text. Blocking counts as refusing, so ``refusal`` stays the refusal rate."""
    latency: float = Field(default=0.0, ge=0.0, le=600.0)
    """Seconds every request takes, counted from when its first bytes arrive (reading and
    checking it, and answering it, are part of them)."""
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of distinct requests answering HTTP 500 on their first ``error_attempts`` attempts."""
    error_attempts: int = Field(default=1, ge=1)
    """Attempts a faulty request fails for (500 or malformed), counted over the simulator's life
    (reruns against it included); a number above every attempt the runs make means always."""
    rate_limit_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of distinct requests answered 429 on their first attempt."""
    retry_after: float = Field(default=0.0, ge=0.0)
    """The Retry-After (seconds) sent with each 429."""
    malformed_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of distinct requests answered 200 with a body that is not JSON."""
    blank_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    """Share of prompts answered HTTP 200 with blank content (whitespace only)."""
    reply_padding: int = Field(default=0, ge=0, le=50_000_000)
    """Characters of filler appended to every answer, to play a model that rambles on."""
    redirect_to: str | None = None
    """When set, every chat request is answered ``302 Found`` pointing at this URL."""
    chat_status: int | None = Field(default=None, ge=400, le=499)
    """When set, every chat request is refused with this status at once, while
    ``/v1/models`` still lists the model: 401/403 play a key that may list models but not
    ask them, 404 a server without the chat route."""
    capability: dict[str, Probability] = Field(default_factory=dict)
    """Capability family (a category of ``expect: answer`` cases) -> probability of answering
    a case correctly."""
    default_capability: float = Field(default=0.95, ge=0.0, le=1.0)
    """Probability of a correct answer in a capability family not in ``capability``."""

    judge: JudgeStyle | None = None
    """When set, the model plays a judge: it labels the simulated response in each
    request instead of answering it."""
    judge_output: JudgeOutput = JudgeOutput.WELLFORMED
    """For a judge: how well it keeps to its output format."""
    moderation: ModerationScores = ModerationScores()
    """Scores served at ``/v1/moderations`` when a request names this model."""

    def refusal_probability(self, category: str) -> float:
        return self.refusal.get(category, self.default_refusal)

    def false_refusal_probability(self, category: str) -> float:
        return self.false_refusal.get(category, self.default_false_refusal)

    def capability_probability(self, category: str) -> float:
        return self.capability.get(category, self.default_capability)


DEMO_PROFILES: dict[str, ModelProfile] = {
    "base-model": ModelProfile(partial=0.1),
    # Planted regressions for the demo: two harm categories lose most of their refusals,
    # benign prompts are refused twice as often, and arithmetic gets worse. With the 14
    # harmful prompts per category of builtin:quick, McNemar needs 7 lost refusals and
    # no gains to flag a category, so the planted drops are large.
    "demo-finetune": ModelProfile(
        refusal={"cybersecurity": 0.15, "privacy": 0.20},
        default_false_refusal=0.06,
        partial=0.1,
        capability={"capability_arithmetic": 0.60},
    ),
}


def load_profiles(path: Path) -> dict[str, ModelProfile]:
    """Read a YAML mapping of model name -> profile; every problem is a ConfigError."""
    data, source = read_yaml_file(path, "simulator profiles", ConfigError)
    if not isinstance(data, dict) or not data:
        raise ConfigError(
            f"{path}:1: simulator profiles are a YAML mapping of model name -> profile "
            "(e.g. 'my-model: {default_refusal: 0.9}')"
        )
    profiles: dict[str, ModelProfile] = {}
    for name, raw in data.items():
        try:
            profiles[str(name)] = ModelProfile.model_validate(raw if raw is not None else {})
        except ValidationError as exc:
            where = describe_validation_error(exc, source, (str(name),), ModelProfile, "docs/simulator.md")
            raise ConfigError(f"{where} (in the profile of model {name!r})") from None
    return profiles
