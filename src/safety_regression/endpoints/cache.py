"""A response cache that makes an interrupted run resumable.

Each response is appended to a JSONL file the moment it arrives, through one descriptor
kept open for the run, so a run killed halfway loses at most the line being written.
Only usable outcomes (answered and blocked) are stored: an error is asked again on the
next run. A model's reply is stored as it is judged: cut to
``sampling.max_response_chars``, its original length recorded. Reads and appends hold
an exclusive lock on the file (POSIX ``flock``), so two runs sharing one cache never
interleave or cut each other's lines. Which run's
file is used, and whether a completed run's answers may be replayed, is ``run_cache``'s
business.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from safety_regression.endpoints.base import ChatOutcome, ChatRequest, Endpoint, EndpointWrapper, OutcomeKind
from safety_regression.endpoints.scrubbing import scrubbed_outcome
from safety_regression.errors import ConfigError
from safety_regression.jsontext import parse_json

CACHEABLE = frozenset({OutcomeKind.ANSWERED, OutcomeKind.BLOCKED})

_flock: Callable[[int, int], None] | None
try:
    import fcntl

    _flock, _LOCK_EX, _LOCK_UN = fcntl.flock, fcntl.LOCK_EX, fcntl.LOCK_UN
except ImportError:  # pragma: no cover - Windows has no flock
    _flock, _LOCK_EX, _LOCK_UN = None, 0, 0


class _CacheLine(BaseModel):
    key: str
    outcome: ChatOutcome | None
    """None: the key's earlier reply is withdrawn (``ResponseCache.forget``)."""


class ResponseCache:
    """Append-only JSONL of ``{"key": ..., "outcome": {...}}``; the last line for a key wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, ChatOutcome] = {}
        self.skipped_lines = 0
        """Lines that could not be read (a write cut short by an interrupted run)."""
        self._fd: int | None = None
        """Opened on the first write and kept for the run: one append per response."""
        try:
            self._load()
        except OSError as exc:
            raise ConfigError(
                f"cache.dir: cannot use response cache {path}: {exc.strerror or exc}; "
                "point cache.dir at a writable folder or set cache.enabled: false"
            ) from None

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> ChatOutcome | None:
        return self._entries.get(key)

    def put(self, key: str, outcome: ChatOutcome, *, remember: bool = True) -> None:
        """Store a usable outcome on disk at once; errors are ignored so they are retried.

        With ``remember=False`` it is written but not kept in memory: a model's answers are
        held once, in the run's results, and only a later run reads them back."""
        if outcome.kind not in CACHEABLE:
            return
        # The key is hex: the line needs no encoder beyond the outcome's own (no wrapper model).
        self._append(f'{{"key":"{key}","outcome":{outcome.model_dump_json()}}}\n'.encode())
        if remember:
            self._entries[key] = outcome

    def _append(self, line: bytes) -> None:
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            # One unbuffered write per line, under the lock: it reaches the file at once,
            # and another run sharing the cache never interleaves with it. (``locked``'s
            # calls, inline: this runs once per response.)
            if _flock is not None:
                _flock(self._fd, _LOCK_EX)
            try:
                written = os.write(self._fd, line)
                while written < len(line):
                    written += os.write(self._fd, line[written:])
            finally:
                if _flock is not None:
                    _flock(self._fd, _LOCK_UN)
        except OSError as exc:
            raise ConfigError(
                f"cache.dir: cannot write response cache {self.path}: {exc.strerror or exc}; "
                "point cache.dir at a writable folder or set cache.enabled: false"
            ) from None

    def forget(self, key: str) -> None:
        """Withdraw ``key``'s reply: a line saying so is appended (the last line for a key
        wins), so neither this run nor a later one answers ``key`` from the cache."""
        self._entries.pop(key, None)
        self._append(f'{{"key":"{key}","outcome":null}}\n'.encode())

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    def _load(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            return
        with self.path.open("r+b") as file, locked(file):
            data = file.read()
            complete, _, tail = data.rpartition(b"\n")
            for raw in complete.split(b"\n") if complete else ():
                self._read_line(raw)
            if tail.strip():
                if self._read_line(tail):
                    # A whole entry that lost only its newline: finish the line before appending.
                    file.seek(0, 2)
                    file.write(b"\n")
                else:
                    # A write cut short: drop it, or the next append would glue onto it.
                    file.truncate(len(data) - len(tail))

    def _read_line(self, raw: bytes) -> bool:
        if not raw.strip():
            return True
        try:
            entry = _CacheLine.model_validate(parse_json(raw))
        except (UnicodeDecodeError, ValueError, ValidationError):
            self.skipped_lines += 1
            return False
        if entry.outcome is None:
            self._entries.pop(entry.key, None)
        else:
            self._entries[entry.key] = entry.outcome
        return True


@contextmanager
def locked(file: IO[Any] | int) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``file`` (or a descriptor); a no-op where
    ``flock`` is missing."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows has no flock
        yield
        return
    fd = file if isinstance(file, int) else file.fileno()
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


class CachedEndpoint(EndpointWrapper):
    """An endpoint that answers from the cache when it can and records what it asks.

    With ``max_chars``, a reply is cut to it (``ChatOutcome.capped``) before it is cached
    and returned, so the cache holds what is judged, not a runaway reply's full text.
    With ``remember=False`` new answers go to the file only (see ``ResponseCache.put``):
    right for a model, whose requests in one run are all different; a judge keeps them,
    since two models often give it the same text to label. With ``secrets`` (forms,
    ``redaction.all_forms``), a reply read from the cache is scrubbed of them: one an
    older version cached before replies were scrubbed on arrival (``ScrubbedEndpoint``)."""

    def __init__(
        self,
        endpoint: Endpoint,
        cache: ResponseCache,
        max_chars: int | None = None,
        *,
        remember: bool = True,
        secrets: Sequence[str] = (),
    ) -> None:
        super().__init__(endpoint)
        self._cache = cache
        self._secrets = secrets
        self._max_chars = max_chars
        self._remember = remember
        self.hits = 0
        """Requests answered from the cache ("resumed N cached responses")."""
        self.misses = 0
        """Requests sent to the endpoint."""

    async def complete(self, request: ChatRequest) -> ChatOutcome:
        key = request.cache_key(self.identity, self.model)
        cached = self._cache.get(key)
        if cached is not None:
            self.hits += 1
            if self._secrets:
                cached = scrubbed_outcome(cached, self._secrets)
            return cached.capped(self._max_chars)
        self.misses += 1
        outcome = (await self._endpoint.complete(request)).capped(self._max_chars)
        self._cache.put(key, outcome, remember=self._remember)
        return outcome

    def forget(self, request: ChatRequest) -> None:
        """Withdraw the cached reply to ``request`` (``ResponseCache.forget``)."""
        self._cache.forget(request.cache_key(self.identity, self.model))
        super().forget(request)
