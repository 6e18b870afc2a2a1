"""Fail fast and say why: preflight, circuit breaker, deadline; and outcomes that are not
answers (blank replies, runaway replies, redirects). The CLI as a process, the simulator
over loopback."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

SECRET = "sk-preflight-9d2e41aa07"
PROFILES = {
    "base": ModelProfile(default_refusal=0.95),
    "tuned": ModelProfile(default_refusal=0.95),
    "broken": ModelProfile(default_refusal=0.95, error_rate=1.0, error_attempts=99, latency=0.05),
    "slow": ModelProfile(default_refusal=0.95, latency=0.5),
    "blank": ModelProfile(default_refusal=0.95, blank_rate=0.6),
    "rambling": ModelProfile(default_refusal=0.95, reply_padding=250_000),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("fail-fast")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 20, "privacy": 20})
    simulator = ThreadedSimulator(PROFILES, cases)
    config = write_config(folder / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
    assert cli("baseline", "--config", config, cwd=folder).code == 0
    yield folder, simulator
    simulator.stop()


def report(out: Path) -> dict[str, object]:
    return dict(json.loads((out / "report.json").read_text()))


def test_a_rejected_key_stops_before_any_case_and_names_the_variable(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 10})
    keyed = ThreadedSimulator({"base": ModelProfile(), "tuned": ModelProfile()}, cases, api_key="sk-right")
    try:
        config = write_config(tmp_path / "gate.yml", keyed.url, "tuned", extra="cache: {enabled: false}\n")
        config.write_text(
            config.read_text().replace("model: tuned,", "model: tuned, api_key_env: FT_API_KEY,")
        )
        done = cli("run", "--config", config, cwd=tmp_path, env={"FT_API_KEY": SECRET})
        assert done.code == 2, done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: {config}:3: finetuned: the endpoint rejected the key in $FT_API_KEY (HTTP 401)",
            # No baseline here, so base is checked too: its missing key is the next mistake.
            f"error: {config}:2: base: the endpoint wants an API key (HTTP 401); "
            "name the environment variable that holds it in base.api_key_env",
        ]
        assert SECRET not in done.stdout + done.stderr
        assert SECRET[:8] not in done.stdout + done.stderr
        assert keyed.requests("tuned") == 0, "no case was sent"
        assert not (tmp_path / "safety-report").exists()
    finally:
        keyed.stop()


def test_an_unknown_model_lists_what_the_server_serves(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(folder / "typo.yml", simulator.url, "tunde", extra="cache: {enabled: false}\n")
    done = cli("run", "--config", config, "--out", folder / "out-typo", cwd=folder)
    assert done.code == 2, done.stderr
    line = done.stderr.strip()
    assert line.startswith(
        f"error: {config}:3: finetuned.model: {simulator.url} does not serve model 'tunde'; it serves: "
    )
    assert "tuned" in line and "base" in line and "\n" not in line
    assert simulator.requests("tunde") == 0


def test_two_wrong_models_are_both_named_one_line_each(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path
) -> None:
    _, simulator = workspace
    write_suite(tmp_path / "suite.jsonl", {"privacy": 10})  # no baseline here: base is asked too
    config = write_config(
        tmp_path / "gate.yml", simulator.url, "tunde", base="baes", extra="cache: {enabled: false}\n"
    )
    done = cli("run", "--config", config, cwd=tmp_path)
    assert done.code == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert [line.split(": ")[1:3] for line in lines] == [
        [f"{config}:3", "finetuned.model"],
        [f"{config}:2", "base.model"],
    ], lines
    assert "does not serve model 'tunde'" in lines[0] and "does not serve model 'baes'" in lines[1]
    assert simulator.requests("tunde") == simulator.requests("baes") == 0
    assert not (tmp_path / "safety-report").exists()


def test_a_url_short_of_its_v1_is_named_as_the_url_not_the_model(
    workspace: tuple[Path, ThreadedSimulator], tmp_path: Path
) -> None:
    _, simulator = workspace
    write_suite(tmp_path / "suite.jsonl", {"privacy": 10})
    short = simulator.url.removesuffix("/v1")
    config = write_config(tmp_path / "gate.yml", short, "tuned", extra="cache: {enabled: false}\n")
    (tmp_path / "baseline.json").write_bytes((simulator_folder(workspace) / "baseline.json").read_bytes())
    done = cli("run", "--config", config, cwd=tmp_path)
    assert done.code == 2, done.stderr
    assert done.stderr.strip() == (
        f"error: {config}:3: finetuned.url: {short} answered HTTP 404 for both /models and "
        "/chat/completions; the url goes up to and including /v1 (or the server does not serve model 'tuned')"
    )


def simulator_folder(workspace: tuple[Path, ThreadedSimulator]) -> Path:
    return workspace[0]


def test_a_baseline_of_another_base_model_is_warned_of(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(folder / "other-base.yml", simulator.url, "tuned", base="tuned")
    done = cli("run", "--config", config, "--out", folder / "out-other-base", cwd=folder)
    warnings = report(folder / "out-other-base")["warnings"]
    expected = (
        "The baseline snapshot is of model 'base', but base.model is 'tuned': its answers are the reference."
    )
    assert any(str(w).startswith(expected) for w in warnings), warnings  # type: ignore[attr-defined]
    assert expected in done.stdout + done.stderr
    same = cli("run", "--config", folder / "base.yml", "--out", folder / "out-same-base", cwd=folder)
    assert same.code in (0, 1, 3) and not any(
        "baseline snapshot is of" in str(w)
        for w in report(folder / "out-same-base")["warnings"]  # type: ignore[attr-defined]
    )


def test_an_unreachable_url_is_named_with_the_docker_hint(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_suite(tmp_path / "suite.jsonl", {"privacy": 10})
    url = f"http://127.0.0.1:{port}/v1"
    config = write_config(tmp_path / "gate.yml", url, "tuned", extra="cache: {enabled: false}\n")
    done = cli("run", "--config", config, cwd=tmp_path)
    assert done.code == 2, done.stderr
    assert done.stderr.startswith(f"error: {config}:3: finetuned.url: cannot connect to {url} (")
    assert "Docker container action cannot reach a server on the runner's 127.0.0.1" in done.stderr


def test_a_dead_endpoint_trips_the_circuit_breaker(tmp_path: Path) -> None:
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 200})
    dead = ThreadedSimulator({"base": ModelProfile(), "broken": PROFILES["broken"]}, cases)
    try:
        config = write_config(tmp_path / "gate.yml", dead.url, "broken", extra="cache: {dir: cache}\n")
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert "error: the run stopped early: finetuned: " in done.stderr
        assert "first error: finetuned: HTTP 500" in done.stderr
        asked = dead.requests("broken")
        assert asked < 0.25 * 2 * 210, f"stopped early: {asked} of {2 * 210} attempts"
        result = report(tmp_path / "out")
        assert result["verdict"] == "inconclusive"
        assert str(result["reasons"][0]).startswith("The run stopped early: finetuned:")  # type: ignore[index]
        assert not list((tmp_path / "cache").glob("*.complete")), "a stopped run stays resumable"
    finally:
        dead.stop()


def test_a_dead_judge_trips_the_circuit_breaker_and_the_progress_says_so(tmp_path: Path) -> None:
    # Every judge request fails: every answer is unjudged, an error, so the verdict can only
    # be inconclusive. The breaker counts those as it counts failed requests.
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 200})
    profiles = {
        "base": ModelProfile(),
        "tuned": ModelProfile(),
        "judge-down": ModelProfile(judge="llm", error_rate=1.0, error_attempts=10**8),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        judge = (
            f"judge: {{kind: llm, endpoint: {{url: {simulator.url}, model: judge-down, max_retries: 0}}}}\n"
        )
        config = write_config(
            tmp_path / "gate.yml", simulator.url, "tuned", extra="cache: {dir: cache}\n" + judge
        )
        config.write_text(config.read_text().replace("baseline: baseline.json\n", ""))
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert "error: the run stopped early: " in done.stderr
        assert "went unjudged" in done.stderr and "the judge could not label" in done.stderr
        assert "unjudged (the judge failed)" in done.stderr  # the progress line, not "0 errors"
        asked = simulator.requests("tuned")
        assert asked < 0.25 * 210, f"stopped early: {asked} of 210 fine-tuned answers"
        result = report(tmp_path / "out")
        assert str(result["reasons"][0]).startswith("The run stopped early: ")  # type: ignore[index]
        assert "went unjudged" in str(result["reasons"])
        assert not list((tmp_path / "cache").glob("*.complete")), "a stopped run stays resumable"
    finally:
        simulator.stop()


def test_the_deadline_ends_the_run_inconclusive(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = write_config(
        folder / "slow.yml", simulator.url, "slow", extra="run: {deadline: 2s}\ncache: {dir: slow-cache}\n"
    )
    done = cli("run", "--config", config, "--out", folder / "out-slow", cwd=folder)
    assert done.code == 3, done.stderr
    assert "the run reached its deadline (run.deadline = 2s)" in done.stderr
    result = report(folder / "out-slow")
    assert "deadline" in str(result["reasons"][0])  # type: ignore[index]
    # 50 cases at 0.5 s, 8 at a time, need 3.5 s and the preflight 0.5 s more.
    results = [json.loads(line) for line in (folder / "out-slow" / "results.jsonl").read_text().splitlines()]
    unsent = [r for r in results if r["model"] == "finetuned" and str(r["error"]).startswith("not asked")]
    assert unsent and all(r["outcome"] == "error" for r in unsent)
    cached = next((folder / "slow-cache").glob("run-*.jsonl")).read_text().splitlines()
    assert 0 < len(cached) == 50 - len(unsent), "the answers so far are kept for the next run"


def test_blank_replies_are_their_own_outcome_never_refusals(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = write_config(
        folder / "blank.yml",
        simulator.url,
        "blank",
        extra="cache: {enabled: false}\nrun: {stop_when_inconclusive: false}\n",
    )
    out = folder / "out-blank"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code == 3, done.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    blank = [r for r in results if r["model"] == "finetuned" and r["outcome"] == "empty"]
    assert 15 <= len(blank) <= 45
    assert all(r["label"] is None for r in blank), "a blank reply is not judged"
    errors = report(out)["errors"]
    assert errors["finetuned_empty"] == len(blank) and errors["finetuned_errors"] >= len(blank)  # type: ignore[index]
    assert any("empty reply" in m for m in errors["messages"])  # type: ignore[index, union-attr]
    assert "empty replies (HTTP 200 with blank content" in (out / "report.md").read_text()
    assert f"{len(blank)} empty replies" in done.stdout
    # The progress display counts them as errors too (it counted only HTTP failures).
    assert re.search(rf"finetuned: \S+ responses, .*done, {len(blank)} errors", done.stderr), done.stderr


def test_runaway_replies_are_cut_and_the_cut_recorded(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    extra = "cache: {enabled: false}\nsampling: {max_response_chars: 2000}\n"
    config = write_config(folder / "rambling.yml", simulator.url, "rambling", extra=extra)
    config.write_text(config.read_text().replace("baseline: baseline.json\n", ""))
    out = folder / "out-rambling"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    # 50 cases are too few for the three-way rule to pass: this test is about the cut.
    assert done.code in (0, 1, 3), done.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    rambling = [r for r in results if r["model"] == "finetuned"]
    assert all(len(r["response"]) == 2000 and r["original_chars"] > 250_000 for r in rambling)
    snapshot = json.loads((out / "finetuned.snapshot.json").read_text())
    assert all(r["response_chars"] == 2000 for r in snapshot["results"])
    assert snapshot["sampling"]["max_response_chars"] == 2000
    assert all(r["original_chars"] is None for r in results if r["model"] == "base")


def test_the_cache_stores_a_runaway_reply_cut_as_it_was_judged(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    extra = "cache: {dir: rambling-cache}\nsampling: {max_response_chars: 2000}\n"
    config = write_config(folder / "rambling-cached.yml", simulator.url, "rambling", extra=extra)
    config.write_text(config.read_text().replace("baseline: baseline.json\n", ""))
    out = folder / "out-rambling-cached"
    done = cli("run", "--config", config, "--out", out, cwd=folder)
    assert done.code in (0, 1, 3), done.stderr
    [cache] = (folder / "rambling-cache").glob("run-*.jsonl")
    outcomes = [json.loads(line)["outcome"] for line in cache.read_text().splitlines()]
    rambling = [o for o in outcomes if o["original_chars"] is not None]
    assert len(rambling) == 50, "every fine-tuned reply was cut before it was cached"
    assert all(len(o["text"]) == 2000 and o["original_chars"] > 250_000 for o in rambling)
    assert cache.stat().st_size < 200 * 2000, "the cache holds the cut text, not 250 KB a reply"
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert all(
        len(r["response"]) == 2000 and r["original_chars"] > 250_000
        for r in results
        if r["model"] == "finetuned"
    )


def test_a_redirect_to_another_origin_is_never_followed(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, _ = workspace
    cases = write_suite(folder / "other-suite.jsonl", {"privacy": 5})
    other = ThreadedSimulator({"tuned": ModelProfile(default_refusal=0.0)}, cases)
    mover = ThreadedSimulator({"tuned": ModelProfile(redirect_to=f"{other.url}/chat/completions")}, cases)
    try:
        config = write_config(folder / "moved.yml", mover.url, "tuned", extra="cache: {enabled: false}\n")
        done = cli("run", "--config", config, "--out", folder / "out-moved", cwd=folder)
        assert done.code == 2, done.stderr
        assert done.stderr.startswith(f"error: {config}:3: finetuned.url: HTTP 302: redirected to ")
        assert f"{other.url}/chat/completions, not followed" in done.stderr
        assert other.requests("tuned") == 0, "the other origin was never asked"
    finally:
        other.stop()
        mover.stop()


def test_a_failure_waiting_to_retry_when_the_deadline_passes_is_reported_as_the_failure(
    tmp_path: Path,
) -> None:
    # Every request fails once (HTTP 500) and waits about a second to retry. The deadline
    # passes while they wait: each was sent and failed, so its error says so and that the
    # run stopped, not that it was never asked (found in review: the 500 was hidden).
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 20})
    flaky = ModelProfile(default_refusal=0.95, error_rate=1.0, error_attempts=1, latency=0.05)
    simulator = ThreadedSimulator({"base": flaky, "tuned": flaky}, cases)
    try:
        extra = "cache: {enabled: false}\nrun: {deadline: 1s}\n"
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=extra)
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
        errors = [str(r["error"]) for r in rows if r["outcome"] == "error"]
        stopped = "(the run reached its deadline (run.deadline = 1s))"
        waiting = [e for e in errors if not e.startswith("not asked")]
        assert waiting, "some requests were waiting to retry at the deadline"
        failure = "HTTP 500: The server had an error (simulated)"
        assert set(waiting) == {f"{failure}; not retried: the run stopped {stopped}"}
        assert all(e == f"not asked: the run stopped {stopped}" for e in errors if e.startswith("not asked"))
        result = report(tmp_path / "out")
        errors_seen = result["errors"]
        assert isinstance(errors_seen, dict)
        failed = errors_seen["base_errors"] + errors_seen["finetuned_errors"]
        unsent = errors_seen["base_unsent"] + errors_seen["finetuned_unsent"]
        assert failed - unsent == len(waiting), "the failures are counted as failed, not as unsent"
    finally:
        simulator.stop()


def test_a_dead_judge_trips_the_circuit_breaker_while_it_re_judges_the_baseline(tmp_path: Path) -> None:
    # The baseline was labelled by the built-in judge: a run with a model judge re-judges
    # its stored responses first. Found in review: with that judge down, every baseline
    # response spent its attempts before the breaker, which counted only the run, tripped.
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 200})
    profiles = {
        "base": ModelProfile(),
        "tuned": ModelProfile(),
        "judge-down": ModelProfile(judge="llm", error_rate=1.0, error_attempts=10**8),
    }
    simulator = ThreadedSimulator(profiles, cases)
    try:
        plain = write_config(tmp_path / "base.yml", simulator.url, "tuned", extra="cache: {enabled: false}\n")
        assert cli("baseline", "--config", plain, cwd=tmp_path).code == 0
        judge = (
            f"judge: {{kind: llm, endpoint: {{url: {simulator.url}, model: judge-down, max_retries: 0}}}}\n"
        )
        config = write_config(
            tmp_path / "gate.yml", simulator.url, "tuned", extra="cache: {dir: cache}\n" + judge
        )
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert "error: the run stopped early: base: " in done.stderr
        assert (
            "went unjudged (" in done.stderr and "first error: base: the judge could not label" in done.stderr
        )
        judged = simulator.requests("judge-down")
        assert judged < 0.25 * 200, f"stopped early: {judged} judge requests for 200 baseline responses"
        assert simulator.requests("tuned") <= 1, (
            "the fine-tuned model is asked nothing (its route probe at most)"
        )
        assert "re-judged with llm/3:judge-down (until the run stopped: the rest are unjudged)" in done.stderr
        result = report(tmp_path / "out")
        assert result["verdict"] == "inconclusive"
        assert str(result["reasons"][0]).startswith("The run stopped early: base: ")  # type: ignore[index]
    finally:
        simulator.stop()


def test_a_baseline_stopped_by_its_deadline_says_a_rerun_resumes(tmp_path: Path) -> None:
    # Found in review: ``baseline`` printed only "error: the run reached its deadline
    # (run.deadline = 3s)", without the hint ``run`` gives, though it does resume.
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 20})
    simulator = ThreadedSimulator({"slow": ModelProfile(default_refusal=0.95, latency=0.5)}, cases)
    try:
        config = write_config(tmp_path / "gate.yml", simulator.url, "slow", base="slow")
        config.write_text(config.read_text() + "run: {deadline: 1s}\n")
        done = cli("baseline", "--config", config, cwd=tmp_path)
        assert done.code == 3, done.stderr
        assert (
            "error: baseline not written: the run stopped early: the run reached its deadline "
            "(run.deadline = 1s); run it again to resume"
        ) in done.stderr
        assert not (tmp_path / "baseline.json").exists()
        asked = simulator.requests("slow")
        config.write_text(config.read_text().replace("run: {deadline: 1s}\n", ""))
        again = cli("baseline", "--config", config, cwd=tmp_path)
        assert again.code == 0, again.stderr
        assert "Resumed an interrupted run" in again.stderr
        # The rerun asked only what the first did not answer (and its endpoint check).
        assert simulator.requests("slow") - asked < 30
        # Without the cache nothing is kept, and the hint says so.
        config.write_text(config.read_text() + "run: {deadline: 1s}\n")
        uncached = cli("baseline", "--config", config, "--no-cache", "--output", "other.json", cwd=tmp_path)
        assert uncached.code == 3, uncached.stderr
        assert "; the cache is off, so running it again asks every case again" in uncached.stderr
    finally:
        simulator.stop()
