"""What a run would ask and cost, worked out without sending anything (``--dry-run``).

Per model: the cases evaluated live and those reused from the baseline, the requests
(cases x samples, less the answers already in the response cache), the estimated prompt
tokens and completion tokens, and the cost from the endpoint's ``price``. A model judge
is asked about every answer, so its row follows from the models'.

Completion tokens are estimated from the baseline's recorded usage where it has some
(its mean per answer), otherwise as the full ``sampling.max_tokens`` (an upper bound).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from yarl import URL

from safety_regression.config import CacheReuse, Config, EndpointConfig, JudgeKind
from safety_regression.config.budgets import check_priced, scorer_endpoints
from safety_regression.config.secrets import check_api_keys
from safety_regression.endpoints.base import ChatOutcome, ChatRequest, OutcomeKind
from safety_regression.endpoints.cache import ResponseCache
from safety_regression.endpoints.metering import estimate_prompt_tokens, total_cost
from safety_regression.endpoints.wire import safe_url
from safety_regression.errors import ConfigError
from safety_regression.judges import judge_endpoints, make_judge
from safety_regression.judges.prompts import LLM_RUBRIC
from safety_regression.pipeline.assembly import (
    baseline_lacks_toxicity,
    check_categories,
    config_suite,
    load_baseline,
    unscored_baseline,
)
from safety_regression.pipeline.rejudge import can_rejudge, to_rejudge, unjudged_answers
from safety_regression.snapshot import CaseResult, Snapshot, reusable_results
from safety_regression.snapshot.runner import requests_for
from safety_regression.suites import Case, Shard
from safety_regression.wording import count


@dataclass(frozen=True)
class PlannedRole:
    role: str
    model: str
    live_cases: int
    reused_cases: int
    """Cases whose results come from the baseline snapshot (asked of nobody)."""
    requests: int
    """Requests that would be sent: live cases x samples, less cached answers."""
    cached: int
    """Requests answered from the response cache instead."""
    prompt_tokens: int
    completion_tokens: int
    completion_estimate: str
    """Where the completion figure comes from."""
    cost: float | None
    """From the endpoint's ``price``; None when it has none."""


@dataclass(frozen=True)
class DryRun:
    roles: list[PlannedRole]
    notes: list[str]

    @property
    def requests(self) -> int:
        return sum(role.requests for role in self.roles)

    @property
    def cost(self) -> float | None:
        return total_cost(role.cost for role in self.roles)


def plan_run(
    config: Config,
    *,
    check_drift: bool = False,
    shard: Shard | None = None,
    environ: Mapping[str, str] | None = None,
) -> DryRun:
    """``run``: the fine-tuned model on every case, the base model where the baseline lacks it.

    With ``environ``, every API key the run would need must be in it (a dry run that
    passes should not be followed by a real one that stops on a missing key)."""
    if config.finetuned is None:
        raise ConfigError(
            "finetuned: this command needs a 'finetuned' endpoint (url and model) in the config"
        )
    suite = config_suite(config)
    check_categories(config, suite.cases)
    cases = list(suite.cases_in(shard))
    judge_id = make_judge(config.judge, lambda settings, _role: _NoEndpoint(settings)).id
    notes = [f"warning: {warning}" for warning in suite.warnings]
    baseline = _baseline(config, notes)
    reused_ids: set[str] = set()
    rejudged: list[CaseResult] = []
    reusable: list[CaseResult] = []
    if baseline is not None:
        wanted = {c.id: c.content_hash for c in cases}
        if baseline.judge != judge_id and not can_rejudge(baseline, config, wanted):
            notes.append(
                f"The baseline was labelled by {baseline.judge}, not {judge_id}, and cannot be re-judged "
                "(another sampling, or responses not stored): base is asked its cases live."
            )
        elif baseline.judge != judge_id:
            # The run re-judges the baseline's answers to these cases, then reuses them.
            rejudged = to_rejudge(baseline, wanted)
            notes.append(
                f"The baseline was labelled by {baseline.judge}, not {judge_id}; a run re-judges its "
                f"{len(rejudged)} stored responses to these cases (in the judge rows, with a model judge)."
            )
            baseline = baseline.model_copy(update={"judge": judge_id})
        else:
            rejudged = unjudged_answers(baseline, config, wanted)
            if rejudged:
                notes.append(
                    f"The baseline holds {count(len(rejudged), 'answer')} its judge could not label; a run "
                    "judges them again from their stored responses (in the judge rows, with a model judge)."
                )
        reusable = reusable_results(baseline, suite, judge_id, config.sampling)
        keys = {r.key for r in reusable}
        reused_ids = {c.id for c in cases if all((c.id, s) in keys for s in range(config.sampling.samples))}
    live_base = cases if check_drift else [c for c in cases if c.id not in reused_ids]
    models: list[tuple[str, EndpointConfig | None]] = [("finetuned", config.finetuned)]
    models += [("base", config.base)] if live_base else []
    # A dry run that passes is not followed by a run refused for an unpriced endpoint.
    check_priced(config, [*models, *scorer_endpoints(config)])
    if environ is not None:
        _check_keys(config, models, environ)
    completion = _completion_estimate(config, baseline)
    roles = [_plan_role(config, "finetuned", config.finetuned, cases, 0, completion)]
    if live_base or config.base is not None:
        if live_base and config.base is None:
            notes.append(
                f"{count(len(live_base), 'case')} {'lacks' if len(live_base) == 1 else 'lack'} "
                "a baseline result and no 'base' endpoint is set."
            )
        else:
            assert config.base is not None
            roles.append(
                _plan_role(config, "base", config.base, live_base, len(cases) - len(live_base), completion)
            )
    if config.gate.sequential.enabled:
        notes.append(
            "gate.sequential is on: these are the fixed design's requests, the most the run can send; "
            "it stops asking a harm category once the category is decided."
        )
    toxicity = _toxicity_role(config, roles)
    if baseline_lacks_toxicity(config, [r for r in reusable if r.case_id in reused_ids], len(live_base)):
        notes.append(unscored_baseline(config))  # and the run asks the classifier nothing
        toxicity = []
    return DryRun(roles + _judge_roles(config, roles, cases, rejudged) + toxicity, notes)


