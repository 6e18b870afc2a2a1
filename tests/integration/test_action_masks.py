"""The Action masks every API key the config names in each spelling worth masking
(``redaction.masked_forms``), through ``::add-mask::`` only: the runner then hides a key a
server or a model wrote hex-encoded, percent-encoded, as escapes or cut short."""

from __future__ import annotations

import io
from pathlib import Path

from safety_regression.config import load_config
from safety_regression.github.gating import mask_api_keys
from safety_regression.github.workflow import Workflow

from .cli_support import write_config, write_suite

KEY = "sk-masked-93c1d07be5a4f2"


def test_every_spelling_of_a_key_is_masked_and_printed_nowhere_else(tmp_path: Path) -> None:
    write_suite(tmp_path / "suite.jsonl", {"privacy": 2})
    config = write_config(tmp_path / "gate.yml", "http://127.0.0.1:9/v1", "tuned")
    config.write_text(config.read_text().replace("timeout: 10}", "timeout: 10, api_key_env: SR_KEY}"))
    out = io.StringIO()
    mask_api_keys(load_config(config), {"SR_KEY": KEY}, Workflow(out, {}))
    lines = out.getvalue().splitlines()
    assert all(line.startswith("::add-mask::") for line in lines), "nothing but masks"
    masked = {line.removeprefix("::add-mask::").replace("%25", "%") for line in lines}
    raw = KEY.encode()
    for form in (
        KEY,
        ":".join(f"{byte:02x}" for byte in raw),
        "-".join(f"{byte:02X}" for byte in raw),
        "".join(f"%{byte:02X}" for byte in raw),
        "".join(f"&#{byte};" for byte in raw),
        "".join(f"&#x{byte:02x};" for byte in raw),
        "".join(f"\\u{byte:04x}" for byte in raw),
        KEY[:12],
        KEY[:-1],
    ):
        assert form in masked, form
    assert len(lines) == len(masked), "each form once"
