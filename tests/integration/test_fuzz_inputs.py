"""No input crashes the tool: hypothesis feeds the real entry points generated files and
environments, and every run must end in a one-line error (exit 2 or 3) or a verdict
(exit 0 or 1), never a traceback.

The entry points run in-process (``cli.main`` and ``run_action``), so a few hundred
examples take seconds. Generated inputs mix random structures with the shapes that
crashed earlier versions: deep nesting, self-referencing anchors, alias bombs, duplicate
keys, lone surrogates, odd scalars, relative URLs and unwritable paths.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safety_regression.cli import main
from safety_regression.config import SamplingConfig
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.errors import SafetyRegressionError
from safety_regression.github.action import run_action
from safety_regression.github.client import api_url_problem
from safety_regression.github.event import read_event
from safety_regression.judges.base import Label
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo
from safety_regression.snapshot.model import response_digest
from safety_regression.suites import Expect

# Bounded: about 40 examples per target keeps the whole file within ~30 s on a busy CI
# machine. FUZZ_EXAMPLES raises it for a longer local hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
EXIT_CODES = {0, 1, 2, 3}

# ---------------------------------------------------------------------------- inputs


def nested(depth: int, open_: str = "[", close: str = "]") -> str:
    return open_ * depth + close * depth


HAZARDOUS_YAML = [
    "gate: &g {holm: *g}\n",
    "gate: " + nested(3000) + "\n",
    "gate: " + nested(2000, "{a: ", "}") + "\n",
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(c)}: &{chr(c)} [{', '.join([f'*{chr(c - 1)}'] * 9)}]\n" for c in range(98, 107)),
    "gate:\n  alpha: 0.05\ngate:\n  holm: true\n",
    "gate: {category_weights: {violence: .nan}}\n",
    "gate: {distribution: {violence: .inf}}\n",
    "gate: {category_weights: {violence: -1}}\n",
    "suite: !!python/object:os.system ls\n",
    "created: 2024-13-45\n",
    "when: !!timestamp 2024-99-99\n",
    "blob: !!binary '%%%'\n",
    "? [a, b]\n: c\n",
    "gate: {alpha: 1e999}\n",
    'finetuned: {url: "http://x/v1", model: "\\ud800"}\n',
    "\t- tab\n",
    "%YAML 9.9\n---\na: 1\n",
    "a: 1\n---\nb: 2\n",
    "<<: *undefined\n",
    "judge: {calibration: /dev/null}\n",
    "judge: {calibration: .}\n",
    "suite: [/nonexistent.jsonl]\n",
]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["\ud800", "x\udc00y", "\x00", "\u202e", "builtin:nope", "../../etc"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def config_keys() -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["suite", "base", "finetuned", "baseline", "sampling", "judge", "gate", "cache", "report", "snapshot"]
    )


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    """A hazard, a random mapping dumped as YAML, or random text."""
    kind = draw(st.sampled_from(["hazard", "mapping", "text", "deep"]))
    if kind == "hazard":
        return draw(st.sampled_from(HAZARDOUS_YAML))
    if kind == "deep":
        return "gate: " + nested(draw(st.integers(min_value=50, max_value=5000))) + "\n"
    if kind == "text":
        return draw(st.text(max_size=200))
    mapping = draw(st.dictionaries(config_keys() | st.text(max_size=6), json_values, max_size=5))
    return yaml.safe_dump(mapping, allow_unicode=False)


@st.composite
def json_texts(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A valid document with one field replaced, or deep nesting, or random text."""
    kind = draw(st.sampled_from(["mutate", "mutate", "deep", "text", "surrogate"]))
    if kind == "deep":
        return nested(draw(st.integers(min_value=50, max_value=200_000)))
    if kind == "text":
        return draw(st.text(max_size=200))
    if kind == "surrogate":
        return json.dumps(base).replace('"model"', '"\\ud800"', 1)
    document = json.loads(json.dumps(base))
    path = draw(st.lists(st.sampled_from([*document.keys(), "results", 0, "response", "sample"]), max_size=3))
    target: Any = document
    for part in path[:-1]:
        if (isinstance(target, dict) and part in target) or (
            isinstance(target, list) and isinstance(part, int) and part < len(target)
        ):
            target = target[part]
    if path and isinstance(target, dict):
        target[path[-1]] = draw(json_values)
    elif path and isinstance(target, list) and target:
        target[0] = draw(json_values)
    return json.dumps(document, allow_nan=True, ensure_ascii=draw(st.booleans()))


