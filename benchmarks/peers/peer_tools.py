"""The peer tools for run_peers.py: where they are, how to install them, how to run the job.

Neither is a dependency of this project, nor installed by the benchmark. Install each from
its own registry into a folder outside the repository: by default ``../peers-tools`` beside
the checkout (``--tools DIR`` or ``PEERS_TOOLS`` name another), where the benchmark looks
first. ``--promptfoo PATH`` / ``--inspect PATH`` (or ``PEERS_PROMPTFOO`` / ``PEERS_INSPECT``)
name an executable directly; a tool on ``PATH`` is found last.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TOOLS = HERE.parents[2] / "peers-tools"
"""Beside the checkout, so never committed; any folder outside the repository will do."""


@dataclass(frozen=True)
class Peer:
    name: str
    option: str
    env: str
    executable: str
    """The command's name on PATH."""
    registry: str
    installed: str
    """Where the install command puts the executable, relative to the tools folder."""

    def install(self, folder: Path) -> str:
        """The exact command that installs this tool into ``folder``."""
        if self.name == "promptfoo":
            return f"mkdir -p {folder}/promptfoo && npm install --prefix {folder}/promptfoo promptfoo"
        venv = folder / "inspect-venv"
        return f"python3 -m venv {venv} && {venv}/bin/pip install inspect-ai openai"


PROMPTFOO = Peer(
    "promptfoo", "--promptfoo", "PEERS_PROMPTFOO", "promptfoo", "npm", "promptfoo/node_modules/.bin/promptfoo"
)
INSPECT = Peer("inspect_ai", "--inspect", "PEERS_INSPECT", "inspect", "PyPI", "inspect-venv/bin/inspect")
PEERS = (PROMPTFOO, INSPECT)


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def locate(peer: Peer, given: str | None, folder: Path) -> Path | None:
    """The tool's executable, or None: the path named by option or environment (only it, when
    named), else where the install command puts it in ``folder``, else PATH."""
    named = given or os.environ.get(peer.env)
    if named:
        path = Path(named).expanduser()
        return path if _runnable(path) else None
    if _runnable(folder / peer.installed):
        return folder / peer.installed
    found = shutil.which(peer.executable)
    return Path(found) if found else None


def missing_message(peer: Peer, given: str | None, folder: Path) -> str:
    """What to do when ``peer`` is not found: the exact install command."""
    named = given or os.environ.get(peer.env)
    if named:
        where = f"{named} (from {peer.option} or {peer.env}) is not an executable file"
    else:
        where = f"neither {folder / peer.installed} nor {peer.executable} on PATH exists"
    return (
        f"{peer.name}: {where}; skipping its row. Install it from {peer.registry}, "
        f"outside the repository, with:\n    {peer.install(folder)}"
    )


def version(peer: Peer, binary: Path) -> str:
    """The tool's version as it reports it, or "?" when it will not say."""
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    found = re.search(r"\d+\.\d+\.\d+\S*", done.stdout)
    return found.group(0) if done.returncode == 0 and found else "?"


def promptfoo_job(binary: Path, folder: Path, url: str, suite: Path, concurrency: int) -> list[str]:
    """A promptfoo config asking each prompt once of the loopback model, and the eval command."""
    tests = [{"vars": {"prompt": json.loads(line)["prompt"]}} for line in suite.read_text().splitlines()]
    config = {
        "description": "loopback benchmark",
        "prompts": ["{{prompt}}"],
        "providers": [
            {
                "id": "openai:chat:bench-finetune",
                "config": {"apiBaseUrl": url, "apiKey": "loopback", "max_tokens": 64},
            }
        ],
        "tests": tests,
    }
    path = folder / "promptfooconfig.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return [
        str(binary),
        "eval",
        "--config",
        str(path),
        "--max-concurrency",
        str(concurrency),
        "--no-cache",
        "--no-table",
        "--no-progress-bar",
        "--no-share",
        "--output",
        str(folder / f"promptfoo-{concurrency}.json"),
    ]


def promptfoo_env(folder: Path, url: str) -> dict[str, str]:
    return {
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": "loopback",
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_DISABLE_SHARING": "1",
        "PROMPTFOO_CACHE_ENABLED": "false",
        "PROMPTFOO_CONFIG_DIR": str(folder / "promptfoo-home"),
    }


def inspect_job(binary: Path, folder: Path, concurrency: int) -> list[str]:
    """inspect_task.py through inspect's OpenAI-compatible provider named "loopback".

    Run it in ``folder``: inspect takes the task file as a glob relative to the working
    directory (0.3.285 rejects an absolute path), so the task is copied there.
    """
    shutil.copy(HERE / "inspect_task.py", folder / "inspect_task.py")
    return [
        str(binary),
        "eval",
        "inspect_task.py",
        "--model",
        "openai-api/loopback/bench-finetune",
        "--max-connections",
        str(concurrency),
        "--max-tokens",
        "64",
        "--display",
        "none",
        "--log-dir",
        str(folder / f"inspect-logs-{concurrency}"),
    ]


def inspect_env(url: str, suite: Path) -> dict[str, str]:
    return {
        "LOOPBACK_BASE_URL": url,
        "LOOPBACK_API_KEY": "loopback",
        "BENCH_SUITE": str(suite),
    }
