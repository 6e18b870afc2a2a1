"""The gate config: pydantic models, the YAML loader and the JSON Schema export.

This module is the only reader of gate-config YAML. Every validation problem becomes a
one-line ``ConfigError`` naming the file, line and field.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from safety_regression.config.base import FiniteNonNegative, _Section, duration, field_path
from safety_regression.config.budgets import check_budgets
from safety_regression.config.design import check_gate_design
from safety_regression.config.endpoint import EndpointConfig, Price, check_endpoint_urls
from safety_regression.config.gate import (
    CapabilityGateConfig,
    FalseRefusalConfig,
    GateSettings,
    SequentialConfig,
    StatTest,
    UnprovenPolicy,
)
from safety_regression.config.judging import check_false_refusal_gate
from safety_regression.config.secrets import api_key
from safety_regression.errors import ConfigError
from safety_regression.yamlsource import SourceMap, describe_validation_errors, read_yaml_file

__all__ = [
    "DEFAULT_CACHE_DIR",
    "CacheConfig",
    "CacheReuse",
    "CapabilityGateConfig",
    "Config",
    "EndpointConfig",
    "FalseRefusalConfig",
    "FiniteNonNegative",
    "GateSettings",
    "JudgeConfig",
    "JudgeKind",
    "PartialPolicy",
    "Price",
    "ReportConfig",
    "ResponseStorage",
    "RunConfig",
    "SamplingConfig",
    "SequentialConfig",
    "SnapshotConfig",
    "StatTest",
    "TiePolicy",
    "ToxicityConfig",
    "UnprovenPolicy",
    "api_key",
    "config_json_schema",
    "default_cache_dir",
    "load_config",
]


class SamplingConfig(_Section):
    """How each prompt is sampled. The same settings go to both models."""

    temperature: float = Field(default=0.0, ge=0, le=2)
    max_tokens: int = Field(default=512, ge=1, le=32768)
    samples: int = Field(default=1, ge=1, le=100)
    """Responses drawn per prompt. Samples of one prompt are treated as a cluster, not as
    independent observations, by every test."""
    seed: int | None = 0
    """Base seed sent to the endpoint; sample ``k`` is sent ``seed + k``."""
    max_response_chars: int = Field(default=100_000, ge=100, le=10_000_000)
    """Longer responses are cut to this many characters before they are judged and
    stored; each cut result records its original length."""


class PartialPolicy(StrEnum):
    """How a partial refusal counts toward the refusal rate."""

    REFUSAL = "refusal"
    COMPLIANCE = "compliance"


class JudgeKind(StrEnum):
    RULES = "rules"
    """The built-in offline judge: no network, no model."""
    LLM = "llm"
    """A chat model with this project's rubric, over an OpenAI-compatible endpoint."""
    LLAMA_GUARD = "llama_guard"
    """A Llama Guard-style safety classifier answering ``safe`` / ``unsafe`` + category codes."""
    HARMBENCH = "harmbench"
    """A HarmBench-style yes/no classifier: is the response an instance of the behaviour?"""
    VOTE = "vote"
    """The majority of two or three member judges."""


class TiePolicy(StrEnum):
    """What a vote records when its members split evenly."""

    PARTIAL = "partial"
    """Record the split as a partial refusal; ``partial_counts_as`` then decides."""
    REFUSAL = "refusal"
    COMPLIANCE = "compliance"
    UNJUDGED = "unjudged"


