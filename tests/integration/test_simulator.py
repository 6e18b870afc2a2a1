"""The model simulator: deterministic, nested decisions and an OpenAI-shaped HTTP surface."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import aiohttp
import pytest

from safety_regression.cli.demo import planted_regressions
from safety_regression.endpoints import (
    DEMO_PROFILES,
    ChatRequest,
    ConcurrencyLimits,
    ModelProfile,
    ModelSimulator,
    OpenAICompatEndpoint,
    OutcomeKind,
    load_profiles,
    serve,
)
from safety_regression.endpoints.simulator import texts
from safety_regression.errors import ConfigError
from safety_regression.judges.checks import score
from safety_regression.suites import load_suite
from safety_regression.suites.checks import FormatCheck, FormatRules, RegexCheck
from safety_regression.suites.model import Case, Expect

StartSimulator = Callable[..., Awaitable[ModelSimulator]]

REFUSAL_TEXTS = set(texts.REFUSALS) | set(texts.SELF_HARM_REFUSALS)


def harmful(category: str, count: int) -> list[Case]:
    return [
        Case(
            id=f"{category}-h{i}",
            category=category,
            expect=Expect.REFUSE,
            prompt=f"[{category} harmful #{i}]",
        )
        for i in range(count)
    ]


def benign(category: str, count: int) -> list[Case]:
    return [
        Case(
            id=f"{category}-b{i}",
            category=category,
            expect=Expect.COMPLY,
            prompt=f"[{category} benign #{i}]",
        )
        for i in range(count)
    ]


async def answers(
    session: aiohttp.ClientSession,
    url: str,
    model: str,
    cases: Sequence[Case],
    seed: int | None = 0,
) -> dict[str, str]:
    endpoint = OpenAICompatEndpoint(
        session,
        url,
        model,
        None,
        concurrency=16,
        timeout=5,
        max_retries=0,
        limits=ConcurrencyLimits(),
    )
    outcomes = await asyncio.gather(
        *(endpoint.complete(ChatRequest(messages=c.chat_messages(), seed=seed)) for c in cases)
    )
    result: dict[str, str] = {}
    for case, outcome in zip(cases, outcomes, strict=True):
        assert outcome.kind is not OutcomeKind.ERROR, outcome.error
        result[case.id] = outcome.text or "" if outcome.kind is OutcomeKind.ANSWERED else "<blocked>"
    return result


def refused(replies: dict[str, str]) -> set[str]:
    return {case_id for case_id, text in replies.items() if text in REFUSAL_TEXTS}


async def test_same_seed_gives_same_answers(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = harmful("privacy", 30) + benign("privacy", 30)
    profile = {"m": ModelProfile(refusal={"privacy": 0.5}, default_false_refusal=0.3, partial=0.3)}
    first = await start_simulator(profile, cases, seed=7)
    second = await start_simulator(profile, cases, seed=7)
    other_seed = await start_simulator(profile, cases, seed=8)
    replies = await answers(http_session, first.url or "", "m", cases)
    assert await answers(http_session, second.url or "", "m", cases) == replies
    assert await answers(http_session, other_seed.url or "", "m", cases) != replies
    # The request's own seed is part of the draw too.
    assert await answers(http_session, first.url or "", "m", cases, seed=1) != replies


async def test_identical_profiles_answer_identically(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = harmful("deception", 40) + benign("deception", 20)
    profile = ModelProfile(refusal={"deception": 0.6}, partial=0.2)
    simulator = await start_simulator({"one": profile, "two": profile}, cases)
    one = await answers(http_session, simulator.url or "", "one", cases)
    assert await answers(http_session, simulator.url or "", "two", cases) == one


async def test_refusal_sets_are_nested_across_profiles(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = harmful("cybersecurity", 80)
    rates = {"strict": 0.9, "middle": 0.6, "loose": 0.3}
    simulator = await start_simulator(
        {name: ModelProfile(refusal={"cybersecurity": rate}) for name, rate in rates.items()}, cases
    )
    sets = {name: refused(await answers(http_session, simulator.url or "", name, cases)) for name in rates}
    assert sets["loose"] <= sets["middle"] <= sets["strict"]
    assert len(sets["loose"]) < len(sets["middle"]) < len(sets["strict"])


async def test_false_refusal_sets_are_nested(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = benign("privacy", 80)
    simulator = await start_simulator(
        {
            "calm": ModelProfile(default_false_refusal=0.1),
            "jumpy": ModelProfile(default_false_refusal=0.5),
        },
        cases,
    )
    calm = refused(await answers(http_session, simulator.url or "", "calm", cases))
    jumpy = refused(await answers(http_session, simulator.url or "", "jumpy", cases))
    assert calm < jumpy


async def test_demo_profiles_plant_one_directional_regressions(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = harmful("cybersecurity", 20) + harmful("privacy", 20) + harmful("violence_weapons", 20)
    simulator = await start_simulator(DEMO_PROFILES, cases)
    base = refused(await answers(http_session, simulator.url or "", "base-model", cases))
    tuned = refused(await answers(http_session, simulator.url or "", "demo-finetune", cases))
    assert tuned <= base, "discordant pairs run one way only: base refuses, fine-tune complies"
    lost = base - tuned
    assert {case_id.split("-")[0] for case_id in lost} <= {"cybersecurity", "privacy"}
    assert sum(case_id.startswith("cybersecurity") for case_id in lost) >= 6
    assert sum(case_id.startswith("privacy") for case_id in lost) >= 4


async def test_texts_are_placeholders_by_kind(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = harmful("self_harm", 5) + harmful("privacy", 5) + benign("privacy", 5)
    simulator = await start_simulator(
        {
            "refuser": ModelProfile(default_refusal=1.0, default_false_refusal=0.0),
            "complier": ModelProfile(default_refusal=0.0, default_false_refusal=0.0),
            "hedger": ModelProfile(default_refusal=1.0, partial=1.0),
        },
        cases,
    )
    url = simulator.url or ""
    refuser = await answers(http_session, url, "refuser", cases)
    assert all("988" in refuser[c.id] for c in cases if c.category == "self_harm")
    assert all(
        refuser[c.id] in texts.REFUSALS
        for c in cases
        if c.category == "privacy" and c.expect is Expect.REFUSE
    )
    complier = await answers(http_session, url, "complier", cases)
    assert all(
        "[Simulated compliant answer: placeholder text only.]" in complier[c.id]
        for c in cases
        if c.expect is Expect.REFUSE
    )
    assert all("[Simulated helpful answer" in complier[c.id] for c in cases if c.expect is Expect.COMPLY)
    hedger = await answers(http_session, url, "hedger", cases)
    assert all(hedger[c.id] in texts.PARTIAL_REFUSALS for c in cases if c.expect is Expect.REFUSE)


async def test_unknown_prompt_is_answered_helpfully(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator({"m": ModelProfile(default_false_refusal=1.0)}, [])
    stranger = benign("unlisted", 5)
    replies = await answers(http_session, simulator.url or "", "m", stranger)
    assert all(text in texts.BENIGN_COMPLIANCE for text in replies.values())


async def test_multi_turn_case_is_found_by_its_last_user_message(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    case = Case.model_validate(
        {
            "id": "multi",
            "category": "privacy",
            "expect": "refuse",
            "system": "You are a helpful assistant.",
            "messages": [
                {"role": "user", "content": "hello"},
                {"role": "assistant", "content": "hi"},
                {"role": "user", "content": "[privacy harmful follow-up]"},
            ],
        }
    )
    simulator = await start_simulator({"m": ModelProfile(default_refusal=1.0)}, [case])
    replies = await answers(http_session, simulator.url or "", "m", [case])
    assert replies["multi"] in texts.REFUSALS


async def test_models_listing_and_openai_style_errors(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    simulator = await start_simulator(DEMO_PROFILES, [])
    url = simulator.url or ""
    async with http_session.get(f"{url}/models") as response:
        listing = await response.json()
    assert [m["id"] for m in listing["data"]] == ["base-model", "demo-finetune"]
    body = {"model": "ghost", "messages": [{"role": "user", "content": "hi"}]}
    async with http_session.post(f"{url}/chat/completions", json=body) as response:
        assert response.status == 404
        error = (await response.json())["error"]
    assert error["code"] == "model_not_found"
    assert "ghost" in error["message"]
    async with http_session.post(f"{url}/chat/completions", data=b"{not json") as response:
        assert response.status == 400
        assert (await response.json())["error"]["type"] == "invalid_request_error"


async def test_counts_every_attempt_and_truncates_at_max_tokens(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = benign("privacy", 3)
    simulator = await start_simulator(
        {
            "flaky": ModelProfile(error_rate=1.0, error_attempts=2),
            "m": ModelProfile(default_false_refusal=0),
        },
        cases,
    )
    url = simulator.url or ""
    for case in cases:
        for _ in range(3):
            retried: dict[str, object] = {
                "model": "flaky",
                "messages": [{"role": "user", "content": case.prompt_text()}],
            }
            async with http_session.post(f"{url}/chat/completions", json=retried) as response:
                await response.read()
    assert simulator.requests_by_model["flaky"] == 9
    short: dict[str, object] = {
        "model": "m",
        "messages": [{"role": "user", "content": cases[0].prompt_text()}],
        "max_tokens": 3,
    }
    async with http_session.post(f"{url}/chat/completions", json=short) as response:
        reply = await response.json()
    choice = reply["choices"][0]
    # Cut at max_tokens as the simulator counts tokens: about four characters each.
    assert choice["finish_reason"] == "length"
    assert 0 < len(choice["message"]["content"]) <= 3 * 4
    assert reply["usage"]["completion_tokens"] <= 3


def test_load_profiles_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("base: {}\ntuned:\n  refusal:\n    privacy: 0.5\n  latency: 0.01\n")
    profiles = load_profiles(path)
    assert profiles["base"] == ModelProfile()
    assert profiles["tuned"].refusal_probability("privacy") == 0.5
    assert profiles["tuned"].refusal_probability("deception") == 0.97


def test_bad_profile_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("base: {}\ntuned:\n  refusal:\n    privacy: 1.5\n")
    with pytest.raises(ConfigError, match=r"profiles\.yaml:4: refusal\.privacy"):
        load_profiles(path)


def test_demo_plants_regressions_only_where_the_demo_says() -> None:
    # The demo checks that the gate flags exactly these; the profiles must agree with it.
    assert planted_regressions() == ({"cybersecurity", "privacy"}, {"capability_arithmetic"})
    base, tuned = DEMO_PROFILES["base-model"], DEMO_PROFILES["demo-finetune"]
    for category in ("violence_weapons", "self_harm", "sexual_minors", "deception"):
        assert tuned.refusal_probability(category) == base.refusal_probability(category)


async def test_serve_runs_until_cancelled(http_session: aiohttp.ClientSession) -> None:
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(DEMO_PROFILES, [], host="127.0.0.1", port=0, ready=ready.set_result))
    url = await asyncio.wait_for(ready, timeout=5)
    async with http_session.get(f"{url}/models") as response:
        assert response.status == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http_session.get(f"{url}/models"):
            pass


CAPABILITY_DIR = Path(__file__).resolve().parents[2] / "suites" / "capability"


def capability_cases() -> list[Case]:
    return list(load_suite([str(path) for path in sorted(CAPABILITY_DIR.glob("*.jsonl"))]).cases)


def test_every_builtin_capability_answer_passes_or_fails_its_check_on_purpose() -> None:
    cases = capability_cases()
    assert len(cases) == 220
    for case in cases:
        assert case.check is not None and case.check.kind != "regex", "the simulator cannot answer regex"
        right = score(case.check, texts.capability_answer(case.check, correct=True))
        wrong = score(case.check, texts.capability_answer(case.check, correct=False))
        assert right.passed, (case.id, right.detail)
        assert not wrong.passed, (case.id, wrong.detail)


@pytest.mark.parametrize(
    "rules",
    [
        {"max_words": 4, "lowercase": True},
        {"min_words": 30, "paragraphs": 3, "exact_bullets": 2, "ends_with": "The end."},
        {"starts_with": "Hello there", "no_commas": True, "must_include": ["tea", "green tea"]},
        {"uppercase": True, "must_exclude": ["simulated", "placeholder"], "paragraphs": 2},
        {"json_object": True, "json_keys": ["A", "B"], "uppercase": True, "must_include": ["X"]},
        {"must_include": ["orbit"]},
        {"min_words": 3},
    ],
)
def test_format_answers_keep_or_break_the_rules(rules: dict[str, object]) -> None:
    check = FormatCheck(rules=FormatRules.model_validate(rules))
    assert score(check, texts.capability_answer(check, correct=True)).passed
    assert not score(check, texts.capability_answer(check, correct=False)).passed


def test_regex_checks_get_an_unverifiable_placeholder() -> None:
    check = RegexCheck(pattern=r"\d+")
    assert texts.capability_answer(check, correct=True) == texts.UNVERIFIABLE
    assert texts.capability_answer(check, correct=False) == texts.UNVERIFIABLE


async def test_capability_answers_are_right_at_the_profile_rate_and_nested(
    http_session: aiohttp.ClientSession, start_simulator: StartSimulator
) -> None:
    cases = capability_cases()
    simulator = await start_simulator(
        {
            "sharp": ModelProfile(),
            "dulled": ModelProfile(capability={"capability_arithmetic": 0.3, "capability_logic": 0.5}),
            "perfect": ModelProfile(default_capability=1.0),
            "hopeless": ModelProfile(default_capability=0.0),
        },
        cases,
    )
    url = simulator.url or ""
    by_id = {case.id: case for case in cases}

    checks = {case.id: case.check for case in cases if case.check is not None}

    async def right(model: str) -> set[str]:
        replies = await answers(http_session, url, model, cases)
        return {case_id for case_id, text in replies.items() if score(checks[case_id], text).passed}

    sharp, dulled = await right("sharp"), await right("dulled")
    assert await right("perfect") == set(by_id)
    assert await right("hopeless") == set()
    assert dulled < sharp, "common random numbers: a weaker model is right on a subset"
    assert 0.88 <= len(sharp) / len(cases) <= 1.0
    lost = sharp - dulled
    assert {by_id[case_id].category for case_id in lost} == {"capability_arithmetic", "capability_logic"}
    arithmetic_kept = sum(by_id[case_id].category == "capability_arithmetic" for case_id in dulled)
    assert 8 <= arithmetic_kept <= 30, "about 30% of 60 arithmetic cases"


def test_capability_probabilities_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "profiles.yaml"
    path.write_text("base: {}\ntuned:\n  capability:\n    capability_logic: 0.6\n  default_capability: 0.9\n")
    profiles = load_profiles(path)
    assert profiles["base"].capability_probability("capability_logic") == 0.95
    assert profiles["tuned"].capability_probability("capability_logic") == 0.6
    assert profiles["tuned"].capability_probability("capability_knowledge") == 0.9


async def _post_in_two_parts(url: str, body: bytes, pause: float) -> tuple[bytes, float]:
    """POST ``body`` with its headers first and the body ``pause`` seconds later; returns
    the status line and the seconds from the first bytes sent to the answer's last byte."""
    host, port = url.removeprefix("http://").split("/")[0].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nHost: sim\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    started = loop.time()
    writer.write(head)
    await writer.drain()
    await asyncio.sleep(pause)
    writer.write(body)
    await writer.drain()
    answer = await reader.read()
    took = loop.time() - started
    writer.close()
    return answer.split(b"\r\n", 1)[0], took


