"""Cost before and after, over loopback: dry runs, recorded usage, budgets and resuming."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from safety_regression.endpoints import DEMO_PROFILES
from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.report.json_report import report_json_schema
from safety_regression.suites import load_suite

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

CATEGORIES = {"cybersecurity": 20, "privacy": 20}  # 40 harmful + 10 benign = 50 cases
CASES = 50
PROFILES = {"base": ModelProfile(default_refusal=0.95), "tuned": ModelProfile(default_refusal=0.95)}
PRICE = "price: {prompt: 2.0, completion: 8.0}"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ThreadedSimulator]]:
    folder = tmp_path_factory.mktemp("cost")
    cases = write_suite(folder / "suite.jsonl", CATEGORIES)
    simulator = ThreadedSimulator(PROFILES, cases)
    yield folder, simulator
    simulator.stop()


def priced_config(folder: Path, name: str, url: str, extra: str = "") -> Path:
    # 40 prompts cannot rule out a 10-point drop; these tests are about usage, so the
    # classic one-sided rule keeps an unchanged model's exit code 0.
    classic = "" if "gate:" in extra else "gate: {unproven: pass}\n"
    config = write_config(folder / f"{name}.yml", url, "tuned", extra=extra + classic)
    text = config.read_text().replace("timeout: 10}", f"timeout: 10, {PRICE}}}")
    config.write_text(text.replace("baseline: baseline.json", f"baseline: {name}-baseline.json"))
    return config


def sent(simulator: ThreadedSimulator) -> int:
    return simulator.requests("base") + simulator.requests("tuned")


def report(out: Path) -> dict[str, object]:
    data = json.loads((out / "report.json").read_text())
    jsonschema.validate(data, report_json_schema())
    return data


def test_dry_runs_send_nothing_and_print_requests_tokens_and_cost(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = priced_config(folder, "dry", simulator.url, "cache: {dir: dry-cache}\n")
    before = sent(simulator)
    run = cli("run", "--config", config, "--dry-run", cwd=folder)
    base = cli("baseline", "--config", config, "--dry-run", cwd=folder)
    assert run.code == 0 and base.code == 0, run.stderr + base.stderr
    assert sent(simulator) == before
    assert not (folder / "safety-report").exists() and not (folder / "dry-baseline.json").exists()
    rows = {
        line.split()[0]: line.split()
        for line in run.stdout.splitlines()
        if line.startswith(("base ", "fine"))
    }
    # No baseline yet: both models are asked every case; completions are bounded by max_tokens.
    assert rows["finetuned"][1:6] == ["tuned", str(CASES), "0", str(CASES), "0"]
    assert rows["base"][1:6] == ["base", str(CASES), "0", str(CASES), "0"]
    assert f"total: {2 * CASES} requests" in run.stdout
    completion = int(rows["base"][7].replace(",", ""))
    assert completion == CASES * 512
    prompt = int(rows["base"][6].replace(",", ""))
    assert float(rows["base"][8]) == pytest.approx((2.0 * prompt + 8.0 * completion) / 1e6, abs=1e-4)
    assert "No baseline snapshot" in run.stderr
    assert f"total: {CASES} requests" in base.stdout


def test_usage_is_recorded_per_response_and_reported_per_model(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    config = priced_config(folder, "usage", simulator.url, "cache: {enabled: false}\n")
    done = cli("run", "--config", config, "--out", folder / "out-usage", cwd=folder)
    assert done.code == 0, done.stderr
    snapshot = json.loads((folder / "out-usage" / "finetuned.snapshot.json").read_text())
    usages = [result["usage"] for result in snapshot["results"]]
    # The simulator counts about four characters per token, as real tokenizers do English.
    assert all(u is not None and u["prompt_tokens"] > 0 and u["completion_tokens"] > 0 for u in usages)
    usage = report(folder / "out-usage")["usage"]
    assert isinstance(usage, dict) and usage["stopped"] is None
    roles = {role["role"]: role for role in usage["roles"]}
    assert set(roles) == {"base", "finetuned"}
    tuned = roles["finetuned"]
    assert tuned["requests"] == CASES
    assert tuned["prompt_tokens"] == sum(u["prompt_tokens"] for u in usages)
    assert tuned["completion_tokens"] == sum(u["completion_tokens"] for u in usages)
    assert tuned["cost"] == pytest.approx(
        (2.0 * tuned["prompt_tokens"] + 8.0 * tuned["completion_tokens"]) / 1e6
    )
    markdown = (folder / "out-usage" / "report.md").read_text()
    assert "### Usage and cost" in markdown and "| finetuned |" in markdown
    assert "usage: finetuned 50 requests" in done.stdout


def test_a_budget_stop_is_inconclusive_and_a_rerun_resumes_from_the_cache(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    budget = "cache: {dir: budget-cache}\nrun: {max_requests: 30}\n"
    config = priced_config(folder, "budget", simulator.url, budget)
    before = sent(simulator)
    stopped = cli("run", "--config", config, "--out", folder / "out-budget-1", cwd=folder)
    assert stopped.code == 3, stopped.stderr
    assert sent(simulator) - before == 30 + 2  # stopped before the 31st request; 2 preflights
    assert "run.max_requests of 30 reached after 30 requests" in stopped.stdout  # in flight too
    result = report(folder / "out-budget-1")
    assert result["verdict"] == "inconclusive"
    assert "stopped early" in str(result["reasons"])
    # The cases never sent are not results (they count against the budget), but they did
    # not fail: the reason says so.
    assert "of requests failed or were never sent (the run stopped first)" in str(result["reasons"])
    [cache] = (folder / "budget-cache").glob("run-*.jsonl")
    assert len(cache.read_text().splitlines()) == 30
    assert not list((folder / "budget-cache").glob("*.complete")), "a stopped run stays resumable"

    # Resume with the budget lifted: only the 70 requests not yet answered go out.
    config.write_text(config.read_text().replace("run: {max_requests: 30}\n", ""))
    middle = sent(simulator)
    resumed = cli("run", "--config", config, "--out", folder / "out-budget-2", cwd=folder)
    assert resumed.code == 0, resumed.stderr
    assert sent(simulator) - middle == 2 * CASES - 30 + 2  # and the preflights
    assert "Resumed an interrupted run: 30 responses came from the cache" in resumed.stderr
    assert report(folder / "out-budget-2")["verdict"] == "pass"


def test_max_cost_stops_before_the_estimate_would_exceed_it(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    # Each request books its prompt plus 512 completion tokens at 8 per million: ~0.0041;
    # the whole run costs more than 0.008.
    budget = "cache: {dir: cost-cache}\nrun: {max_cost: 0.008}\n"
    config = priced_config(folder, "cost", simulator.url, budget)
    done = cli("run", "--config", config, "--out", folder / "out-cost", cwd=folder)
    assert done.code == 3, done.stderr
    usage = report(folder / "out-cost")["usage"]
    assert isinstance(usage, dict)
    assert "run.max_cost of 0.008 would be exceeded" in str(usage["stopped"])
    total = sum(role["cost"] for role in usage["roles"])
    assert 0 < total <= 0.008


def test_a_budget_stop_in_baseline_writes_no_baseline(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    config = priced_config(
        folder, "basebudget", simulator.url, "cache: {dir: bb-cache}\nrun: {max_requests: 10}\n"
    )
    done = cli("baseline", "--config", config, cwd=folder)
    assert done.code == 3
    assert "run.max_requests of 10 reached" in done.stderr
    assert not (folder / "basebudget-baseline.json").exists()
    [cache] = (folder / "bb-cache").glob("run-*.jsonl")
    assert len(cache.read_text().splitlines()) == 10


def test_max_cost_waits_for_requests_in_flight_instead_of_stopping_early(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # 16 requests in flight book about 16 x 0.0041 between them, far more than the run
    # really costs. A budget a little over the real cost must let the run finish: a
    # request that does not fit waits for those in flight to settle, and is checked again.
    folder, simulator = workspace
    free = priced_config(folder, "inflight-free", simulator.url, "cache: {enabled: false}\n")
    uncapped = cli("run", "--config", free, "--out", folder / "out-inflight-free", cwd=folder)
    assert uncapped.code == 0, uncapped.stderr
    usage = report(folder / "out-inflight-free")["usage"]
    assert isinstance(usage, dict)
    real = sum(role["cost"] for role in usage["roles"])
    budget = f"cache: {{enabled: false}}\nrun: {{max_cost: {real + 0.006:.6f}}}\n"
    config = priced_config(folder, "inflight", simulator.url, budget)
    capped = cli("run", "--config", config, "--out", folder / "out-inflight", cwd=folder)
    assert capped.code == 0, capped.stdout + capped.stderr
    usage = report(folder / "out-inflight")["usage"]
    assert isinstance(usage, dict) and usage["stopped"] is None
    assert sum(role["cost"] for role in usage["roles"]) == pytest.approx(real)


def test_a_max_cost_stop_reports_what_was_really_spent(workspace: tuple[Path, ThreadedSimulator]) -> None:
    folder, simulator = workspace
    # Room for about half the suite: the stop comes with nothing in flight, so what it
    # says was spent is what the usage says.
    budget = "cache: {enabled: false}\nrun: {max_cost: 0.012}\n"
    config = priced_config(folder, "spent", simulator.url, budget)
    done = cli("run", "--config", config, "--out", folder / "out-spent", cwd=folder)
    assert done.code == 3, done.stderr
    usage = report(folder / "out-spent")["usage"]
    assert isinstance(usage, dict)
    spent = sum(role["cost"] for role in usage["roles"])
    requests = sum(role["requests"] for role in usage["roles"])
    assert requests > 2 * CASES // 4, "stopped long before the budget was spent"
    assert f"(spent about {spent:.4g} on {requests} requests)" in str(usage["stopped"])
    assert 0.012 - 0.0045 < spent <= 0.012  # the next request (~0.0042) did not fit


def test_max_requests_counts_every_attempt_retries_included(tmp_path: Path) -> None:
    # Every request fails once (HTTP 500) and is retried: 20 cases are 40 attempts.
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 10, "privacy": 10})
    flaky = ModelProfile(default_refusal=0.95, error_rate=1.0, error_attempts=1)
    simulator = ThreadedSimulator({"base": flaky, "tuned": flaky}, cases)
    try:
        budget = "cache: {enabled: false}\nrun: {max_requests: 30}\n"
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=budget)
        before = sent(simulator)
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        usage = report(tmp_path / "out")["usage"]
        assert isinstance(usage, dict)
        counted = sum(role["requests"] for role in usage["roles"])
        assert counted == 30
        # The two endpoint checks' probes (a retry each) are not cases; every other
        # attempt the simulator saw is counted.
        assert sent(simulator) - before == 30 + 2 * 2
        assert "run.max_requests of 30 reached after 30 requests" in str(usage["stopped"])
    finally:
        simulator.stop()


def _unpriced(config: Path, role: str) -> Path:
    """``config`` with the price of ``role``'s endpoint taken off."""
    lines = config.read_text().splitlines(keepends=True)
    config.write_text(
        "".join(line.replace(f", {PRICE}", "") if line.startswith(f"{role}:") else line for line in lines)
    )
    return config


