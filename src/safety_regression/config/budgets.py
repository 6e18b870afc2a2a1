"""Budget settings that a valid file can still get wrong: a cost cap over unpriced endpoints.

``run.max_cost`` counts only what priced endpoints spend. An endpoint without a ``price``
that a run asks would spend beside the cap, unseen by it, so a run refuses to start
(``check_priced``); an endpoint the run does not ask (a base model whose answers all come
from the committed baseline) needs no price.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from safety_regression.errors import ConfigError

if TYPE_CHECKING:
    from safety_regression.config import Config, EndpointConfig, JudgeConfig


def check_budgets(config: Config) -> None:
    """When the file is loaded: a ``run.max_cost`` with no price anywhere could never be
    reached, whatever the command. Which endpoints a run asks is known only once it
    starts; it then calls ``check_priced``."""
    if config.run.max_cost is None:
        return
    endpoints = [("base", config.base), ("finetuned", config.finetuned), *scorer_endpoints(config)]
    if any(endpoint is not None and endpoint.price is not None for _, endpoint in endpoints):
        return
    check_priced(config, endpoints)


def check_priced(config: Config, asked: Iterable[tuple[str, EndpointConfig | None]]) -> None:
    """Refuse a run under ``run.max_cost`` that would ask an endpoint without a ``price``:
    what it spends would not count, so the cap would not limit it. One line naming the
    line of ``run.max_cost`` and each such endpoint's ``price`` field. ``asked`` pairs
    each endpoint with the config path that names it (None for one the config leaves out)."""
    if config.run.max_cost is None:
        return
    unpriced = list(dict.fromkeys(f"{path}.price" for path, e in asked if e is not None and e.price is None))
    if not unpriced:
        return
    one = len(unpriced) == 1
    fields = (
        " and ".join(unpriced) if len(unpriced) < 3 else ", ".join(unpriced[:-1]) + f" and {unpriced[-1]}"
    )
    raise ConfigError(
        f"{config.where('run', 'max_cost')}: run.max_cost counts only priced endpoints, and "
        f"{fields} {'is' if one else 'are'} not set: what {'that endpoint spends' if one else 'those spend'} "
        "would not count against the cap; give every endpoint the run asks a price, e.g. "
        "price: {prompt: 2.5, completion: 10} per million tokens ({prompt: 0, completion: 0} for a free one)"
    )


def scorer_endpoints(config: Config) -> list[tuple[str, EndpointConfig]]:
    """The endpoints that score a run's responses, each with its config path: the judge's
    models and the toxicity classifier, which every answer is sent to."""
    found = judge_endpoints(config.judge)
    if config.toxicity is not None:
        found.append(("toxicity.endpoint", config.toxicity.endpoint))
    return found


def judge_endpoints(config: JudgeConfig, role: str = "judge") -> list[tuple[str, EndpointConfig]]:
    """The endpoints a judge config will ask, each with the config path that names it in
    errors (``judge.endpoint``, ``judge.judges[1].endpoint``), as ``make_judge`` names them."""
    if config.judges is not None:
        return [
            pair
            for index, member in enumerate(config.judges)
            for pair in judge_endpoints(member, f"{role}.judges[{index}]")
        ]
    from safety_regression.config import JudgeKind

    asks = config.kind in {JudgeKind.LLM, JudgeKind.LLAMA_GUARD, JudgeKind.HARMBENCH}
    return [(f"{role}.endpoint", config.endpoint)] if asks and config.endpoint is not None else []
