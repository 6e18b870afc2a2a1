"""The side effects a gate run needs, built once and passed down: HTTP session, environment
variables, clock, progress display, and the endpoints, caches and judges made from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp

from safety_regression.config import Config, EndpointConfig, api_key
from safety_regression.endpoints import (
    CachedEndpoint,
    ConcurrencyLimits,
    ModerationEndpoint,
    OpenAICompatEndpoint,
    ResponseCache,
)
from safety_regression.endpoints.base import Endpoint
from safety_regression.endpoints.metering import Meter, MeteredEndpoint
from safety_regression.errors import ConfigError
from safety_regression.judges import make_judge
from safety_regression.judges.base import Judge
from safety_regression.snapshot.runner import ProgressCallback, ToxicityScorer

ProgressFactory = Callable[[str, int], ProgressCallback]
"""Given a label and a total, returns the callback to call once per finished request."""


def _ignore(failed: bool = False) -> None:
    return None


def _no_progress(label: str, total: int) -> ProgressCallback:
    return _ignore


@dataclass
class Environment:
    """Everything with side effects that a gate run needs."""

    session: aiohttp.ClientSession
    environ: Mapping[str, str]
    now: Callable[[], datetime]
    progress: ProgressFactory = _no_progress
    use_cache: bool = True

    def __post_init__(self) -> None:
        self.limits = ConcurrencyLimits()
        self.caches: dict[Path, ResponseCache] = {}
        self.cached_endpoints: list[CachedEndpoint] = []
        self.meter = Meter()
        """Requests, tokens and cost per role, and the run's budgets (``run.*``)."""

    def cached(self, endpoint: Endpoint, path: Path) -> Endpoint:
        """Wrap an endpoint in the run's one response cache for ``path``."""
        if path not in self.caches:
            self.caches[path] = ResponseCache(path)
        wrapped = CachedEndpoint(endpoint, self.caches[path])
        self.cached_endpoints.append(wrapped)
        return wrapped

    def close(self) -> None:
        """Close the response caches' files (the session is closed by its owner)."""
        for cache in self.caches.values():
            cache.close()

    def cache_note(self) -> str | None:
        hits = sum(endpoint.hits for endpoint in self.cached_endpoints)
        if not hits:
            return None
        folders = ", ".join(str(path.parent) for path in self.caches)
        return f"Reused {hits} cached responses from {folders} (--no-cache asks the models again)."

    def endpoint(self, config: Config, settings: EndpointConfig, role: str) -> Endpoint:
        """A chat endpoint, behind the run's response cache when caching is on."""
        endpoint: Endpoint = OpenAICompatEndpoint.from_config(
            self.session, settings, api_key(settings, role, self.environ), self.limits
        )
        # Metered inside the cache: answers from the cache cost nothing.
        self.meter.max_requests, self.meter.max_cost = config.run.max_requests, config.run.max_cost
        endpoint = MeteredEndpoint(endpoint, self.meter, role, settings.price)
        if config.cache.enabled and self.use_cache:
            endpoint = self.cached(endpoint, config.cache.dir / "responses.jsonl")
        return endpoint

    def model(self, config: Config, role: str) -> tuple[Endpoint, EndpointConfig]:
        """The ``base`` or ``finetuned`` endpoint of the config, or a ConfigError naming it."""
        settings: EndpointConfig | None = getattr(config, role)
        if settings is None:
            raise ConfigError(f"{role}: this command needs a '{role}' endpoint (url and model) in the config")
        return self.endpoint(config, settings, role), settings

    def toxicity(self, config: Config) -> ToxicityScorer | None:
        """The configured toxicity classifier as a scorer, or None."""
        if config.toxicity is None:
            return None
        settings = config.toxicity.endpoint
        endpoint = ModerationEndpoint.from_config(
            self.session, settings, api_key(settings, "toxicity.endpoint", self.environ), self.limits
        )

        async def score(text: str) -> float | None:
            return (await endpoint.score(text)).score

        return score

    def secrets(self, config: Config) -> list[str]:
        """The secret values this run knows: every configured API key and the GitHub token."""
        endpoints = [config.base, config.finetuned, config.judge.endpoint]
        endpoints += [member.endpoint for member in config.judge.judges or []]
        endpoints += [config.toxicity.endpoint] if config.toxicity else []
        names = {e.api_key_env for e in endpoints if e is not None and e.api_key_env}
        names |= {"GITHUB_TOKEN", "INPUT_GITHUB-TOKEN"}
        return [value for name in sorted(names) if (value := self.environ.get(name, "").strip())]

    def judge(self, config: Config) -> Judge:
        """The configured judge; model judges get cached endpoints like the models do."""
        return make_judge(config.judge, lambda settings, role: self.endpoint(config, settings, role))
