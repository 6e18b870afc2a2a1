"""ModerationEndpoint and the simulator's /v1/moderations, over real loopback HTTP."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from safety_regression.config import EndpointConfig
from safety_regression.endpoints import ConcurrencyLimits, OpenAICompatEndpoint
from safety_regression.endpoints.moderation import ModerationEndpoint
from safety_regression.endpoints.simulator import ModelProfile, ModelSimulator, ModerationScores
from safety_regression.endpoints.simulator import texts as sim_texts
from safety_regression.endpoints.simulator.moderation import CATEGORIES
from safety_regression.errors import EndpointError

StartSimulator = Callable[..., Awaitable[ModelSimulator]]

COMPLIANT = sim_texts.HARMFUL_COMPLIANCE[0]
PARTIAL = sim_texts.PARTIAL_REFUSALS[1]
REFUSAL = sim_texts.REFUSALS[2]
HELPFUL = sim_texts.BENIGN_COMPLIANCE[1]


class RecordingSleep:
    """Returns at once, moving its clock on (the rate limiter's Retry-After pause runs on it)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.clock = 0.0

    def now(self) -> float:
        return self.clock

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock += seconds


def moderation(
    session: aiohttp.ClientSession,
    url: str,
    model: str = "moderator",
    *,
    api_key: str | None = None,
    max_retries: int = 2,
    limits: ConcurrencyLimits | None = None,
    sleep: RecordingSleep | None = None,
) -> ModerationEndpoint:
    sleep = sleep or RecordingSleep()
    return ModerationEndpoint(
        session,
        url=url,
        model=model,
        api_key=api_key,
        concurrency=4,
        timeout=5.0,
        max_retries=max_retries,
        limits=limits or ConcurrencyLimits(clock=sleep.now, sleep=sleep),
        sleep=sleep,
    )


@pytest.mark.parametrize(
    ("text", "score", "flagged"),
    [(COMPLIANT, 0.92, True), (PARTIAL, 0.45, False), (REFUSAL, 0.02, False), (HELPFUL, 0.05, False)],
)
async def test_scores_follow_the_kind_of_simulated_text(
    http_session: aiohttp.ClientSession,
    start_simulator: StartSimulator,
    text: str,
    score: float,
    flagged: bool,
) -> None:
    simulator = await start_simulator({"moderator": ModelProfile()})
    assert simulator.url is not None

    outcome = await moderation(http_session, simulator.url).score(text)

    assert (outcome.score, outcome.flagged, outcome.error, outcome.attempts) == (score, flagged, None, 1)
    assert set(outcome.category_scores) == set(CATEGORIES)
    assert all(0 <= value <= score for value in outcome.category_scores.values())
    assert simulator.moderations_by_model["moderator"] == 1
    assert simulator.last_requests[-1].path == "/v1/moderations"
    assert simulator.last_requests[-1].body == {"model": "moderator", "input": text}


async def test_scores_are_deterministic(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"moderator": ModelProfile()})
    assert simulator.url is not None
    endpoint = moderation(http_session, simulator.url)

    first, second = await endpoint.score(COMPLIANT), await endpoint.score(COMPLIANT)

    assert first == second


