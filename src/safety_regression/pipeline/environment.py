"""The side effects a gate run needs, built once and passed down: HTTP session, environment
variables, clock, progress display, and the endpoints, caches and judges made from them."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from safety_regression.config import CacheReuse, Config, EndpointConfig, JudgeKind, api_key
from safety_regression.config.budgets import check_priced
from safety_regression.endpoints.base import CHAT_ROUTE, MODERATION_ROUTE, Endpoint
from safety_regression.endpoints.guard import RunGuard
from safety_regression.endpoints.metering import Meter, MeteredEndpoint, estimate_text_tokens
from safety_regression.endpoints.run_cache import CacheState, RunCache, RunCompletion, open_run_cache
from safety_regression.endpoints.scrubbing import ScrubbedEndpoint
from safety_regression.errors import ConfigError
from safety_regression.judges import judge_endpoints, make_judge
from safety_regression.judges.base import Judge
from safety_regression.pipeline.imports import RULES_MODULE, LoadingJudge, import_yielding, warm_up_rules
from safety_regression.redaction import all_forms
from safety_regression.snapshot.runner import ProgressCallback, ToxicityScorer
from safety_regression.wording import count

if TYPE_CHECKING:
    # aiohttp loads with the first endpoint, so an offline ``compare`` never imports it.
    import aiohttp

    from safety_regression.endpoints import CachedEndpoint
    from safety_regression.endpoints.preflight import RouteWatch

ProgressFactory = Callable[[str, int], ProgressCallback]
"""Given a label and a total, returns the callback to call once per finished request."""


def _adhoc_identity(config: Config) -> str:
    """The identity of a command that names no run (judge, calibrate, compare)."""
    text = config.model_dump_json(exclude={"gate", "report", "cache", "snapshot", "run"})
    return hashlib.sha256(f"adhoc\x1f{text}".encode()).hexdigest()


def _ignore(
    failed: bool = False, unsent: bool = False, unjudged: bool = False, disagreed: bool = False
) -> None:
    return None


def _no_progress(label: str, total: int) -> ProgressCallback:
    return _ignore


def _no_warning(message: str) -> None:
    return None


@dataclass
class Environment:
    """Everything with side effects that a gate run needs."""

    session: aiohttp.ClientSession
    environ: Mapping[str, str]
    now: Callable[[], datetime]
    progress: ProgressFactory = _no_progress
    use_cache: bool = True
    warn: Callable[[str], None] = _no_warning
    """Shows a warning at once, before anything is asked (a suite category that looks
    misspelt); the reports carry it too."""
    waiting: Callable[[], None] | None = None
    """Called when the run first waits on the network (its first endpoint check): from
    then on the CPU is idle for a while, so the CLI starts importing the gate then."""
    imports_settled: Callable[[], None] | None = None
    """Returns once the CLI's background import of the gate and the reports is over. The
    run calls it (``settle_imports``) before importing any of them itself: one module
    imported by two threads at once can deadlock the two imports, which Python breaks by
    failing one of them."""

    def __post_init__(self) -> None:
        from safety_regression.endpoints import ConcurrencyLimits

        self.limits = ConcurrencyLimits()
        self.run_identity: str | None = None
        """Set by ``begin_run``; picks the run's own file in the cache folder."""
        self.caches: dict[Path, RunCache] = {}
        self.cached_endpoints: list[CachedEndpoint] = []
        self.cached_models: list[CachedEndpoint] = []
        """The models' cached endpoints among ``cached_endpoints`` (not the judge's)."""
        self.meter = Meter()
        """Requests, tokens and cost per role, and the run's budgets (``run.*``)."""
        self.guard: RunGuard | None = None
        """The run's circuit breaker and deadline, from ``begin_run``."""
        self._finished_at: str | None = None
        """Set by ``finish_run``: when the run last begun had asked everything."""
        self.checked: set[tuple[str, str, str]] = set()
        """Endpoints that passed ``preflight``."""
        self._route_watch: RouteWatch | None = None  # the models' route probes (``_watch``)
        self.toxicity_skipped = False
        """Set when the toxicity comparison cannot be made (the baseline holds no scores):
        ``toxicity`` then scores nothing, so no request is spent on it."""
        self.toxicity_scored = 0
        self.toxicity_failed = 0
        """Answers the toxicity classifier was asked to score and could not (its request failed)."""
        self.toxicity_error: str | None = None
        """The first such failure, for the warning."""

    def begin_run(self, identity: str, config: Config) -> RunGuard:
        """Name the run (``pipeline.identity``) and start its circuit breaker and deadline,
        before any endpoint is built."""
        self.run_identity = identity
        self._finished_at = None
        budget = config.gate.error_budget if config.run.stop_when_inconclusive else None
        self.guard = RunGuard(
            deadline=config.run.deadline, error_budget=budget, halted=lambda: self.meter.stopped is not None
        )
        self.guard.locate = config.where_field if config.path is not None else None
        return self.guard

    def finish_run(self) -> None:
        """The run has asked everything: ``completion`` now holds its caches, for the
        command to mark complete once the run's outputs are written (a later run with
        its identity then asks again). A run its guard or a budget stopped stays resumable."""
        if self.guard is not None and self.guard.stopped is not None:
            return
        if self.meter.stopped is not None:
            return
        self._finished_at = self.now().isoformat()

    def completion(self) -> RunCompletion:
        """What marks the finished run's caches complete: its caller calls ``mark`` only
        after every output of the run is written, so a run interrupted (or failing) while
        it gates or writes stays resumable. Empty when the run did not finish."""
        if self._finished_at is None:
            return RunCompletion()
        return RunCompletion(tuple(self.caches.values()), self._finished_at)

    def cached(
        self, endpoint: Endpoint, config: Config, max_chars: int | None = None, *, model: bool = False
    ) -> Endpoint:
        """Wrap an endpoint in the run's one response cache in ``config.cache.folder``;
        replies are cut to ``max_chars`` before they are cached. A ``model``'s new answers
        are not also kept in memory (the run's results hold them)."""
        folder = config.cache.folder
        if folder not in self.caches:
            identity = self.run_identity or _adhoc_identity(config)
            self.caches[folder] = open_run_cache(
                folder, identity, reuse_completed=config.cache.reuse is CacheReuse.COMPLETED
            )
        from safety_regression.endpoints import CachedEndpoint

        cache = self.caches[folder].cache
        wrapped = CachedEndpoint(endpoint, cache, max_chars, remember=not model, secrets=self.secrets(config))
        self.cached_endpoints.append(wrapped)
        if model:
            self.cached_models.append(wrapped)
        return wrapped

    def close(self) -> None:
        """Close the response caches' files (the session is closed by its owner)."""
        for run_cache in self.caches.values():
            run_cache.cache.close()

    def cache_note(self) -> str | None:
        """What the cache did for this run, for stderr and the Action log. Only the models'
        answers say a run was resumed: a judge's verdicts are cached too, but a judge asked
        the same thing twice in one run (or a baseline re-judged) is no resumption."""
        hits = sum(endpoint.hits for endpoint in self.cached_models)
        states = {run_cache.state for run_cache in self.caches.values()}
        folders = ", ".join(str(path) for path in self.caches)
        if CacheState.REUSED_COMPLETED in states and hits:
            return self.reuse_notice()
        if self.resumed():
            return (
                f"Resumed an interrupted run: {count(hits, 'response')} came from the cache in {folders}; "
                "only the missing ones were asked (--no-cache asks everything again)."
            )
        if CacheState.RESTARTED in states:
            return (
                f"A completed run with the same identity is in the cache in {folders}; its answers "
                "were not reused (cache.reuse: completed would replay them), so every case was asked."
            )
        return None

    def resumed(self) -> bool:
        """Whether this run resumed an interrupted one: the models' answers came from the
        cache, and not as a completed run's replayed (``cache_note`` says so)."""
        states = {run_cache.state for run_cache in self.caches.values()}
        hits = sum(endpoint.hits for endpoint in self.cached_models)
        return bool(hits) and CacheState.REUSED_COMPLETED not in states

    def reuse_notice(self) -> str | None:
        """The loud notice every report carries when completed answers were replayed."""
        if not any(run_cache.state is CacheState.REUSED_COMPLETED for run_cache in self.caches.values()):
            return None
        hits = sum(endpoint.hits for endpoint in self.cached_endpoints)
        if not hits:
            return None
        return (
            f"CACHED ANSWERS REPLAYED: {count(hits, 'response')} {'was' if hits == 1 else 'were'} taken "
            "from a completed earlier run "
            "(cache.reuse: completed), not asked of the models now. If the model was redeployed, "
            "this verdict is about the old weights; gate releases without cache.reuse."
        )

    def endpoint(self, config: Config, settings: EndpointConfig, role: str) -> Endpoint:
        """A chat endpoint, behind the run's response cache when caching is on."""
        from safety_regression.endpoints import OpenAICompatEndpoint

        chat = OpenAICompatEndpoint.from_config(
            self.session, settings, api_key(settings, role, self.environ, config.where), self.limits
        )
        if role in ("base", "finetuned"):
            chat.watch(self._watch())
        # Metered inside the cache: answers from the cache cost nothing. Scrubbed between
        # the two: no reply that echoes a secret is cached, stored or reported as sent.
        self.meter.max_requests, self.meter.max_cost = config.run.max_requests, config.run.max_cost
        endpoint: Endpoint = MeteredEndpoint(chat, self.meter, role, settings.price)
        endpoint = ScrubbedEndpoint(endpoint, self.secrets(config))
        if config.cache.enabled and self.use_cache:
            # A model's reply is cached as it is judged: cut to sampling.max_response_chars.
            model_role = role in ("base", "finetuned")
            max_chars = config.sampling.max_response_chars if model_role else None
            endpoint = self.cached(endpoint, config, max_chars, model=model_role)
        return endpoint

    async def preflight(self, config: Config, role: str) -> None:
        """Check the ``base`` or ``finetuned`` endpoint before any case is sent (once each)."""
        settings: EndpointConfig | None = getattr(config, role)
        if settings is not None:
            await self._preflight(config, settings, role, CHAT_ROUTE, self._watch())

    async def preflight_models(self, config: Config, roles: Iterable[str]) -> None:
        """``preflight`` the models named by ``roles`` at once; each mistake is one line."""
        from safety_regression.endpoints.preflight import together

        await together([self.preflight(config, role) for role in roles])

    def _watch(self) -> RouteWatch:
        """The run's route probes, shared by the model endpoints and their ``preflight``."""
        from safety_regression.endpoints.preflight import RouteWatch

        if self._route_watch is None:
            self._route_watch = RouteWatch()
        return self._route_watch

    async def routes_checked(self) -> None:
        """Wait for the models' route probes still in flight, and raise the mistake one
        showed: a run whose answers all came from the cache sent no case to settle them."""
        if self._route_watch is not None:
            await self._route_watch.settled()

    def settle_imports(self) -> None:
        """Wait for the background import (``imports_settled``), once."""
        settled, self.imports_settled = self.imports_settled, None
        if settled is not None:
            settled()

    async def preflight_scorers(self, config: Config, *, toxicity: bool = True) -> None:
        """Check the judge's model endpoints and (with ``toxicity``) the toxicity classifier
        before any response is sent to them: a bad key, URL or model is one line, exit 2.
        Each is probed (its first replies come after a model's answer is paid for), at once."""
        from safety_regression.endpoints.preflight import together

        checks = [self._preflight(config, e, role, CHAT_ROUTE) for role, e in judge_endpoints(config.judge)]
        if toxicity and config.toxicity is not None:
            endpoint = config.toxicity.endpoint
            checks.append(self._preflight(config, endpoint, "toxicity.endpoint", MODERATION_ROUTE))
        await together(checks)

    async def _preflight(
        self,
        config: Config,
        settings: EndpointConfig,
        role: str,
        route: str,
        watch: RouteWatch | None = None,
    ) -> None:
        if self.waiting is not None:
            self.waiting()
            self.waiting = None
        if (role, settings.url, settings.model) in self.checked:
            return
        from safety_regression.endpoints.preflight import preflight

        key = api_key(settings, role, self.environ, config.where)
        # A mistake the check finds names its field; the config knows the file and line.
        locate = config.where_field if config.path is not None else None
        await preflight(self.session, settings, role, key, self.limits, route, watch, locate)
        self.checked.add((role, settings.url, settings.model))

    def model(self, config: Config, role: str) -> tuple[Endpoint, EndpointConfig]:
        """The ``base`` or ``finetuned`` endpoint of the config, or a ConfigError naming it."""
        settings: EndpointConfig | None = getattr(config, role)
        if settings is None:
            raise ConfigError(f"{role}: this command needs a '{role}' endpoint (url and model) in the config")
        endpoint = self.endpoint(config, settings, role)
        if self.guard is not None:
            endpoint = self.guard.guard(endpoint, role, settings.concurrency)
        return endpoint, settings

    def toxicity(self, config: Config) -> ToxicityScorer | None:
        """The configured toxicity classifier as a scorer, or None."""
        if config.toxicity is None or self.toxicity_skipped:
            return None
        settings = config.toxicity.endpoint
        from safety_regression.endpoints import ModerationEndpoint

        endpoint = ModerationEndpoint.from_config(
            self.session,
            settings,
            api_key(settings, "toxicity.endpoint", self.environ, config.where),
            self.limits,
        )
        # Its requests count against run.max_requests and, priced, run.max_cost, as every
        # endpoint's do: a cap that let one endpoint spend beside it would not cap.
        meter = self.meter
        meter.register(TOXICITY_ROLE, settings.price)
        endpoint.count_attempts(lambda: meter.attempt(TOXICITY_ROLE))

        async def score(text: str) -> float | None:
            tokens = estimate_text_tokens(text)
            booked = await meter.reserve(TOXICITY_ROLE, tokens, 0)
            if booked is None:
                return None  # a budget stopped the run: the response is not scored
            try:
                outcome = await endpoint.score(text)
            except BaseException:
                meter.release(booked)
                raise
            meter.settle_tokens(TOXICITY_ROLE, booked, tokens if outcome.error is None else 0)
            if outcome.score is None:
                self.toxicity_failed += 1
                self.toxicity_error = self.toxicity_error or outcome.error
            else:
                self.toxicity_scored += 1
            return outcome.score

        return score

    def secrets(self, config: Config) -> list[str]:
        """The secret values this run knows: every configured API key and the GitHub token."""
        return known_secrets(config, self.environ)

    def judge(self, config: Config) -> Judge:
        """The configured judge; model judges get cached endpoints like the models do.
        Under ``run.max_cost`` each of its endpoints needs a price (``check_priced``)."""
        check_priced(config, judge_endpoints(config.judge))
        return make_judge(config.judge, lambda settings, role: self.endpoint(config, settings, role))

    async def judge_while_checking(self, config: Config, checks: Sequence[Awaitable[None]]) -> Judge:
        """The configured judge, its module imported on a thread while ``checks`` (endpoint
        checks) wait on the network; the checks are all done when it returns, the import
        need not be.

        The built-in judge compiles its patterns when its module is imported, and the
        forms it runs on a text when first needed; the thread does both (the import, then
        ``judges/rules/warm.py``: ~0.1 s of CPU), longer than the checks' round trip: the
        first requests go out while it still loads, and the judge waits for it only when
        the first answer is to be judged (``LoadingJudge``). The CLI's background import
        (``waiting``) starts only after it, so that two threads never import at once."""
        waiting, self.waiting = self.waiting, None
        checking = asyncio.gather(*checks)
        if config.judge.kind is not JudgeKind.RULES:
            if waiting is not None:
                waiting()
            await checking
            return self.judge(config)
        loading = asyncio.ensure_future(asyncio.to_thread(import_yielding, RULES_MODULE, then=warm_up_rules))
        if waiting is not None:
            loading.add_done_callback(lambda _: waiting())
        try:
            await checking
        except BaseException:
            # The import ends on its own (the event loop's executor waits for it); a
            # failure of it would only repeat the checks' error.
            loading.add_done_callback(lambda done: done.cancelled() or done.exception())
            raise
        return LoadingJudge(loading, lambda: self.judge(config))


TOXICITY_ROLE = "toxicity"
"""The toxicity classifier's role in the meter and in the run's usage."""


def api_key_variables(config: Config) -> list[str]:
    """The environment variables that hold the config's API keys: the models', the judge's
    (and its members') and the toxicity classifier's."""
    endpoints = [config.base, config.finetuned, config.judge.endpoint]
    endpoints += [member.endpoint for member in config.judge.judges or []]
    endpoints += [config.toxicity.endpoint] if config.toxicity else []
    return sorted({e.api_key_env for e in endpoints if e is not None and e.api_key_env})


def known_secrets(config: Config, environ: Mapping[str, str]) -> list[str]:
    """The secret values in ``environ`` that ``config`` names, in every form to scrub: every
    configured API key and the GitHub token (for commands that need no ``Environment``,
    such as ``compare``)."""
    names = [*api_key_variables(config), "GITHUB_TOKEN", "INPUT_GITHUB-TOKEN"]
    values = [value for name in names if (value := environ.get(name, "").strip())]
    return all_forms(values)  # each value as written and as base64 or hex (``redaction``)