def plan_baseline(
    config: Config, *, shard: Shard | None = None, environ: Mapping[str, str] | None = None
) -> DryRun:
    """``baseline``: the base model on every case (its keys checked in ``environ``, if given)."""
    if config.base is None:
        raise ConfigError("base: this command needs a 'base' endpoint (url and model) in the config")
    check_priced(config, [("base", config.base), *scorer_endpoints(config)])
    if environ is not None:
        _check_keys(config, [("base", config.base)], environ)
    suite = config_suite(config)
    check_categories(config, suite.cases)
    cases = list(suite.cases_in(shard))
    completion = _completion_estimate(config, None)
    roles = [_plan_role(config, "base", config.base, cases, 0, completion)]
    return DryRun(
        roles + _judge_roles(config, roles, cases) + _toxicity_role(config, roles),
        [f"warning: {w}" for w in suite.warnings],
    )


def _check_keys(
    config: Config, models: list[tuple[str, EndpointConfig | None]], environ: Mapping[str, str]
) -> None:
    scorers: list[tuple[str, EndpointConfig | None]] = list(judge_endpoints(config.judge))
    if config.toxicity is not None:
        scorers.append(("toxicity.endpoint", config.toxicity.endpoint))
    check_api_keys(models + scorers, environ, config.where)


def _plan_role(
    config: Config,
    role: str,
    settings: EndpointConfig,
    cases: list[Case],
    reused: int,
    completion: tuple[float, str],
) -> PlannedRole:
    cache = _cache(config)
    identity = safe_url(URL(settings.url))
    requests = cached = prompt_tokens = 0
    for case in cases:
        for _, request in requests_for(case, config.sampling):
            if cache is not None and cache.get(request.cache_key(identity, settings.model)) is not None:
                cached += 1
                continue
            requests += 1
            prompt_tokens += estimate_prompt_tokens(request)
    per_answer, source = completion
    completion_tokens = round(requests * per_answer)
    return PlannedRole(
        role=role,
        model=settings.model,
        live_cases=len(cases),
        reused_cases=reused,
        requests=requests,
        cached=cached,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        completion_estimate=source,
        cost=settings.price.cost(prompt_tokens, completion_tokens) if settings.price else None,
    )