async def test_latency_counts_from_the_first_bytes_of_a_request(start_simulator: StartSimulator) -> None:
    # A real server's latency starts when the request arrives, not when its handler gets
    # round to it: a request whose body trails its headers by a second is answered a
    # latency after its first bytes (about 1 s), not a latency after the body (2 s).
    simulator = await start_simulator({"m": ModelProfile(latency=1.0)})
    assert simulator.url is not None
    body = b'{"model": "m", "messages": [{"role": "user", "content": "hello"}]}'
    status, took = await _post_in_two_parts(simulator.url, body, pause=1.0)
    assert status == b"HTTP/1.1 200 OK"
    assert 1.0 <= took < 1.8


async def test_unknown_routes_and_methods(start_simulator: StartSimulator) -> None:
    simulator = await start_simulator({"m": ModelProfile()})
    assert simulator.url is not None
    async with aiohttp.ClientSession() as session:
        async with session.get(simulator.url + "/chat/completions") as response:
            assert response.status == 405
            assert response.headers["Allow"] == "POST"
        async with session.post(simulator.url + "/models") as response:
            assert response.status == 405
        async with session.post(simulator.url.removesuffix("/v1") + "/chat/completions", json={}) as response:
            assert response.status == 404
        async with session.get(simulator.url + "/models") as response:
            assert response.status == 200
            assert [row["id"] for row in (await response.json())["data"]] == ["m"]


async def test_a_request_after_another_on_the_same_connection_waits_its_own_latency(
    start_simulator: StartSimulator,
) -> None:
    # The clock of a kept-alive connection's second request starts at that request's
    # bytes, not at the first one's (a models list, then a chat request, as preflight does).
    simulator = await start_simulator({"m": ModelProfile(latency=0.5)})
    assert simulator.url is not None
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(simulator.url + "/models") as response:
            assert response.status == 200
            await response.read()
        await asyncio.sleep(0.6)
        body = {"model": "m", "messages": [{"role": "user", "content": "hello"}]}
        started = loop.time()
        async with session.post(simulator.url + "/chat/completions", json=body) as response:
            assert response.status == 200
            await response.read()
        assert loop.time() - started >= 0.5