async def test_the_requested_models_profile_sets_the_scores(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    strict = ModelProfile(moderation=ModerationScores(compliant=0.7, refusal=0.3, flag_at=0.25))
    simulator = await start_simulator({"moderator": ModelProfile(), "strict": strict})
    assert simulator.url is not None

    outcome = await moderation(http_session, simulator.url, "strict").score(REFUSAL)

    assert (outcome.score, outcome.flagged) == (0.3, True)


async def test_the_simulator_scores_every_input_and_a_request_without_a_model(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({})
    assert simulator.url is not None

    async with http_session.post(
        f"{simulator.url}/moderations", json={"input": [COMPLIANT, REFUSAL]}
    ) as response:
        assert response.status == 200
        body = await response.json()

    assert set(body) == {"id", "model", "results"}
    assert [result["flagged"] for result in body["results"]] == [True, False]
    assert [max(result["category_scores"].values()) for result in body["results"]] == [0.92, 0.02]
    assert simulator.moderations_by_model[""] == 1


async def test_an_unknown_model_is_an_error_and_not_retried(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"moderator": ModelProfile()})
    assert simulator.url is not None

    outcome = await moderation(http_session, simulator.url, "nobody").score(COMPLIANT)

    assert (outcome.score, outcome.flagged, outcome.attempts) == (None, None, 1)
    assert outcome.error == "HTTP 404: The model 'nobody' does not exist (not retried)"


async def test_server_errors_are_retried_until_they_pass(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"moderator": ModelProfile(error_rate=1.0, error_attempts=2)})
    assert simulator.url is not None
    sleep = RecordingSleep()

    outcome = await moderation(http_session, simulator.url, max_retries=2, sleep=sleep).score(COMPLIANT)

    assert (outcome.score, outcome.attempts, outcome.error) == (0.92, 3, None)
    assert len(sleep.delays) == 2


@pytest.mark.parametrize(
    ("profile", "error"),
    [
        (
            ModelProfile(error_rate=1.0, error_attempts=10),
            "HTTP 500 after 3 attempts: The server had an error",
        ),
        (
            ModelProfile(malformed_rate=1.0, error_attempts=10),
            "malformed reply after 3 attempts: body is not JSON",
        ),
    ],
)
async def test_failures_that_persist_end_in_an_error_outcome(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator, profile: ModelProfile, error: str
) -> None:
    simulator = await start_simulator({"moderator": profile})
    assert simulator.url is not None

    outcome = await moderation(http_session, simulator.url, max_retries=2).score(COMPLIANT)

    assert outcome.score is None
    assert outcome.error is not None and outcome.error.startswith(error)
    assert outcome.attempts == 3
    assert simulator.moderations_by_model["moderator"] == 3


async def test_a_rejected_key_is_scrubbed_from_the_error(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"moderator": ModelProfile()}, api_key="right-key")
    assert simulator.url is not None

    outcome = await moderation(http_session, simulator.url, api_key="wrong-secret").score(COMPLIANT)

    assert outcome.error == "HTTP 401: Incorrect API key provided: *** (not retried)"


async def test_an_unreachable_server_is_an_error_outcome(http_session: aiohttp.ClientSession) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    outcome = await moderation(http_session, f"http://127.0.0.1:{port}/v1", max_retries=1).score(COMPLIANT)

    assert outcome.score is None
    assert outcome.error is not None and outcome.error.startswith("connection failed after 2 attempts")


async def test_a_chat_and_a_moderation_endpoint_on_one_server_share_a_limit(
    http_session: aiohttp.ClientSession,
) -> None:
    limits = ConcurrencyLimits()
    chat = OpenAICompatEndpoint(
        http_session,
        "http://127.0.0.1:9/v1",
        "m",
        "key",
        concurrency=3,
        timeout=1,
        max_retries=0,
        limits=limits,
    )
    scorer = moderation(http_session, "http://127.0.0.1:9/v1", api_key="key", limits=limits)

    assert scorer.limit_key == chat.limit_key
    assert limits.limit(scorer.limit_key) == 3


async def test_from_config(http_session: aiohttp.ClientSession, start_simulator: StartSimulator) -> None:
    simulator = await start_simulator({"moderator": ModelProfile()})
    assert simulator.url is not None
    config = EndpointConfig(url=simulator.url, model="moderator", concurrency=2, max_retries=0)

    endpoint = ModerationEndpoint.from_config(http_session, config, None, ConcurrencyLimits())

    assert (endpoint.identity, endpoint.model) == (simulator.url, "moderator")
    assert (await endpoint.score(PARTIAL)).score == 0.45


async def test_a_non_http_url_is_refused(http_session: aiohttp.ClientSession) -> None:
    with pytest.raises(EndpointError, match="must be http"):
        ModerationEndpoint(
            http_session,
            url="ftp://example.org/v1",
            model="m",
            api_key=None,
            concurrency=1,
            timeout=1,
            max_retries=0,
            limits=ConcurrencyLimits(),
        )