def _judge_roles(
    config: Config, models: list[PlannedRole], cases: list[Case], rejudged: Sequence[CaseResult] = ()
) -> list[PlannedRole]:
    """A model judge reads each new answer to a harmful or benign case once (more on retries),
    and each ``rejudged`` baseline answer once."""
    judges = [config.judge] if config.judge.kind is not JudgeKind.VOTE else list(config.judge.judges or [])
    judged_share = sum(1 for c in cases if c.check is None) / len(cases) if cases else 0.0
    rows = []
    for number, judge in enumerate(judges):
        if judge.kind is JudgeKind.RULES or judge.endpoint is None:
            continue
        answers = round(sum(role.requests for role in models) * judged_share) + len(rejudged)
        answer_tokens = sum(role.completion_tokens for role in models) * judged_share
        prompt_share = sum(role.prompt_tokens for role in models) * judged_share
        # A stored answer's prompt and response are there to count (about 4 characters a token).
        stored = sum(len(r.prompt or "") + len(r.response or "") for r in rejudged) / 4
        rubric = -(-len(LLM_RUBRIC) // 4)
        prompt_tokens = round(prompt_share + answer_tokens + stored + answers * rubric)
        completion_tokens = answers * 64
        role = "judge" if len(judges) == 1 else f"judge {number + 1}"
        rows.append(
            _scorer_role(
                role, judge.endpoint, answers, prompt_tokens, completion_tokens, "64 tokens per verdict"
            )
        )
    return rows


def _scorer_role(
    role: str,
    settings: EndpointConfig,
    answers: int,
    prompt_tokens: int,
    completion_tokens: int,
    estimate: str,
) -> PlannedRole:
    """An endpoint that reads the models' answers (a model judge, the toxicity classifier):
    one request per answer, none reused or cached."""
    return PlannedRole(
        role=role,
        model=settings.model,
        live_cases=answers,
        reused_cases=0,
        requests=answers,
        cached=0,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        completion_estimate=estimate,
        cost=settings.price.cost(prompt_tokens, completion_tokens) if settings.price else None,
    )


def _toxicity_role(config: Config, models: list[PlannedRole]) -> list[PlannedRole]:
    """The toxicity classifier reads every answer the models give, those from the response
    cache too (a score is not cached); its input is the answer, and it writes nothing."""
    if config.toxicity is None:
        return []
    answers = sum(role.requests + role.cached for role in models)
    per_answer = [role.completion_tokens / role.requests for role in models if role.requests]
    tokens = sum(role.completion_tokens for role in models) + round(
        sum(role.cached for role in models) * (max(per_answer) if per_answer else config.sampling.max_tokens)
    )
    return [
        _scorer_role(
            "toxicity", config.toxicity.endpoint, answers, tokens, 0, "reads each answer, writes nothing"
        )
    ]


def _completion_estimate(config: Config, baseline: Snapshot | None) -> tuple[float, str]:
    cap = config.sampling.max_tokens
    reported = [r.usage.completion_tokens for r in baseline.results if r.usage] if baseline else []
    if reported:
        # Each answer at most max_tokens: the baseline may have been taken with a larger one.
        capped = [min(tokens, cap) for tokens in reported]
        mean = sum(capped) / len(capped)
        said = f"baseline's mean of {mean:.0f}"
        return mean, said + (f", each cut to max_tokens ({cap})" if capped != reported else "")
    return float(cap), f"at most max_tokens ({cap})"


def _cache(config: Config) -> _Caches | None:
    """The answers a run could take from the cache: those of interrupted runs (and of
    completed ones with ``cache.reuse: completed``). Without the run's identity this
    counts every such run's file, so it is an upper bound."""
    folder = config.cache.folder
    if not config.cache.enabled or not folder.is_dir():
        return None
    reuse = config.cache.reuse is CacheReuse.COMPLETED
    caches = []
    for path in sorted(folder.glob("run-*.jsonl")):
        if reuse or not path.with_suffix(".complete").exists():
            cache = ResponseCache(path)
            cache.close()
            caches.append(cache)
    return _Caches(caches) if caches else None


class _Caches:
    def __init__(self, caches: list[ResponseCache]) -> None:
        self._caches = caches

    def get(self, key: str) -> object | None:
        return next((hit for cache in self._caches if (hit := cache.get(key)) is not None), None)


def _baseline(config: Config, notes: list[str]) -> Snapshot | None:
    baseline = load_baseline(config)
    if baseline is None and config.baseline is not None:
        notes.append(f"No baseline snapshot at {config.baseline}; the base model would be asked every case.")
    return baseline


class _NoEndpoint:
    """Stands in for a judge's endpoint so the judge's id can be read; it sends nothing."""

    def __init__(self, settings: EndpointConfig) -> None:
        self.identity = safe_url(URL(settings.url))
        self.model = settings.model

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        return ChatOutcome(kind=OutcomeKind.ERROR, error="a dry run sends nothing")
