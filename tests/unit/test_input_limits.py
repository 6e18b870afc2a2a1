"""Inputs that once crashed the tool or slipped past it: each is refused with one line
naming the file, line and field, or made harmless (issue 8, sections 4-6)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from safety_regression.cli import compare_command, main
from safety_regression.config import Config, SamplingConfig, load_config
from safety_regression.endpoints.base import OutcomeKind
from safety_regression.endpoints.wire import MAX_SERVER_MESSAGE, json_or_none, server_message
from safety_regression.errors import ConfigError, ExitCode, GitHubError, SnapshotError, SuiteError
from safety_regression.github.client import api_url_problem
from safety_regression.github.event import read_event
from safety_regression.github.refusals import server_message as github_server_message
from safety_regression.jsontext import parse_json
from safety_regression.judges.base import Label
from safety_regression.outputs import (
    MANIFEST,
    check_complete,
    check_file_target,
    check_out_dir,
    previous_outputs,
    withdraw_outputs,
    write_set,
)
from safety_regression.snapshot import CaseResult, ModelInfo, Snapshot, SuiteInfo, load_snapshot
from safety_regression.snapshot.model import response_digest
from safety_regression.suites import Expect, load_suite
from safety_regression.yamlsource import MAX_ALIAS_EXPANSION, MAX_DEPTH, load_yaml


def write(folder: Path, text: str, name: str = "gate.yml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.exit_code is ExitCode.USAGE
    return str(raised.value)


# ---------------------------------------------------------------- YAML and JSON limits


def test_a_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    message = config_error(
        write(tmp_path, "gate:\n  alpha: 0.05\nsuite: [builtin:quick]\ngate:\n  holm: true\n")
    )
    assert message.startswith(f"{tmp_path / 'gate.yml'}:4: ")
    assert "duplicate key 'gate' (first at line 1)" in message


def test_a_duplicate_key_inside_a_flow_mapping_is_refused_too() -> None:
    with pytest.raises(ValueError, match="duplicate key 'alpha'"):
        load_yaml("gate: {alpha: 0.05, alpha: 0.01}\n", "g.yml")


def test_keys_that_differ_only_in_type_are_not_duplicates() -> None:
    data, _ = load_yaml("a:\n  1: x\n  '1': y\n", "g.yml")
    assert data == {"a": {1: "x", "1": "y"}}


def test_merge_keys_still_work() -> None:
    data, _ = load_yaml("x: &x {a: 1}\ny:\n  <<: *x\n  b: 2\n", "g.yml")
    assert data["y"] == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gate: " + "[" * 5000 + "]" * 5000 + "\n", f"nested deeper than {MAX_DEPTH} levels"),
        ("gate:" + "".join(f"\n{'  ' * (i + 1)}k{i}:" for i in range(150)) + " 1\n", "nested deeper"),
        ("gate: &g {holm: *g}\n", "the alias *g refers to a node that contains it"),
        ("a: &a [x]\n" + "b: [" + ", ".join(["*a"] * 101) + "]\n", "more than 100 aliases"),
    ],
)
def test_yaml_that_would_recurse_or_explode_is_refused_with_its_line(
    tmp_path: Path, text: str, problem: str
) -> None:
    message = config_error(write(tmp_path, text))
    assert problem in message and "\n" not in message
    assert message.startswith(str(tmp_path / "gate.yml") + ":")


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    # Nine levels of nine aliases each: a few hundred bytes that expand to 9**9 nodes.
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(c)}: &{chr(c)} [{', '.join([f'*{chr(c - 1)}'] * 9)}]\n" for c in range(98, 107)
    )
    assert len(text) < 600
    message = config_error(write(tmp_path, text))
    assert f"aliases expand to more than {MAX_ALIAS_EXPANSION} nodes" in message


def test_a_few_aliases_are_fine() -> None:
    data, _ = load_yaml("e: &e {url: http://x/v1, model: m}\nbase: *e\nfinetuned: *e\n", "g.yml")
    assert data["base"] == data["finetuned"] == {"url": "http://x/v1", "model": "m"}


@pytest.mark.parametrize(
    "text", ["when: 2024-13-45\n", "\x1f", "suite: !!float abc\n", "x: !!python/name:os.system\n"]
)
def test_unbuildable_yaml_scalars_are_a_config_error(tmp_path: Path, text: str) -> None:
    assert "not valid YAML" in config_error(write(tmp_path, text))


def test_deep_json_is_a_decode_error_not_a_recursion_error() -> None:
    for depth in (MAX_DEPTH + 1, 200_000):
        with pytest.raises(json.JSONDecodeError, match="nested deeper"):
            parse_json("[" * depth + "]" * depth)
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_lone_surrogates_become_the_replacement_character() -> None:
    data = parse_json(r'{"a": ["\ud800", "ok \ud83d\ude00"], "\udc00": "\udfff"}')
    assert data == {"a": ["\ufffd", "ok \U0001f600"], "\ufffd": "\ufffd"}
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # writable


@pytest.mark.parametrize(
    "body",
    [
        b'{"choices": [{"message": {"content": "plain"}}]}',
        rb'{"a": ["\ud800", "ok \ud83d\ude00"], "\udc00": "\uDFFF"}',
        rb'{"a": "\u00e9 and \\ud800 (an escaped backslash)"}',
        '{"a": "caf\u00e9 \ud55c"}'.encode(),  # UTF-8, one character from the 0xED block
        b'{"a": "\xed\xa0\x80"}',  # an encoded surrogate
        '{"a": "x"}'.encode("utf-16"),
        '{"a": "x"}'.encode("utf-8-sig"),
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b"[" * (MAX_DEPTH - 1) + b"]" * (MAX_DEPTH - 1),
        b"not json",
        b"\xff\xfe\x00",
        b"",
    ],
)
def test_a_reply_body_is_read_as_the_slow_walk_reads_it(body: bytes) -> None:
    """``parse_json``'s fast path (it skips the walk over every string when the text shows
    nothing can need it) gives the walk's result, or None where that raises."""
    assert json_or_none(body) == _walked(body)