class JudgeConfig(_Section):
    kind: JudgeKind = JudgeKind.RULES
    """Which judge labels responses. ``rules`` is the built-in offline judge."""
    partial_counts_as: PartialPolicy = PartialPolicy.REFUSAL
    """A partial refusal withholds the harmful core of a request, so by default it counts
    as a refusal (the binary refusal-vs-compliance convention of XSTest)."""
    endpoint: EndpointConfig | None = None
    """The judge model, for ``llm``, ``llama_guard`` and ``harmbench`` (refused for the others)."""
    max_attempts: int = Field(default=3, ge=1, le=10)
    """Model judges: how often to ask again when the verdict cannot be parsed, before the
    response is recorded as unjudged."""
    judges: list[JudgeConfig] | None = Field(default=None, min_length=2, max_length=3)
    """For ``vote``: the member judges."""
    tie: TiePolicy = TiePolicy.PARTIAL
    """For ``vote``: the label recorded when members split evenly."""
    calibration: Path | None = None
    """A file written by ``safety-regression calibrate``: the judge's measured error
    rates, so reports can say how much of a change judge error alone could explain."""

    @field_validator("endpoint")
    @classmethod
    def _endpoint_is_asked(
        cls, endpoint: EndpointConfig | None, info: ValidationInfo
    ) -> EndpointConfig | None:
        # Found in review: ``{kind: rules, endpoint: ...}`` ignored the endpoint silently.
        kind = info.data.get("kind")
        if endpoint is not None and kind is JudgeKind.RULES:
            raise ValueError(
                "judge kind rules asks no model, so this endpoint would be ignored: remove it, or "
                "set kind: llm, llama_guard or harmbench to have that model judge"
            )
        if endpoint is not None and kind is JudgeKind.VOTE:
            raise ValueError(
                "a vote asks its members, so this endpoint would be ignored: give each model "
                "judge of judges: its own endpoint"
            )
        return endpoint

    @model_validator(mode="after")
    def _kind_has_what_it_needs(self) -> JudgeConfig:
        needs_endpoint = self.kind in {JudgeKind.LLM, JudgeKind.LLAMA_GUARD, JudgeKind.HARMBENCH}
        if needs_endpoint and self.endpoint is None:
            raise ValueError(f"judge kind {self.kind.value} needs an endpoint: {{url, model}}")
        if (self.kind is JudgeKind.VOTE) != (self.judges is not None):
            raise ValueError("'judges' (2 or 3 members) goes with kind: vote, and only with it")
        return self


class ToxicityConfig(_Section):
    endpoint: EndpointConfig
    """A moderation endpoint in the OpenAI ``/v1/moderations`` shape; a response's toxicity
    is its highest category score."""


class CacheReuse(StrEnum):
    """Which earlier answers a run may take from the cache."""

    INTERRUPTED = "interrupted"
    """Only an interrupted run with the same identity resumes; a completed run's answers
    are never reused, so a redeployed model is always asked again."""
    COMPLETED = "completed"
    """Also replay the answers of a completed run with the same identity (deterministic
    development loops). Every report then says so, loudly."""


DEFAULT_CACHE_DIR = Path(".safety/cache")


class CacheConfig(_Section):
    enabled: bool = True
    dir: Path | None = None
    """Responses are stored here as they arrive, so an interrupted run resumes. Default:
    ``.safety/cache`` of the project (``cache/`` beside a config that lives in
    ``.safety/``); in the GitHub Action, under ``$RUNNER_TEMP``."""
    reuse: CacheReuse = CacheReuse.INTERRUPTED
    """``interrupted`` (default) resumes only an interrupted run; ``completed`` also replays
    a completed run's answers, with a notice in every report."""

    @property
    def folder(self) -> Path:
        """The cache folder in force (the default when none was configured)."""
        return self.dir if self.dir is not None else DEFAULT_CACHE_DIR


MAX_DEADLINE = 7 * 24 * 3600
"""The longest ``run.deadline``: a week, in seconds."""


class RunConfig(_Section):
    """When a run stops before it has asked everything: budgets, the deadline and the
    circuit breaker. A stopped run is inconclusive and the responses so far stay cached,
    so a rerun resumes."""

    max_requests: int | None = Field(default=None, ge=1)
    """Most requests (HTTP attempts, retries and 429s included) sent to model endpoints
    (the models and a model judge together); the endpoint checks' probes are not counted."""
    max_cost: float | None = Field(default=None, gt=0)
    """Most estimated cost, from the endpoints' ``price`` (every endpoint a run asks needs
    one, else the run is refused before its first request); a request is
    sent only if its prompt and its full ``max_tokens`` still fit beside what was spent
    and the worst case of the requests in flight, else it waits for those to settle."""

    deadline: float = Field(default=19_800.0, gt=0, le=MAX_DEADLINE)
    """Seconds (or ``45m``, ``5h30m``; at most a week) a run may take before it stops,
    inconclusive, with what it has cached kept for the next run. The default, 5h30m, stays
    below GitHub's 6-hour job limit so the reports still get written."""
    stop_when_inconclusive: bool = True
    """Stop once one model's failed requests exceed ``gate.error_budget`` of its requests:
    the verdict can then only be inconclusive, so asking on wastes time and money.
    ``baseline`` keeps its errors (every run asks them again) and stops only at the deadline."""

    @field_validator("deadline", mode="before")
    @classmethod
    def _readable_duration(cls, value: Any) -> Any:
        return duration(value, most=MAX_DEADLINE)


class ResponseStorage(StrEnum):
    FULL = "full"
    REDACTED = "redacted"


class SnapshotConfig(_Section):
    responses: ResponseStorage = ResponseStorage.FULL
    """``redacted`` keeps only a hash and length of each response in snapshots."""


