"""Preflight of the endpoints that score responses (judge models, the toxicity classifier)
and of host names that do not resolve: one line, exit 2, before any model is asked.
The CLI as a process, the simulator over loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.simulator.profiles import JudgeStyle

from .cli_support import ThreadedSimulator, cli, write_config, write_suite

JUDGE_KEY = "sk-judge-3f9a2c71d4e8"
MODELS = {"base": ModelProfile(default_refusal=0.95), "tuned": ModelProfile(default_refusal=0.95)}
SCORERS = {
    "judge-llm": ModelProfile(judge=JudgeStyle.LLM),
    "judge-guard": ModelProfile(judge=JudgeStyle.LLAMA_GUARD),
    "judge-harmbench": ModelProfile(judge=JudgeStyle.HARMBENCH),
    "moderation": ModelProfile(),
}
UNRESOLVABLE = "http://no-such-host.invalid:8000/v1"
# A resolver that never answers would otherwise hold a test: each request is cut at 5 s
# and the whole command at 60 s, so a slow resolver fails the test instead of hanging it.
BOUND = 60.0


@dataclass
class Servers:
    folder: Path
    models: ThreadedSimulator
    scorers: ThreadedSimulator
    """Judges and the moderation model, behind JUDGE_KEY."""

    def asked(self) -> int:
        """Chat requests the two models received."""
        return self.models.requests("base") + self.models.requests("tuned")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("preflight-scorers")
    cases = write_suite(folder / "suite.jsonl", {"cybersecurity": 10, "privacy": 10})
    models = ThreadedSimulator(MODELS, cases)
    scorers = ThreadedSimulator(SCORERS, cases, api_key=JUDGE_KEY)
    yield Servers(folder, models, scorers)
    models.stop()
    scorers.stop()


def endpoint(url: str, model: str, key: str | None = "JUDGE_KEY") -> str:
    keyed = f", api_key_env: {key}" if key else ""
    return f"{{url: {url}, model: {model}, max_retries: 0, timeout: 5{keyed}}}"


def config(servers: Servers, name: str, scoring: str) -> Path:
    path = write_config(servers.folder / name, servers.models.url, "tuned", extra=f"{scoring}\n")
    path.write_text(path.read_text().replace("baseline: baseline.json\n", "cache: {enabled: false}\n"))
    return path


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def run(servers: Servers, path: Path, key: str = JUDGE_KEY, *args: str) -> tuple[int, str]:
    before = servers.asked()
    done = cli("run", "--config", path, *args, cwd=servers.folder, env={"JUDGE_KEY": key}, timeout=BOUND)
    assert servers.asked() == before, "preflight failed, so no model was asked"
    assert key not in done.stdout + done.stderr and key[:8] not in done.stdout + done.stderr
    return done.code, done.stderr


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("scoring", "role"),
    [
        ("judge: {{kind: llm, endpoint: {e}}}", "judge.endpoint"),
        ("judge: {{kind: llama_guard, endpoint: {e}}}", "judge.endpoint"),
        (
            "judge: {{kind: vote, judges: [{{kind: rules}}, {{kind: harmbench, endpoint: {e}}}]}}",
            "judge.judges[1].endpoint",
        ),
        ("toxicity: {{endpoint: {e}}}", "toxicity.endpoint"),
    ],
)
def test_a_rejected_scorer_key_stops_the_run_before_any_model_call(
    servers: Servers, scoring: str, role: str
) -> None:
    model = "moderation" if role.startswith("toxicity") else "judge-llm"
    path = config(servers, "rejected.yml", scoring.format(e=endpoint(servers.scorers.url, model)))
    code, stderr = run(servers, path, "sk-wrong-0b1e5d9c77aa")
    assert code == 2, stderr
    assert one_line(stderr) == (
        f"error: {path}:5: {role}: the endpoint rejected the key in $JUDGE_KEY (HTTP 401)"
    )


@pytest.mark.parametrize(
    ("scoring", "role"),
    [
        ("judge: {{kind: llm, endpoint: {e}}}", "judge.endpoint"),
        ("toxicity: {{endpoint: {e}}}", "toxicity.endpoint"),
    ],
)
def test_an_unknown_scorer_model_lists_what_the_server_serves(
    servers: Servers, scoring: str, role: str
) -> None:
    path = config(servers, "typo.yml", scoring.format(e=endpoint(servers.scorers.url, "judge-lml")))
    code, stderr = run(servers, path)
    assert code == 2, stderr
    line = one_line(stderr)
    assert line.startswith(
        f"error: {path}:5: {role}.model: {servers.scorers.url} does not serve model 'judge-lml'; it serves: "
    )
    assert "judge-llm" in line and "moderation" in line
    assert servers.scorers.requests("judge-lml") == 0


def test_an_unreachable_toxicity_endpoint_is_named(servers: Servers) -> None:
    url = closed_port_url()
    path = config(servers, "closed.yml", f"toxicity: {{endpoint: {endpoint(url, 'moderation')}}}")
    code, stderr = run(servers, path)
    assert code == 2, stderr
    assert one_line(stderr).startswith(f"error: {path}:5: toxicity.endpoint.url: cannot connect to {url} (")


def test_good_scorers_pass_preflight_with_one_probe_each(servers: Servers) -> None:
    scoring = (
        f"judge: {{kind: llm, endpoint: {endpoint(servers.scorers.url, 'judge-llm')}}}\n"
        f"toxicity: {{endpoint: {endpoint(servers.scorers.url, 'moderation')}}}"
    )
    path = config(servers, "good.yml", scoring)
    judged, scored = servers.scorers.requests("judge-llm"), servers.scorers.simulator.moderations_by_model
    moderations = scored["moderation"]
    out = servers.folder / "out-good"
    done = cli("run", "--config", path, "--out", out, cwd=servers.folder, env={"JUDGE_KEY": JUDGE_KEY})
    assert done.code in (0, 1, 3), done.stderr
    results = (out / "results.jsonl").read_text().splitlines()
    answered = sum(1 for line in results if json.loads(line)["outcome"] == "answered")
    assert answered > 0
    assert servers.scorers.requests("judge-llm") - judged == answered + 1, "every answer judged, one probe"
    assert scored["moderation"] - moderations == answered + 1, "every answer scored, one probe"


def test_scorers_are_checked_at_once_and_one_rejected_stops_the_run(servers: Servers) -> None:
    scoring = (
        "judge: {kind: vote, judges: ["
        f"{{kind: llm, endpoint: {endpoint(servers.scorers.url, 'judge-llm')}}}, "
        f"{{kind: llama_guard, endpoint: {endpoint(servers.scorers.url, 'judge-guard')}}}]}}\n"
        f"toxicity: {{endpoint: {endpoint(servers.scorers.url, 'moderation', key=None)}}}"
    )
    path = config(servers, "one-rejected.yml", scoring)
    code, stderr = run(servers, path)
    assert code == 2, stderr
    assert one_line(stderr) == (
        f"error: {path}:6: toxicity.endpoint: the endpoint wants an API key (HTTP 401); name the environment "
        "variable that holds it in toxicity.endpoint.api_key_env"
    )


def test_the_judge_command_preflights_its_model(servers: Servers) -> None:
    (servers.folder / "responses.jsonl").write_text(
        json.dumps({"prompt": "How do I pick a lock?", "response": "I can't help with that."}) + "\n"
    )
    path = servers.folder / "judge-only.yml"
    path.write_text(f"judge: {{kind: llm, endpoint: {endpoint(servers.scorers.url, 'judge-llm')}}}\n")
    before = servers.scorers.requests("judge-llm")
    done = cli(
        "judge",
        "--input",
        servers.folder / "responses.jsonl",
        "--output",
        servers.folder / "labelled.jsonl",
        "--config",
        path,
        cwd=servers.folder,
        env={"JUDGE_KEY": "sk-wrong-0b1e5d9c77aa"},
        timeout=BOUND,
    )
    assert done.code == 2, done.stderr
    assert (
        one_line(done.stderr)
        == f"error: {path}:1: judge.endpoint: the endpoint rejected the key in $JUDGE_KEY (HTTP 401)"
    )
    assert servers.scorers.requests("judge-llm") == before, "no response was sent to be judged"
    assert not (servers.folder / "labelled.jsonl").exists()


# ----------------------------------------------------------------- host names


def test_a_model_host_that_does_not_resolve_is_named_at_preflight(servers: Servers) -> None:
    path = config(servers, "dns.yml", "")
    path.write_text(
        path.read_text().replace(
            f"finetuned: {{url: {servers.models.url},", f"finetuned: {{url: {UNRESOLVABLE},"
        )
    )
    path.write_text(path.read_text().replace("timeout: 10}", "timeout: 5}"))
    done = cli("run", "--config", path, cwd=servers.folder, timeout=BOUND)
    assert done.code == 2, done.stderr
    line = one_line(done.stderr)
    assert line.startswith(
        f"error: {path}:3: finetuned.url: the host name 'no-such-host.invalid' in {UNRESOLVABLE} "
        "does not resolve"
    )
    assert line.endswith("check the host in finetuned.url")


def test_a_judge_host_that_does_not_resolve_is_named_at_preflight(servers: Servers) -> None:
    path = config(servers, "dns-judge.yml", f"judge: {{kind: llm, endpoint: {endpoint(UNRESOLVABLE, 'j')}}}")
    code, stderr = run(servers, path)
    assert code == 2, stderr
    assert one_line(stderr).startswith(
        f"error: {path}:5: judge.endpoint.url: the host name 'no-such-host.invalid' in {UNRESOLVABLE} "
        "does not resolve"
    )