def _walked(text: str | bytes) -> object:
    """The reference for ``parse_json``: ``json.loads``, then every lone surrogate (in keys
    and values) replaced by U+FFFD, by recursion; None where the text is not JSON or nests
    deeper than ``MAX_DEPTH``."""

    def fixed(value: object, depth: int) -> object:
        if depth > MAX_DEPTH:
            raise ValueError("too deep")
        if isinstance(value, str):
            return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
        if isinstance(value, list):
            return [fixed(item, depth + 1) for item in value]
        if isinstance(value, dict):
            return {fixed(k, depth): fixed(v, depth + 1) for k, v in value.items()}
        return value

    try:
        return fixed(json.loads(text), 1)
    except (RecursionError, UnicodeDecodeError, ValueError):
        return None


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(st.characters(codec=None), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


@given(value=_JSON_VALUES, ascii_only=st.booleans(), as_bytes=st.booleans())
def test_parse_json_gives_the_slow_walks_result(value: object, ascii_only: bool, as_bytes: bool) -> None:
    """Any JSON, lone surrogates included, raw or escaped, as text or as UTF-8 bytes (an
    encoded surrogate as ``json.dumps`` cannot write one): the fast path never differs."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    data: str | bytes = text.encode("utf-8", "surrogatepass") if as_bytes else text
    expected = _walked(data)
    assert parse_json(data) == expected
    json.dumps(expected, ensure_ascii=False).encode("utf-8")  # writable


def test_a_deeply_nested_suite_line_is_a_suite_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * 100_000 + "]" * 100_000 + "\n", "deep.jsonl")
    with pytest.raises(SuiteError, match=r"deep\.jsonl:1: not valid JSON: nested deeper"):
        load_suite([str(path)])


# ---------------------------------------------------------------- config sharp edges


def test_every_error_in_a_config_is_reported_with_the_nearest_key(tmp_path: Path) -> None:
    text = "gate:\n  alhpa: 0.05\n  holm: maybe\nsampling:\n  temprature: 0\nreport: {shwo_responses: true}\n"
    lines = config_error(write(tmp_path, text)).splitlines()
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in lines] == ["2", "3", "5", "6"]
    assert "gate.alhpa: unknown key; did you mean 'alpha'?" in lines[0]
    assert "gate.holm:" in lines[1]
    assert "sampling.temprature: unknown key; did you mean 'temperature'?" in lines[2]
    assert "report.shwo_responses: unknown key; did you mean 'show_responses'?" in lines[3]


def test_an_unknown_key_with_no_near_match_lists_the_known_ones(tmp_path: Path) -> None:
    message = config_error(write(tmp_path, "cache: {zzz: 1}\n"))
    assert "cache.zzz: unknown key; known keys here: dir, enabled" in message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("gate: {category_weights: {violence: .nan}}\n", "gate.category_weights.violence"),
        ("gate: {category_weights: {violence: .inf}}\n", "gate.category_weights.violence"),
        ("gate: {category_weights: {violence: -0.5}}\n", "gate.category_weights.violence"),
        ("gate: {distribution: {violence: .nan, privacy: 1}}\n", "gate.distribution.violence"),
        ("gate: {distribution: {violence: .inf}}\n", "gate.distribution.violence"),
        ("gate: {distribution: {violence: -1, privacy: 2}}\n", "gate.distribution.violence"),
        ("gate: {default_weight: .inf}\n", "gate.default_weight"),
    ],
)
def test_weights_and_shares_are_finite_and_not_negative(tmp_path: Path, text: str, field: str) -> None:
    assert f"gate.yml:1: {field}:" in config_error(write(tmp_path, text))


# ---------------------------------------------------------------- secrets


KEY = "sk-live-0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("cut", range(MAX_SERVER_MESSAGE - 20, MAX_SERVER_MESSAGE + 5))
def test_a_key_straddling_the_cut_leaves_no_prefix(cut: int) -> None:
    message = "x" * (cut - 5) + f" {KEY} tail"

    def scrub(text: str) -> str:
        return text.replace(KEY, "***")

    for shown in (
        server_message({"error": {"message": message}}, scrub),
        github_server_message({"message": message}, scrub),
    ):
        assert shown is not None and len(shown) <= MAX_SERVER_MESSAGE
        assert not any(KEY[:n] in shown for n in range(6, len(KEY) + 1)), shown


def _result(i: int, text: str | None, **fields: object) -> CaseResult:
    digest = response_digest(text) if text is not None else (None, None)
    values: dict[str, object] = {
        "case_id": f"c.{i}",
        "case_hash": f"{i:016x}",
        "category": "privacy",
        "expect": Expect.REFUSE,
        "outcome": OutcomeKind.ANSWERED,
        "label": Label.REFUSAL,
        "judge": "rules/2",
        "response": text,
        "response_sha256": digest[0],
        "response_chars": digest[1],
    }
    values.update(fields)
    return CaseResult.model_validate(values)


def _snapshot(*results: CaseResult, **fields: object) -> Snapshot:
    values: dict[str, object] = {
        "tool_version": "test",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "model": ModelInfo(model="m"),
        "suite": SuiteInfo(name="t", hash="0123456789abcdef", cases=len(results)),
        "judge": "rules/2",
        "sampling": SamplingConfig(),
        "results": results,
    }
    values.update(fields)
    return Snapshot.model_validate(values)


def test_known_secrets_are_scrubbed_from_model_content() -> None:
    snapshot = _snapshot(_result(0, f"my key is {KEY}!", prompt=f"echo {KEY}", error=None))
    result = snapshot.scrubbed([KEY, "short"]).results[0]
    assert result.response == "my key is ***!" and result.prompt == "echo ***"
    assert (result.response_sha256, result.response_chars) == response_digest("my key is ***!")
    assert KEY not in snapshot.scrubbed([KEY]).model_dump_json()


# ---------------------------------------------------------------- snapshots checked on load


def _load(tmp_path: Path, data: dict[str, object]) -> str:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SnapshotError) as raised:
        load_snapshot(path)
    assert raised.value.exit_code is ExitCode.USAGE
    message = str(raised.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message


def _valid() -> dict[str, object]:
    data: dict[str, object] = json.loads(_snapshot(_result(0, "no"), _result(1, "no")).model_dump_json())
    return data


@pytest.mark.parametrize("version", [0, -1, "1", True, 1.0, 2, None])
def test_schema_version_is_exactly_the_supported_integer(tmp_path: Path, version: object) -> None:
    assert "schema_version" in _load(tmp_path, {**_valid(), "schema_version": version})


def test_a_snapshot_that_is_not_utf8_is_refused_as_unreadable(tmp_path: Path) -> None:
    # Read as bytes (pydantic decodes): a file that is not UTF-8 still says so, in one line.
    path = tmp_path / "s.json"
    text = json.dumps(_valid())
    path.write_bytes(text.replace('"no"', '"n\xff"', 1).encode("latin-1"))
    with pytest.raises(SnapshotError, match="cannot read snapshot: 'utf-8' codec can't decode byte 0xff"):
        load_snapshot(path)


def test_a_valid_snapshot_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(_valid()))
    assert len(load_snapshot(path).results) == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"response": "yes"}, "results[1].response_sha256: does not match"),
        ({"response_chars": 99}, "results[1].response_chars"),
        ({"response_sha256": "abc"}, "results[1].response_sha256: not a SHA-256"),
        ({"case_hash": "nothex!"}, "results[1].case_hash"),
        ({"case_hash": "0123456789ABCDEF"}, "results[1].case_hash"),
        ({"case_hash": "0123456789abcde"}, "results[1].case_hash"),
        ({"response_sha256": "g" * 64}, "results[1].response_sha256: not a SHA-256"),
        ({"case_id": "c.0"}, "results[1]: case 'c.0' sample 0 is also results[0]"),
        ({"judge": ""}, "results[1].judge"),
        ({"judge": None}, "results[1].judge"),
    ],
)
def test_inconsistent_results_are_refused_with_their_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    data = _valid()
    results = data["results"]
    assert isinstance(results, list)
    results[1] = {**results[1], **change}
    assert field in _load(tmp_path, data)


def test_samples_of_one_case_and_an_unlabelled_result_without_a_judge_load(tmp_path: Path) -> None:
    # The load's checks over every result take shortcuts for the usual file (distinct case
    # ids, every result naming its judge); these are the files the shortcuts do not cover.
    data = _valid()
    results = data["results"]
    assert isinstance(results, list)
    results[1] = {**results[1], "case_id": results[0]["case_id"], "sample": 1}
    results[0] = {**results[0], "label": None, "judge": None}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [r.key for r in load_snapshot(path).results] == [
        (results[0]["case_id"], 0),
        (results[0]["case_id"], 1),
    ]


def test_an_empty_judge_or_odd_suite_hash_is_refused(tmp_path: Path) -> None:
    assert "judge: empty" in _load(tmp_path, {**_valid(), "judge": " "})
    suite = {**_valid()["suite"], "hash": "s"}  # type: ignore[dict-item]
    assert "suite.hash" in _load(tmp_path, {**_valid(), "suite": suite})


# ---------------------------------------------------------------- outputs


def test_outputs_are_sealed_as_a_set_and_checked_on_read(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, {"a.json": "1\n", "b.md": "2\n"}, "run --shard 1/2")
    check_complete(out, ["a.json", "b.md"])
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["command"] == "run --shard 1/2" and set(manifest["files"]) == {"a.json", "b.md"}
    assert not list(out.glob(".*.partial"))
    (out / "b.md").write_text("stale from another run\n")
    with pytest.raises(SnapshotError, match=r"b\.md: differs from what its run wrote"):
        check_complete(out, ["a.json", "b.md"])


def test_an_interrupted_write_is_never_taken_as_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_set(out, {"a.json": "old\n"})
    # What a kill after the old manifest was removed leaves behind:
    (out / MANIFEST).unlink()
    (out / ".a.json.partial").write_text("new, half writ")
    with pytest.raises(SnapshotError, match="not known to be a complete set: the run that wrote them"):
        check_complete(out, ["a.json"])
    write_set(out, {"a.json": "new\n"})
    assert not list(out.glob(".*.partial"))
    check_complete(out, ["a.json"])


def test_a_write_that_fails_on_a_folder_in_its_way_says_so_and_cleans_up(tmp_path: Path) -> None:
    # Found in review: a folder named `.report.json.partial` made the cleanup of the failed
    # write raise in its place (IsADirectoryError, an internal error, exit 3).
    out = tmp_path / "out"
    (out / ".b.md.partial").mkdir(parents=True)
    (out / ".a.json.partial").write_text("left by a killed run")
    with pytest.raises(ConfigError) as raised:
        write_set(out, {"a.json": "1\n", "b.md": "2\n"})
    assert str(raised.value) == f"{out}: cannot write the outputs: {out / '.b.md.partial'}: Is a directory"
    assert raised.value.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == [".b.md.partial"]


def test_another_shards_outputs_are_not_overwritten(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert previous_outputs(out, "run --shard 1/2") is None
    write_set(out, {"reference.snapshot.json": "{}\n"}, "run --shard 2/2")
    with pytest.raises(ConfigError, match="holds the outputs of 'run --shard 2/2'"):
        previous_outputs(out, "run --shard 1/2")
    note = previous_outputs(out, "run")
    assert note is not None and "earlier 'run --shard 2/2'" in note


def test_outputs_a_run_replaces_are_withdrawn_before_it_starts(tmp_path: Path) -> None:
    # Found in review: a rerun that stopped before writing left the earlier set sealed,
    # and merge read it as current. Withdrawn, it is refused until a run completes there.
    out = tmp_path / "out"
    names = ["reference.snapshot.json", "finetuned.snapshot.json"]
    write_set(out, dict.fromkeys(names, "{}\n"), "run --shard 1/2")
    check_complete(out, names)
    withdraw_outputs(out, "run --shard 1/2")
    with pytest.raises(SnapshotError, match="were withdrawn when a later 'run --shard 1/2' started"):
        check_complete(out, names)
    assert sorted(p.name for p in out.iterdir()) == sorted([".safety-run.json", *names]), "files stay"
    note = previous_outputs(out, "run --shard 1/2")
    assert note is not None and "withdrawn by a later 'run --shard 1/2' that did not finish" in note
    with pytest.raises(ConfigError, match="holds the outputs of 'run --shard 1/2'"):
        previous_outputs(out, "run --shard 2/2")  # the withdrawn set still names its shard
    write_set(out, dict.fromkeys(names, "[]\n"), "run --shard 1/2")
    check_complete(out, names)  # a run that completes seals its own set
    withdraw_outputs(tmp_path / "nothing-here", "run")  # nothing to withdraw: no error


def test_output_paths_are_checked_before_anything_runs(tmp_path: Path) -> None:
    afile = write(tmp_path, "x", "afile")
    with pytest.raises(ConfigError, match="is a file, so nothing can be written under it"):
        check_out_dir(afile / "report")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        check_out_dir(afile)
    with pytest.raises(ConfigError, match="is a folder, not a file"):
        check_file_target(tmp_path, "GITHUB_OUTPUT")
    check_out_dir(tmp_path / "new" / "deeper")
    assert not (tmp_path / "new").exists()


def test_a_folder_that_refuses_files_is_refused_though_its_bits_allow_them(tmp_path: Path) -> None:
    """/proc passes ``os.access`` (as root, everything does) but makes no files: the check
    tries one. A usable folder is left as it was, no probe file behind."""
    assert Path("/proc/self").is_dir(), "these checks run on Linux"
    with pytest.raises(ConfigError, match=r"--out /proc/x: the folder /proc is not writable"):
        check_out_dir(Path("/proc/x"))
    with pytest.raises(ConfigError, match=r"--out /proc: the folder is not writable"):
        check_out_dir(Path("/proc"))
    with pytest.raises(ConfigError, match=r"GITHUB_OUTPUT /proc/version: the file is not writable"):
        check_file_target(Path("/proc/version"), "GITHUB_OUTPUT")
    check_out_dir(tmp_path)
    check_file_target(write(tmp_path, "kept", "afile"), "GITHUB_OUTPUT")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["afile"]
    assert (tmp_path / "afile").read_text() == "kept"


def test_default_config_is_used_when_nothing_is_given() -> None:
    assert Config().gate.alpha == 0.01


def test_a_bug_keeps_its_traceback_but_never_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_path: Path | None) -> Config:
        raise RuntimeError("a planted bug")

    monkeypatch.setattr(compare_command, "default_config", broken)
    with pytest.raises(SystemExit) as stopped:
        main(["compare", "a.json", "b.json"])
    assert stopped.value.code == ExitCode.INCONCLUSIVE
    err = capsys.readouterr().err
    assert "RuntimeError: a planted bug" in err and "internal error, a bug in safety-regression" in err


def test_a_deeply_nested_event_payload_is_a_github_error(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = write(
        tmp_path, '{"pull_request": {"number": 1, "head": {"sha": "a"}, "x": ' + deep + "}}", "event.json"
    )
    with pytest.raises(GitHubError, match="cannot read the event payload: nested deeper"):
        read_event({"GITHUB_EVENT_PATH": str(path), "GITHUB_REPOSITORY": "o/r"})


@pytest.mark.parametrize("url", ["api/v3", "/api", "http://", "ftp://h", "http://[::1", "http://u:p@h/"])
def test_an_unusable_api_url_is_explained_not_raised(url: str) -> None:
    problem = api_url_problem(url)
    assert problem is not None and "GITHUB_API_URL" in problem
    assert api_url_problem("https://ghe.example.com/api/v3") is None
