"""Settings that are each in range but make a gate no run could meet, and endpoint urls
that could never be asked: the CLI as a process refuses each with one line naming the
file, line and field, exit 2, no traceback, and never repeats a url's password."""

from __future__ import annotations

from pathlib import Path

import pytest

from .cli_support import cli

PASSWORD = "hunter2-s3cret"
FINETUNED = "finetuned:\n  url: {url}\n  model: tuned\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "gate:\n  alpha: 1.0e-9\n",
            "gate.yml:3: gate.alpha: 1e-09 is below 1e-06: at so small a level no category could ever "
            "be shown to pass or to regress",
        ),
        (
            "gate:\n  margin: 0.6\n  background_discordance: 0.25\n",
            "gate.yml:3: gate.margin: 0.6 plus twice gate.background_discordance (0.25) is 1.1, more "
            "than every prompt",
        ),
        (
            FINETUNED.format(url=f"http://bob:{PASSWORD}@127.0.0.1:9/v1") + "  api_key_env: FT_KEY\n",
            "gate.yml:3: finetuned.url: carries credentials (user:password@) and finetuned.api_key_env "
            "names a key too",
        ),
        (
            "judge:\n  kind: llm\n  endpoint:\n    url: http://:9/v1\n    model: j\n",
            "gate.yml:5: judge.endpoint.url: has no host",
        ),
        (
            FINETUNED.format(url="http://127.0.0.1:70000/v1"),
            "gate.yml:3: finetuned.url: has a port that is not a number from 1 to 65535",
        ),
        (
            FINETUNED.format(url=f"http://bob:{PASSWORD}@127.0.0.1:x{PASSWORD}/v1"),
            "gate.yml:3: finetuned.url: has a port that is not a number from 1 to 65535",
        ),
        (
            FINETUNED.format(url="http://127.0.0.1:9/v1") + "  price: {prompt: .inf, completion: 1}\n",
            "gate.yml:5: finetuned.price.prompt: Input should be a finite number",
        ),
        (
            "base:\n  url: http://127.0.0.1:9/v1\n  model: b\n  price: {prompt: 1, completion: .nan}\n",
            "gate.yml:5: base.price.completion: Input should be a finite number",
        ),
        (
            "judge:\n  kind: llm\n  endpoint:\n    url: http://127.0.0.1:9/v1\n    model: j\n"
            "    price: {prompt: .inf}\n",
            "gate.yml:7: judge.endpoint.price.prompt: Input should be a finite number",
        ),
    ],
)
def test_an_impossible_gate_or_unusable_endpoint_is_one_line_and_exit_2(
    tmp_path: Path, body: str, expected: str
) -> None:
    config = tmp_path / "gate.yml"
    config.write_text("suite: [builtin:quick]\n" + body, encoding="utf-8")
    for command in (("run", "--dry-run"), ("run", "--out", tmp_path / "out")):
        done = cli(*command, "--config", config, cwd=tmp_path, env={"FT_KEY": "k"})
        assert done.code == 2, done.stderr
        assert "Traceback" not in done.stderr
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"error: {config}:".rsplit("gate.yml:", 1)[0]), line
        assert expected in line, line
        assert PASSWORD not in done.stderr + done.stdout
    assert not (tmp_path / "out").exists()