def test_max_cost_refuses_a_run_that_asks_an_unpriced_endpoint(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # What an endpoint without a price spends is not counted, so the cap would not limit
    # it: the fine-tune here would be asked every case past a cap it never reaches.
    folder, simulator = workspace
    budget = "cache: {enabled: false}\nrun: {max_cost: 0.001}\n"
    config = _unpriced(priced_config(folder, "unpriced", simulator.url, budget), "finetuned")
    line = config.read_text().splitlines().index("run: {max_cost: 0.001}") + 1
    before = sent(simulator)
    for dry in ([], ["--dry-run"]):
        done = cli("run", "--config", config, "--out", folder / "out-unpriced", *dry, cwd=folder)
        assert done.code == 2, done.stdout + done.stderr
        assert done.stderr.strip().splitlines() == [
            f"error: {config}:{line}: run.max_cost counts only priced endpoints, and finetuned.price "
            "is not set: what that endpoint spends would not count against the cap; give every endpoint "
            "the run asks a price, e.g. price: {prompt: 2.5, completion: 10} per million tokens "
            "({prompt: 0, completion: 0} for a free one)"
        ]
    assert sent(simulator) == before, "nothing was sent"
    assert not (folder / "out-unpriced").exists()
    # An unpriced model judge is named by its field path, with the fine-tune.
    judge = "judge: {kind: llm, endpoint: {url: " + simulator.url + ", model: tuned}}\n"
    config.write_text(config.read_text() + judge)
    done = cli("run", "--config", config, "--out", folder / "out-unpriced", cwd=folder)
    assert done.code == 2 and "finetuned.price and judge.endpoint.price are not set" in done.stderr
    assert sent(simulator) == before


def test_max_cost_needs_no_price_on_a_base_model_the_run_does_not_ask(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    folder, simulator = workspace
    taken = priced_config(folder, "covered", simulator.url, "cache: {enabled: false}\n")
    assert cli("baseline", "--config", taken, cwd=folder).code == 0
    budget = "cache: {enabled: false}\nrun: {max_cost: 0.5}\n"
    config = _unpriced(priced_config(folder, "covered", simulator.url, budget), "base")
    # Every base answer comes from the committed baseline: base is not asked, nothing to price.
    done = cli("run", "--config", config, "--out", folder / "out-covered", cwd=folder)
    assert done.code == 0, done.stdout + done.stderr
    assert {role["role"] for role in report(folder / "out-covered")["usage"]["roles"]} == {"finetuned"}  # type: ignore[index]
    # A baseline short of some cases (the suite grew): base would be asked those, so it needs a price.
    baseline = folder / "covered-baseline.json"
    data = json.loads(baseline.read_text())
    data["results"] = data["results"][5:]
    baseline.write_text(json.dumps(data))
    before = simulator.requests("base")
    done = cli("run", "--config", config, "--out", folder / "out-short", cwd=folder)
    assert done.code == 2, done.stdout + done.stderr
    assert "run.max_cost counts only priced endpoints, and base.price is not set" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert simulator.requests("base") == before, "no case was sent to base"
    # So does a run with no baseline at all, and the baseline command itself.
    baseline.unlink()
    for command in ("run", "baseline"):
        done = cli(command, "--config", config, cwd=folder)
        assert done.code == 2 and "base.price is not set" in done.stderr, done.stderr
    assert simulator.requests("base") == before


def test_a_failure_whose_retry_a_budget_refused_is_reported_as_the_failure(tmp_path: Path) -> None:
    # Every request fails once (HTTP 500); its retry would answer. When run.max_requests
    # refuses a retry, the request was sent and failed: its error says so, then that the
    # budget stopped it, not that it was never asked (found in review: the 500 was hidden).
    cases = write_suite(tmp_path / "suite.jsonl", {"cybersecurity": 10, "privacy": 10})
    flaky = ModelProfile(default_refusal=0.95, error_rate=1.0, error_attempts=1)
    simulator = ThreadedSimulator({"base": flaky, "tuned": flaky}, cases)
    try:
        budget = "cache: {enabled: false}\nrun: {max_requests: 30}\n"
        config = write_config(tmp_path / "gate.yml", simulator.url, "tuned", extra=budget)
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code == 3, done.stderr
        rows = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
        answered = [r for r in rows if r["outcome"] == "answered"]
        stopped = "(run.max_requests of 30 reached after 30 requests)"
        retried_not = [r for r in rows if r["outcome"] == "error" and "not retried" in str(r["error"])]
        unsent = [r for r in rows if r["outcome"] == "error" and str(r["error"]).startswith("not asked")]
        assert len(answered) + len(retried_not) + len(unsent) == len(rows) == 2 * 30
        assert retried_not, "some request in flight met the budget at its retry"
        for row in retried_not:
            assert (
                row["error"]
                == f"HTTP 500: The server had an error (simulated); not retried: the run stopped {stopped}"
            )
        assert {r["error"] for r in unsent} == {f"not asked: the run stopped {stopped}"}
        # Each answer took two attempts (the 500, then its retry), each failure one: 30 in all.
        assert 2 * len(answered) + len(retried_not) == 30
        result = report(tmp_path / "out")
        assert "HTTP 500: The server had an error (simulated); not retried" in " ".join(
            result["errors"]["messages"]
        )  # type: ignore[index]
        # The budget stopped the run; the circuit breaker did not trip over the refused retries.
        assert not any(str(reason).startswith("The run stopped early") for reason in result["reasons"])  # type: ignore[union-attr]
    finally:
        simulator.stop()


def test_the_dry_run_estimates_the_prompt_tokens_the_demo_then_records(tmp_path: Path) -> None:
    # Found in review: the dry run said 13,894 prompt tokens per model on the demo's suites,
    # the simulator then recorded 8,676 (one token per word, no message overhead): 60% apart.
    # Both now count as real tokenizers roughly do English (about four characters a token,
    # a few more per message).
    suites = ["builtin:quick", "builtin:capability"]
    simulator = ThreadedSimulator(DEMO_PROFILES, load_suite(suites).cases)
    try:
        config = tmp_path / "demo.yml"
        config.write_text(
            f"suite: [{', '.join(suites)}]\n"
            f"base: {{url: {simulator.url}, model: base-model, concurrency: 32}}\n"
            f"finetuned: {{url: {simulator.url}, model: demo-finetune, concurrency: 32}}\n"
            "cache: {enabled: false}\n"
        )
        dry = cli("run", "--config", config, "--dry-run", cwd=tmp_path)
        assert dry.code == 0, dry.stderr
        estimated = {
            line.split()[0]: int(line.split()[6].replace(",", ""))
            for line in dry.stdout.splitlines()
            if line.startswith(("base ", "finetuned "))
        }
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code in (1, 3), done.stdout + done.stderr  # the planted regressions
        usage = report(tmp_path / "out")["usage"]
        recorded = {role["role"]: role["prompt_tokens"] for role in usage["roles"]}  # type: ignore[index]
        assert set(estimated) == set(recorded) == {"base", "finetuned"}
        for role, tokens in recorded.items():
            assert tokens > 10_000, recorded
            assert abs(estimated[role] - tokens) <= 0.10 * tokens, (role, estimated[role], tokens)
    finally:
        simulator.stop()


def test_the_dry_run_caps_the_baselines_completion_mean_at_max_tokens(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    # Found in review: with a baseline's mean of 31 completion tokens and max_tokens: 20,
    # the dry run estimated 31 per answer; the run then recorded 59% less.
    folder, simulator = workspace
    config = priced_config(folder, "capped", simulator.url, "cache: {enabled: false}\n")
    assert cli("baseline", "--config", config, cwd=folder).code == 0
    assert "sampling:" not in config.read_text()
    config.write_text(config.read_text() + "sampling: {max_tokens: 3}\n")
    dry = cli("run", "--config", config, "--dry-run", cwd=folder)
    assert dry.code == 0, dry.stderr
    row = next(line.split() for line in dry.stdout.splitlines() if line.startswith("finetuned "))
    assert int(row[7].replace(",", "")) <= 3 * CASES, dry.stdout
    assert "each cut to max_tokens (3)" in dry.stdout + dry.stderr


def test_the_toxicity_classifier_counts_in_the_dry_run_the_usage_and_the_budgets(
    workspace: tuple[Path, ThreadedSimulator],
) -> None:
    """It reads every answer, so it spends as a model does: found in review, its requests
    counted against neither run.max_requests nor run.max_cost."""
    folder, simulator = workspace
    price = "price: {prompt: 1.0, completion: 0}"
    moderation = f"toxicity: {{endpoint: {{url: {simulator.url}, model: tuned, {price}}}}}\n"
    config = priced_config(folder, "toxic", simulator.url, "cache: {enabled: false}\n" + moderation)
    dry = cli("run", "--config", config, "--dry-run", cwd=folder)
    assert dry.code == 0, dry.stderr
    (row,) = [line.split() for line in dry.stdout.splitlines() if line.startswith("toxicity ")]
    assert row[1:6] == ["tuned", str(2 * CASES), "0", str(2 * CASES), "0"]
    assert f"total: {4 * CASES} requests" in dry.stdout

    done = cli("run", "--config", config, "--out", folder / "out-toxic", cwd=folder)
    assert done.code == 0, done.stderr
    usage = report(folder / "out-toxic")["usage"]
    assert isinstance(usage, dict)
    roles = {role["role"]: role for role in usage["roles"]}
    assert roles["toxicity"]["requests"] == 2 * CASES
    assert roles["toxicity"]["prompt_tokens"] > 0 and roles["toxicity"]["completion_tokens"] == 0
    assert roles["toxicity"]["cost"] == pytest.approx(roles["toxicity"]["prompt_tokens"] / 1e6)

    # run.max_requests counts its requests: 30 model requests and their 30 scores use up 60.
    config.write_text(config.read_text() + "run: {max_requests: 60}\n")
    stopped = cli("run", "--config", config, "--out", folder / "out-toxic-2", cwd=folder)
    assert stopped.code == 3, stopped.stderr
    usage = report(folder / "out-toxic-2")["usage"]
    assert isinstance(usage, dict)
    assert sum(role["requests"] for role in usage["roles"]) == 60

    # Unpriced under run.max_cost, it would spend beside the cap: refused before any request.
    config.write_text(
        config.read_text()
        .replace(f", {price}}}}}", "}}")
        .replace("run: {max_requests: 60}\n", "run: {max_cost: 5}\n")
    )
    before = sent(simulator)
    refused = cli("run", "--config", config, "--out", folder / "out-toxic-3", cwd=folder)
    assert refused.code == 2 and "toxicity.endpoint.price is not set" in refused.stderr, refused.stderr
    assert sent(simulator) == before


def test_a_baseline_from_another_judge_is_re_judged_for_this_suite_only_as_the_dry_run_says(
    tmp_path: Path,
) -> None:
    """Found in review: a run re-judged every stored baseline result, those to cases no
    longer in the suite too (680 judge requests for a 70-case suite), while the dry run
    showed the base model asked live and 140 judge requests."""
    judge_profiles = {"judge-a": ModelProfile(judge="llm"), "judge-b": ModelProfile(judge="llm")}
    cases = write_suite(tmp_path / "big.jsonl", {"cybersecurity": 30, "privacy": 30})
    simulator = ThreadedSimulator({**PROFILES, **judge_profiles}, cases)
    try:
        (tmp_path / "suite.jsonl").write_text(
            "".join((tmp_path / "big.jsonl").read_text().splitlines(keepends=True)[:20]), encoding="utf-8"
        )

        def judge(name: str) -> str:
            return f"judge: {{kind: llm, endpoint: {{url: {simulator.url}, model: {name}, {PRICE}}}}}\n"

        config = priced_config(
            tmp_path, "rejudge", simulator.url, "cache: {enabled: false}\n" + judge("judge-a")
        )
        config.write_text(config.read_text().replace("suite: [suite.jsonl]", "suite: [big.jsonl]"))
        taken = cli("baseline", "--config", config, cwd=tmp_path)
        assert taken.code == 0, taken.stderr
        stored = len(json.loads((tmp_path / "rejudge-baseline.json").read_text())["results"])
        assert stored == 70

        config.write_text(
            config.read_text()
            .replace("suite: [big.jsonl]", "suite: [suite.jsonl]")
            .replace("judge-a", "judge-b")
        )
        dry = cli("run", "--config", config, "--dry-run", cwd=tmp_path)
        assert dry.code == 0, dry.stderr
        rows = {line.split()[0]: line.split() for line in dry.stdout.splitlines() if line.split()}
        assert rows["base"][1:6] == ["base", "0", "20", "0", "0"], dry.stdout
        # The fine-tune's 20 answers and the baseline's 20 stored ones (not its 70).
        assert rows["judge"][1:6] == ["judge-b", "40", "0", "40", "0"], dry.stdout
        assert "re-judges its 20 stored responses" in dry.stderr

        before = simulator.requests("judge-b"), simulator.requests("base")
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code in (0, 3), done.stderr
        assert simulator.requests("base") == before[1], "the re-judged baseline is reused"
        # 40 verdicts, and the endpoint check before the first of them.
        assert simulator.requests("judge-b") - before[0] == 41
        usage = report(tmp_path / "out")["usage"]
        assert isinstance(usage, dict)
        assert {role["role"]: role["requests"] for role in usage["roles"]}["judge"] == 40
        assert "its 20 stored responses to this run's cases were re-judged" in done.stdout + done.stderr
    finally:
        simulator.stop()
