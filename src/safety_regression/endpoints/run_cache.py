"""One response cache file per run identity, and whether a run may use what it holds.

The cache exists to resume an *interrupted* run. Each run identity (see
``pipeline.identity``) has its own file, ``run-<identity>.jsonl``, in the cache folder,
and a run that finishes leaves ``run-<identity>.complete`` beside it. A later run with
the same identity then starts afresh, so a model redeployed under the same URL and name
is asked again, unless the user opted in to replaying completed runs
(``cache.reuse: completed``). The decision and the fresh start happen under a lock on
the folder, so two runs sharing one cache never delete each other's half-written file
mid-read.

A run is complete once its outputs are written, not when its last answer arrives: the
``.complete`` marker is written by ``RunCompletion.mark``, which the command calls after
its reports (or snapshot) are in place. A run stopped between the two (a signal, a failed
write) leaves no report and no marker, so its rerun resumes and asks nothing again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from safety_regression.endpoints.cache import ResponseCache, locked
from safety_regression.errors import ConfigError


class CacheState(StrEnum):
    NEW = "new"
    """Nothing cached for this identity: every request is sent."""
    RESUMED = "resumed"
    """An interrupted run with this identity left answers: only the missing are asked."""
    RESTARTED = "restarted"
    """A completed run with this identity existed; its answers were discarded, not reused."""
    REUSED_COMPLETED = "reused_completed"
    """A completed run's answers are replayed (``cache.reuse: completed``)."""


@dataclass
class RunCache:
    cache: ResponseCache
    state: CacheState
    identity: str
    marker: Path

    def mark_complete(self, completed_at: str) -> None:
        """Record that the run finished: a later run with this identity starts afresh."""
        try:
            self.marker.write_text(
                json.dumps({"identity": self.identity, "completed_at": completed_at}) + "\n",
                encoding="utf-8",
            )
        except OSError as exc:
            raise ConfigError(
                f"cache.dir: cannot write {self.marker}: {exc.strerror or exc}; "
                "point cache.dir at a writable folder or set cache.enabled: false"
            ) from None


@dataclass(frozen=True)
class RunCompletion:
    """The caches of a run that asked everything, to be marked complete once its outputs
    are written (``mark``). Empty when the run did not finish (a guard or budget stopped
    it) or cached nothing: ``mark`` then does nothing and the run stays resumable."""

    caches: tuple[RunCache, ...] = ()
    completed_at: str = ""

    def mark(self) -> None:
        """Mark each cache complete: a later run with the same identity starts afresh."""
        for run_cache in self.caches:
            run_cache.mark_complete(self.completed_at)


def open_run_cache(folder: Path, identity: str, *, reuse_completed: bool) -> RunCache:
    """The cache of run ``identity`` in ``folder``, resumed, restarted or replayed."""
    name = f"run-{identity[:24]}"
    path, marker = folder / f"{name}.jsonl", folder / f"{name}.complete"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / ".lock").open("a", encoding="utf-8") as lock, locked(lock):
            completed = marker.exists()
            if completed and not reuse_completed:
                path.unlink(missing_ok=True)
                marker.unlink(missing_ok=True)
            cache = ResponseCache(path)
    except OSError as exc:
        raise ConfigError(
            f"cache.dir: cannot use response cache {folder}: {exc.strerror or exc}; "
            "point cache.dir at a writable folder or set cache.enabled: false"
        ) from None
    if completed:
        state = CacheState.REUSED_COMPLETED if reuse_completed else CacheState.RESTARTED
    else:
        state = CacheState.RESUMED if len(cache) else CacheState.NEW
    return RunCache(cache, state, identity, marker)
