"""Budget settings that a valid file can still get wrong: a cost cap with nothing priced."""

from __future__ import annotations

from typing import TYPE_CHECKING

from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config, EndpointConfig, JudgeConfig


def check_budgets(config: Config) -> None:
    """``run.max_cost`` counts only what priced endpoints spend: with no price anywhere it
    could never be reached, and a run would send everything believing it was capped."""
    if config.run.max_cost is None:
        return
    endpoints = [config.base, config.finetuned, *judge_endpoints(config.judge)]
    if any(endpoint is not None and endpoint.price is not None for endpoint in endpoints):
        return
    raise ConfigError(
        f"{config.where('run', 'max_cost')}: run.max_cost needs a price on the endpoints it limits "
        "(base.price / finetuned.price, e.g. price: {prompt: 2.5, completion: 10} per million "
        "tokens); without one nothing is counted and the budget is never reached"
    )


def judge_endpoints(judge: JudgeConfig) -> list[EndpointConfig]:
    """The endpoints a judge config asks (a model judge's, or its vote members')."""
    if judge.judges is not None:
        return [endpoint for member in judge.judges for endpoint in judge_endpoints(member)]
    from safety_regression.config import JudgeKind

    asks = judge.kind in {JudgeKind.LLM, JudgeKind.LLAMA_GUARD, JudgeKind.HARMBENCH}
    return [judge.endpoint] if asks and judge.endpoint is not None else []