# ---------------------------------------------------------------------------- fixtures


def _snapshot(model: str, refusals: int) -> Snapshot:
    results = []
    for i in range(6):
        text = "I can't help with that." if i < refusals else "Sure, here is a general overview."
        digest, chars = response_digest(text)
        results.append(
            CaseResult(
                case_id=f"privacy.{i}",
                case_hash=f"{i:016x}",
                category="privacy",
                expect=Expect.REFUSE,
                outcome=OutcomeKind.ANSWERED,
                label=Label.REFUSAL if i < refusals else Label.COMPLIANCE,
                judge="rules/2",
                response=text,
                response_sha256=digest,
                response_chars=chars,
                prompt=f"prompt {i}",
            )
        )
    return Snapshot(
        tool_version="test",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        model=ModelInfo(model=model),
        suite=SuiteInfo(name="t", hash="0123456789abcdef", cases=6),
        judge="rules/2",
        sampling=SamplingConfig(),
        results=tuple(results),
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "reference.json").write_text(_snapshot("base", 6).model_dump_json())
    (root / "candidate.json").write_text(_snapshot("tuned", 5).model_dump_json())
    (root / "gate.yml").write_text("gate: {alpha: 0.05}\n")
    return root


@contextlib.contextmanager
def captured() -> Iterator[io.StringIO]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        yield err


def run_cli(*argv: str | Path, cwd: Path) -> tuple[int, str]:
    """The CLI in-process, in ``cwd``; anything but a clean exit propagates and fails the test."""
    with captured() as err, pytest.raises(SystemExit) as stopped, contextlib.chdir(cwd):
        main([str(arg) for arg in argv])
    code = stopped.value.code
    assert isinstance(code, int) and code in EXIT_CODES, (code, err.getvalue())
    message = err.getvalue()
    assert "Traceback" not in message
    if code == 2:  # exit 3 is also an inconclusive verdict, which is no error
        assert "error:" in message, message
    return code, message


# ---------------------------------------------------------------------------- properties


@FUZZ
@given(text=yaml_texts())
def test_any_gate_config_gives_a_verdict_or_a_one_line_error(folder: Path, text: str) -> None:
    (folder / "fuzz.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    run_cli(
        "compare",
        folder / "reference.json",
        folder / "candidate.json",
        "--config",
        folder / "fuzz.yml",
        "--out",
        folder / "out-config",
        cwd=folder,
    )


@FUZZ
@given(
    text=yaml_texts() | json_texts({"id": "a.1", "category": "privacy", "expect": "refuse", "prompt": "p"}),
    suffix=st.sampled_from([".jsonl", ".yaml"]),
)
def test_any_suite_file_validates_or_names_its_problems(folder: Path, text: str, suffix: str) -> None:
    path = folder / f"fuzz-suite{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    run_cli("suite", "validate", path, cwd=folder)


@FUZZ
@given(data=st.data())
def test_any_snapshot_gates_or_is_refused_with_its_field(folder: Path, data: st.DataObject) -> None:
    base = json.loads((folder / "reference.json").read_text())
    text = data.draw(json_texts(base))
    (folder / "fuzz.snapshot.json").write_text(text, encoding="utf-8", errors="surrogatepass")
    code, message = run_cli(
        "compare",
        folder / "fuzz.snapshot.json",
        folder / "candidate.json",
        "--config",
        folder / "gate.yml",
        "--out",
        folder / "out-snapshot",
        cwd=folder,
    )
    if code == 2:
        assert "fuzz.snapshot.json" in message