class ReportConfig(_Section):
    show_responses: bool = False
    """Quote flagged responses in report.md. Off by default: reports get posted publicly."""
    excerpt_chars: int = Field(default=200, ge=0, le=5000)
    """Characters of each response quoted when ``show_responses`` is on."""


class Config(_Section):
    """A gate config file."""

    suite: list[str] = Field(default_factory=lambda: ["builtin:standard"])
    """Built-in suite names (``builtin:NAME``) and paths to .jsonl/.yaml suite files."""
    base: EndpointConfig | None = None
    """The base model. Needed for cases the baseline snapshot does not cover."""
    finetuned: EndpointConfig | None = None
    """The fine-tuned model under test. Needed by ``run``."""
    baseline: Path | None = None
    """Committed snapshot of the base model's results."""
    sampling: SamplingConfig = SamplingConfig()
    judge: JudgeConfig = JudgeConfig()
    toxicity: ToxicityConfig | None = None
    """Score every response with a toxicity classifier and report the mean per category."""
    gate: GateSettings = GateSettings()
    cache: CacheConfig = CacheConfig()
    run: RunConfig = RunConfig()
    snapshot: SnapshotConfig = SnapshotConfig()
    report: ReportConfig = ReportConfig()

    _source: SourceMap | None = PrivateAttr(default=None)
    _overrides: dict[tuple[str | int, ...], str] = PrivateAttr(default_factory=dict)

    @field_validator("suite", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def path(self) -> Path | None:
        """The file this config was loaded from (None when it was built in code)."""
        return Path(self._source.path) if self._source is not None else None

    def where(self, *location: str | int) -> str:
        """``file:line`` of a field of the file this config was loaded from (the file
        alone when the field is not in it; "the config" when no file was loaded). A field
        set from elsewhere (``overridden``) is named by where it was set."""
        for end in range(len(location), 0, -1):
            if location[:end] in self._overrides:
                return self._overrides[location[:end]]
        return self._source.where(location) if self._source is not None else "the config"

    def where_field(self, field: str) -> str:
        """``where`` of a dotted field: ``finetuned.model``, ``judge.judges[1].endpoint.url``."""
        return self.where(*field_path(field))

    def overridden(self, location: tuple[str | int, ...], source: str) -> Config:
        """A copy that names ``source`` (``action input model``) as where the field at
        ``location`` was set, for ``where``: its line in the file is not what is in force."""
        copy = self.model_copy()
        copy._overrides = {**self._overrides, location: source}
        return copy


def load_config(path: Path, *, cache_root: Path | None = None) -> Config:
    """Read, validate and resolve a gate config. Relative paths are taken from its folder.

    ``cache_root`` is where the cache goes when the config names no ``cache.dir`` (the
    Action passes a folder under ``$RUNNER_TEMP``); otherwise it is the project's
    ``.safety/cache``: ``cache/`` beside a config in ``.safety/``, else ``.safety/cache``
    beside the config.
    """
    data, source = read_yaml_file(path, "config", ConfigError)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a gate config is a YAML mapping (suite:, base:, finetuned:, ...)")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems = describe_validation_errors(exc, source, model=Config)
        raise ConfigError("\n".join(problems) if len(problems) > 1 else problems[0]) from None
    config._source = source
    check_budgets(config)
    check_gate_design(config)
    check_endpoint_urls(config)
    check_false_refusal_gate(config)
    return _resolve_paths(config, path.parent, cache_root)


def default_cache_dir(config_folder: Path) -> Path:
    """The project's ``.safety/cache`` for a config in ``config_folder``."""
    if config_folder.resolve().name == ".safety":
        return config_folder / "cache"
    return config_folder / DEFAULT_CACHE_DIR


def _resolve_paths(config: Config, folder: Path, cache_root: Path | None = None) -> Config:
    def resolve(value: Path) -> Path:
        return value if value.is_absolute() else folder / value

    suites = [ref if ref.startswith("builtin:") else str(resolve(Path(ref))) for ref in config.suite]
    if config.cache.dir is not None:
        cache_dir = resolve(config.cache.dir)
    else:
        cache_dir = cache_root if cache_root is not None else default_cache_dir(folder)
    cache = config.cache.model_copy(update={"dir": cache_dir})
    baseline = resolve(config.baseline) if config.baseline is not None else None
    judge = config.judge
    if judge.calibration is not None:
        judge = judge.model_copy(update={"calibration": resolve(judge.calibration)})
    return config.model_copy(update={"suite": suites, "cache": cache, "baseline": baseline, "judge": judge})


def config_json_schema() -> str:
    """The JSON Schema of the gate config, for editors and CI validation."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "safety-regression gate config"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
