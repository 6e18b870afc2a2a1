"""A run's identity: what decides which answers it may take from the response cache.

Two runs share an identity when they ask the same endpoints (URL, model and the
optional ``revision``) the same questions (suite hash, shard) the same way (sampling,
judge and toxicity settings), for the same command. Gate, report, cache and snapshot
settings do not change what is asked, so they are left out: re-gating an interrupted
run with a different alpha still resumes it. API keys are never part of it.
"""

from __future__ import annotations

import hashlib
import json

from safety_regression.config import Config
from safety_regression.suites import Shard

_NOT_ASKED = {"suite", "gate", "report", "cache", "snapshot", "run", "baseline"}


def run_identity(config: Config, *, command: str, suite_hash: str, shard: Shard | None = None) -> str:
    """A hex digest naming the run; stable across processes and machines."""
    material = {
        "command": command,
        "suite_hash": suite_hash,
        "shard": str(shard) if shard is not None else None,
        "config": config.model_dump(mode="json", exclude=_NOT_ASKED),
    }
    text = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