@FUZZ
@given(data=st.data())
def test_any_calibration_file_is_used_or_refused(folder: Path, data: st.DataObject) -> None:
    base = {
        "kind": "safety-regression/judge-error-rates",
        "version": 1,
        "judge": "rules/2",
        "n": 100,
        "false_compliance_rate": {"errors": 2, "n": 50, "rate": 0.04},
        "false_refusal_rate": {"errors": 1, "n": 50, "rate": 0.02},
    }
    (folder / "fuzz.calibration.json").write_text(
        data.draw(json_texts(base)), encoding="utf-8", errors="surrogatepass"
    )
    (folder / "calibrated.yml").write_text("judge: {calibration: fuzz.calibration.json}\n")
    run_cli(
        "compare",
        folder / "reference.json",
        folder / "candidate.json",
        "--config",
        folder / "calibrated.yml",
        "--out",
        folder / "out-calibration",
        cwd=folder,
    )


@FUZZ
@given(data=st.data())
def test_any_event_payload_is_read_or_refused(folder: Path, data: st.DataObject) -> None:
    base = {"pull_request": {"number": 7, "head": {"sha": "a" * 40}, "user": {"login": "octocat"}}}
    (folder / "event.json").write_text(data.draw(json_texts(base)), encoding="utf-8", errors="surrogatepass")
    environ = {"GITHUB_EVENT_PATH": str(folder / "event.json"), "GITHUB_REPOSITORY": "o/r"}
    with contextlib.suppress(SafetyRegressionError):
        read_event(environ)


url_texts = st.one_of(
    st.sampled_from(["api", "/api/v3", "http://", "ftp://x", ":::", "http://[::1", "http://u:p@h/?q=1", ""]),
    st.text(max_size=30),
)


@FUZZ
@given(url=url_texts)
def test_any_api_url_is_accepted_or_explained(url: str) -> None:
    problem = api_url_problem(url)
    assert problem is None or "GITHUB_API_URL" in problem


INPUT_NAMES = [
    "CONFIG",
    "COMMAND",
    "BASELINE",
    "CANDIDATE",
    "OUT",
    "GITHUB-TOKEN",
    "COMMENT",
    "CHECK",
    "CHECK-NAME",
    "SHOW-RESPONSES",
    "FAIL-ON",
]
GITHUB_NAMES = [
    "GITHUB_OUTPUT",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_API_URL",
    "GITHUB_EVENT_PATH",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
    "GITHUB_EVENT_NAME",
]


@st.composite
def action_environments(draw: st.DrawFn, folder: Path) -> dict[str, str]:
    values = st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "compare",
                "run",
                "true",
                "false",
                "never",
                str(folder / "gate.yml"),
                str(folder / "reference.json"),
                str(folder / "candidate.json"),
                str(folder / "out-action"),
                "/dev/null/x",
                str(folder / "gate.yml/x"),
                "api",
                "http://127.0.0.1:9/api",
                "o/r",
                str(folder / "summary.md"),
                "/proc/version",
            ]
        ),
    )
    environ = {
        "INPUT_CONFIG": str(folder / "gate.yml"),
        "INPUT_COMMAND": "compare",
        "INPUT_BASELINE": str(folder / "reference.json"),
        "INPUT_CANDIDATE": str(folder / "candidate.json"),
        "INPUT_OUT": str(folder / "out-action"),
        "INPUT_GITHUB-TOKEN": "",
    }
    for name in draw(
        st.lists(st.sampled_from([f"INPUT_{n}" for n in INPUT_NAMES] + GITHUB_NAMES), max_size=4)
    ):
        environ[name] = draw(values)
    if environ.get("INPUT_GITHUB-TOKEN"):
        # A token makes the Action publish; only unusable API URLs are fuzzed then, so no
        # example waits on a server (publishing itself is tested against the stand-in).
        environ["GITHUB_API_URL"] = draw(st.sampled_from(["api", "/v3", "ftp://x", "http://"]))
    return environ


@FUZZ
@given(data=st.data())
def test_any_action_environment_ends_with_an_exit_code(folder: Path, data: st.DataObject) -> None:
    environ = data.draw(action_environments(folder))
    stdout = io.StringIO()
    # Fuzzed inputs are relative paths too: they must land in the test's folder.
    with captured(), contextlib.chdir(folder):
        code = run_action(environ, stdout)
    assert code in EXIT_CODES
    if code == 2:
        # A plain ::error:: or one pinned to a file and line (::error file=...,line=...::).
        assert re.search(r"^::error( file=[^\n]*)?::", stdout.getvalue(), re.M), stdout.getvalue()
    assert stdout.getvalue().count("::group::") == stdout.getvalue().count("::endgroup::")
