"""What a CI user hits, end to end over loopback (issue 8, sections 4-6): unusable output
paths and ports fail before any model call, odd replies cannot crash a run, secrets leave
no prefix anywhere, and the README's own steps work exactly as written."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.endpoints.wire import MAX_SERVER_MESSAGE

from .cli_support import BackgroundLoop, ThreadedSimulator, cli, serve_on_loopback, write_config, write_suite

KEY = "sk-live-0123456789abcdef0123456789abcdef"
PROFILES = {"base": ModelProfile(default_refusal=0.95), "same": ModelProfile(default_refusal=0.95)}


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadedSimulator]:
    cases = write_suite(tmp_path_factory.mktemp("suite") / "suite.jsonl", {"privacy": 12})
    served = ThreadedSimulator(PROFILES, cases)
    yield served
    served.stop()


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


# ------------------------------------------------------------------ checked before any call


def test_run_out_under_a_file_fails_before_any_model_call(
    tmp_path: Path, simulator: ThreadedSimulator
) -> None:
    write_suite(tmp_path / "suite.jsonl", {"privacy": 12})
    config = write_config(tmp_path / "gate.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
    (tmp_path / "afile").write_text("not a folder")
    before = simulator.requests("same") + simulator.requests("base")
    done = cli("run", "--config", config, "--out", tmp_path / "afile" / "report", cwd=tmp_path)
    assert done.code == 2
    assert "afile is a file, so nothing can be written under it" in one_line_error(done.stderr)
    assert simulator.requests("same") + simulator.requests("base") == before


def test_simulate_on_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli("simulate", "--port", port, cwd=tmp_path, timeout=60)
    assert done.code == 2
    assert f"--port {port}: cannot listen there" in one_line_error(done.stderr)


def test_schema_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    done = cli("schema", "--output", tmp_path / "missing" / "schema.json", cwd=tmp_path)
    assert done.code == 2
    assert "--output" in one_line_error(done.stderr)


# ------------------------------------------------------------------ replies from a stand-in server


class StandIn:
    """An OpenAI-compatible server whose every reply comes from ``reply(body)``."""

    def __init__(self, reply: Callable[[dict[str, object]], web.Response]) -> None:
        self._reply = reply
        self._loop = BackgroundLoop()
        self.requests = 0
        self.url = self._loop.run(self._start())

    async def _start(self) -> str:
        async def chat(request: web.Request) -> web.Response:
            self.requests += 1
            return self._reply(await request.json())

        app = web.Application()
        app.router.add_post("/v1/chat/completions", chat)
        self._runner, url = await serve_on_loopback(app)
        return f"{url}/v1"

    def stop(self) -> None:
        self._loop.run(self._runner.cleanup())
        self._loop.close()


def completion(content_json: str) -> web.Response:
    body = (
        '{"choices": [{"message": {"role": "assistant", "content": '
        + content_json
        + '}, "finish_reason": "stop"}]}'
    )
    return web.Response(text=body, content_type="application/json")


def gate_over(tmp_path: Path, url: str, extra: str = "") -> Path:
    write_suite(tmp_path / "suite.jsonl", {"privacy": 12})
    config = write_config(tmp_path / "gate.yml", url, "tuned", extra="cache: {enabled: false}\n" + extra)
    text = config.read_text().replace("timeout: 10}", "timeout: 10, api_key_env: SR_KEY}")
    config.write_text(text)
    return config


def test_a_lone_surrogate_in_a_reply_cannot_crash_the_run(tmp_path: Path) -> None:
    server = StandIn(lambda _: completion('"I can\'t help with that \\ud800."'))
    try:
        config = gate_over(tmp_path, server.url)
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path, env={"SR_KEY": KEY})
    finally:
        server.stop()
    # One reply to every prompt: the gate may call it inconclusive (3, same text everywhere).
    assert done.code in (0, 1, 3), done.stderr
    stored = json.loads((tmp_path / "out" / "finetuned.snapshot.json").read_text(encoding="utf-8"))
    assert stored["results"][0]["response"] == "I can't help with that \ufffd."


def leaked_prefixes(text: str) -> list[str]:
    """Any run of 6+ characters of KEY that appears in ``text``."""
    return [KEY[i : i + 6] for i in range(len(KEY) - 5) if KEY[i : i + 6] in text]


def every_output(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in folder.rglob("*") if p.is_file() and p.name != "gate.yml"
    )


@pytest.mark.parametrize("shift", [-20, -3, 0, 7])
def test_a_key_straddling_the_message_cut_leaves_no_prefix_anywhere(tmp_path: Path, shift: int) -> None:
    # The server quotes the key in its error, placed so that it straddles the 160-character cut.
    message = "x" * (MAX_SERVER_MESSAGE - 12 + shift) + " " + KEY + " was refused"
    server = StandIn(lambda _: web.json_response({"error": {"message": message}}, status=400))
    try:
        config = gate_over(tmp_path, server.url)
        run = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path, env={"SR_KEY": KEY})
        baseline = cli("baseline", "--config", config, cwd=tmp_path, env={"SR_KEY": KEY})
    finally:
        server.stop()
    assert run.code == 3, run.stderr
    assert baseline.code == 0, baseline.stderr
    assert (tmp_path / "out" / "junit.xml").is_file() and (tmp_path / "baseline.json").is_file()
    assert leaked_prefixes(every_output(tmp_path)) == []
    assert leaked_prefixes(run.stdout + run.stderr + baseline.stdout + baseline.stderr) == []


def outputs_of_a_model_saying(tmp_path: Path, said: str) -> str:
    """Every output of a run against a model that answers ``said`` to every prompt, with
    the responses shown and the key in $SR_KEY."""
    server = StandIn(lambda _: completion(json.dumps(said)))
    try:
        config = gate_over(tmp_path, server.url, extra="report: {show_responses: true}\n")
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path, env={"SR_KEY": KEY})
    finally:
        server.stop()
    # One reply to every prompt: the gate may call it inconclusive (3, same text everywhere).
    assert done.code in (0, 1, 3), done.stderr
    return every_output(tmp_path / "out")


def test_a_model_echoing_a_known_key_is_scrubbed_before_anything_is_written(tmp_path: Path) -> None:
    outputs = outputs_of_a_model_saying(tmp_path, f"Sure. The key you gave me is {KEY}.")
    assert "The key you gave me is ***." in outputs
    assert leaked_prefixes(outputs) == []


def test_a_model_echoing_a_known_key_in_base64_or_hex_is_scrubbed_too(tmp_path: Path) -> None:
    encoded = base64.b64encode(f"key={KEY};".encode()).decode()  # the key mid-stream
    outputs = outputs_of_a_model_saying(tmp_path, f"In base64: {encoded}. In hex: {KEY.encode().hex()}.")
    assert "In hex: ***." in outputs
    assert KEY.encode().hex() not in outputs and base64.b64encode(KEY.encode()).decode()[4:20] not in outputs


def test_a_model_echoing_a_known_key_split_or_recased_is_scrubbed_too(tmp_path: Path) -> None:
    split = KEY[:10] + " " + KEY[10:]
    outputs = outputs_of_a_model_saying(
        tmp_path, f"split: {split}. lower: {KEY.lower()}. upper: {KEY.upper()}."
    )
    assert "split: ***. lower: ***. upper: ***." in outputs
    assert KEY[10:] not in outputs and KEY.lower()[10:] not in outputs


# ------------------------------------------------------------------ compare and merge


def snapshots(tmp_path: Path, simulator: ThreadedSimulator, shard: str | None = None) -> Path:
    write_suite(tmp_path / "suite.jsonl", {"privacy": 12})
    config = write_config(tmp_path / "gate.yml", simulator.url, "same", extra="cache: {enabled: false}\n")
    args = ["--shard", shard] if shard else []
    done = cli("run", "--config", config, "--out", tmp_path / "out", *args, cwd=tmp_path)
    # 12 prompts cannot rule out a 10-point drop: an unchanged model is inconclusive (3).
    assert done.code in (0, 1, 3), done.stderr
    return tmp_path / "out"


def test_compare_of_snapshots_of_different_suites_says_what_it_left_out(tmp_path: Path) -> None:
    write_suite(tmp_path / "a.jsonl", {"privacy": 12})
    grown = write_suite(tmp_path / "b.jsonl", {"privacy": 12, "cybersecurity": 6})
    served = ThreadedSimulator(PROFILES, grown)
    try:
        extra = "cache: {enabled: false}\n"
        config = write_config(tmp_path / "a.yml", served.url, "same", extra=extra)
        config.write_text(config.read_text().replace("suite.jsonl", "a.jsonl"))
        assert cli("baseline", "--config", config, cwd=tmp_path).code == 0
        config.write_text(config.read_text().replace("a.jsonl", "b.jsonl"))
        done = cli("run", "--config", config, "--out", tmp_path / "out", cwd=tmp_path)
        assert done.code in (0, 1, 3), done.stderr
    finally:
        served.stop()
    pair = (tmp_path / "baseline.json", tmp_path / "out" / "finetuned.snapshot.json")
    compared = cli("compare", *pair, "--out", tmp_path / "c", cwd=tmp_path)
    warnings = json.loads((tmp_path / "c" / "report.json").read_text())["warnings"]
    expected = (
        "The snapshots cover different cases: only the 22 both hold unchanged are gated; "
        "6 only in the fine-tuned snapshot are not compared."
    )
    assert expected in warnings, warnings
    assert expected in compared.stdout + compared.stderr
    run_warnings = json.loads((tmp_path / "out" / "report.json").read_text())["warnings"]
    assert not any("cover different cases" in w for w in run_warnings), "a run asks what is missing"


def test_compare_uses_the_documented_config_or_says_it_uses_defaults(
    tmp_path: Path, simulator: ThreadedSimulator
) -> None:
    out = snapshots(tmp_path, simulator)
    pair = (out / "reference.snapshot.json", out / "finetuned.snapshot.json")
    default = cli("compare", *pair, "--out", tmp_path / "c1", cwd=tmp_path)
    assert "no --config and no .safety/gate.yml: using the built-in default gate settings" in default.stderr
    (tmp_path / ".safety").mkdir()
    (tmp_path / ".safety" / "gate.yml").write_text("gate: {alpha: 0.2, min_effect: 0.5}\n")
    documented = cli("compare", *pair, "--out", tmp_path / "c2", cwd=tmp_path)
    assert "using the gate config .safety/gate.yml" in documented.stderr
    assert json.loads((tmp_path / "c1" / "report.json").read_text())["alpha"] == 0.01
    assert json.loads((tmp_path / "c2" / "report.json").read_text())["alpha"] == 0.2


def test_compare_refuses_a_shard_snapshot(tmp_path: Path, simulator: ThreadedSimulator) -> None:
    out = snapshots(tmp_path, simulator, shard="1/2")
    done = cli("compare", out / "reference.snapshot.json", out / "finetuned.snapshot.json", cwd=tmp_path)
    assert done.code == 2
    assert "suite.shard: a snapshot of shard 1/2 only" in one_line_error(done.stderr)
    assert "merge" in done.stderr


def test_a_second_shard_into_the_same_folder_is_refused(tmp_path: Path, simulator: ThreadedSimulator) -> None:
    snapshots(tmp_path, simulator, shard="1/2")
    done = cli(
        "run", "--config", tmp_path / "gate.yml", "--out", tmp_path / "out", "--shard", "2/2", cwd=tmp_path
    )
    assert done.code == 2
    assert "holds the outputs of 'run --shard 1/2'" in one_line_error(done.stderr)


def test_a_rerun_says_whose_outputs_it_replaces(tmp_path: Path, simulator: ThreadedSimulator) -> None:
    snapshots(tmp_path, simulator)
    again = cli("run", "--config", tmp_path / "gate.yml", "--out", tmp_path / "out", cwd=tmp_path)
    assert re.search(
        r"out holds the outputs of an earlier 'run' \(run [0-9a-f]{12}\); they are replaced", again.stderr
    )


def test_merge_refuses_a_shard_folder_that_is_not_a_complete_set(
    tmp_path: Path, simulator: ThreadedSimulator
) -> None:
    out = snapshots(tmp_path, simulator, shard="1/1")
    (out / "finetuned.snapshot.json").write_text((out / "finetuned.snapshot.json").read_text() + " ")
    done = cli("merge", out, "--out", tmp_path / "merged", cwd=tmp_path)
    assert done.code == 2
    assert "finetuned.snapshot.json: differs from what its run wrote" in one_line_error(done.stderr)


def test_merge_of_a_folder_with_nothing_in_it_says_there_is_nothing_to_merge(
    tmp_path: Path, simulator: ThreadedSimulator
) -> None:
    # Found in review: a folder that is not there (or holds nothing) was said to be the
    # outputs of an interrupted run. Each input that is wrong says what it is, on one line.
    what = "name the folders that hold the outputs of 'run --shard I/N'"
    (tmp_path / "empty").mkdir()
    out = snapshots(tmp_path, simulator, shard="1/1")
    copied = tmp_path / "copied"  # as actions/upload-artifact copies it: without hidden files
    copied.mkdir()
    for name in ("reference.snapshot.json", "finetuned.snapshot.json"):
        (copied / name).write_bytes((out / name).read_bytes())
    expected = {
        "nothere": f"error: nothere: no such folder, so there is nothing to merge; {what}",
        "empty": "error: empty: holds no reference.snapshot.json or finetuned.snapshot.json, so there "
        f"is nothing to merge; {what}",
        "copied": "error: copied: no .safety-run.json (the manifest a run writes after its files), so "
        "its files are not known to be a complete set: the run that wrote them did not finish, or the "
        "folder was copied without its hidden files (actions/upload-artifact needs "
        "include-hidden-files: true); run it again",
    }
    for folder, line in expected.items():
        done = cli("merge", folder, "--out", tmp_path / "merged", cwd=tmp_path)
        assert done.code == 2, done.stdout + done.stderr
        assert done.stderr.strip().splitlines() == [line]
    assert not (tmp_path / "merged").exists()
    # A file deleted after its run wrote the set: changed since, not interrupted.
    (out / "finetuned.snapshot.json").unlink()
    done = cli("merge", out, "--out", tmp_path / "merged", cwd=tmp_path)
    assert done.code == 2
    error = one_line_error(done.stderr)
    assert "missing from the run that last wrote" in error and "changed since" in error
    assert "interrupted" not in error


# ------------------------------------------------------------------ the README, literally


README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def readme_section(title: str) -> str:
    start = README.index(f"## {title}")
    return README[start : README.index("\n## ", start + 1)]


def test_gate_your_own_fine_tune_works_exactly_as_written(tmp_path: Path) -> None:
    section = readme_section("Gate your own fine-tune")
    config_text = re.search(r"```yaml\n(.*?)```", section, re.S)
    commands = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert config_text is not None and len(commands) == 3
    config = "\n".join(line.strip() for line in config_text.group(1).splitlines())
    # The one liberty: the suite, the simulator's port and the key are this test's own.
    cases = write_suite(tmp_path / "suite.jsonl", {"privacy": 12})
    served = ThreadedSimulator({"base-model": PROFILES["base"], "my-finetune": PROFILES["same"]}, cases)
    try:
        config = config.replace("http://127.0.0.1:8000/v1", served.url)
        config = config.replace("[builtin:standard, builtin:capability]", f"[{tmp_path / 'suite.jsonl'}]")
        (tmp_path / ".safety").mkdir()
        (tmp_path / ".safety" / "gate.yml").write_text(config)
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
        for block in commands:
            for line in block.strip().splitlines():
                argv = line.split()
                if argv[0] == "git":
                    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=False)
                    assert done.returncode == 0, done.stderr
                else:
                    assert argv[0] == "safety-regression"
                    ran = cli(*argv[1:], cwd=tmp_path, env={"FT_API_KEY": "ft-key-for-the-readme-test"})
                    # 12 prompts: the gate can say inconclusive (3), which is a finished run.
                    assert ran.code in (0, 1, 3), (line, ran.stderr)
    finally:
        served.stop()
    assert (tmp_path / ".safety" / "baseline.json").is_file()
    # (Where the response cache lands is issue 8 section 1's business, tested there.)
    assert not (tmp_path / ".safety" / ".safety" / "baseline.json").exists()
    assert (tmp_path / "safety-report" / "report.json").is_file()
    manifest = (tmp_path / "safety-report" / ".safety-run.json").read_text()
    assert "finetuned.snapshot.json" in manifest, "step 4 left step 3's outputs as they were"
    assert (tmp_path / "recompared" / "report.json").is_file()
