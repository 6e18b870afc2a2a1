"""Merging the snapshots of a sharded run back into one, refusing anything that does not fit."""

from __future__ import annotations

from collections.abc import Sequence

from safety_regression.errors import SnapshotError
from safety_regression.snapshot.model import Snapshot, SuiteInfo
from safety_regression.suites.model import Shard


def merge_snapshots(parts: Sequence[tuple[str, Snapshot]]) -> Snapshot:
    """One snapshot from the shard snapshots of one model, suite, judge and sampling.

    ``parts`` pairs each snapshot with where it came from, for the error messages. Every
    shard of the split must be there exactly once, so a merged snapshot is never
    silently partial.
    """
    if not parts:
        raise SnapshotError("merge: no snapshots given")
    first_source, first = parts[0]
    shards: dict[int, str] = {}
    count: int | None = None
    for source, snapshot in parts:
        _check_same(first_source, first, source, snapshot)
        if snapshot.suite.shard is None:
            raise SnapshotError(f"{source}: not a shard snapshot (run with --shard I/N to make one)")
        shard = Shard.parse(snapshot.suite.shard)
        if count is not None and shard.count != count:
            raise SnapshotError(
                f"{source}: shard {shard} belongs to a {shard.count}-way split, not {count}-way"
            )
        count = shard.count
        if shard.index in shards:
            raise SnapshotError(f"{source}: shard {shard} is also in {shards[shard.index]}")
        shards[shard.index] = source
    assert count is not None
    missing = sorted(set(range(1, count + 1)) - set(shards))
    if missing:
        raise SnapshotError(f"merge: shards {', '.join(f'{i}/{count}' for i in missing)} are missing")
    results = [result for _, snapshot in parts for result in snapshot.results]
    ordered = sorted(parts, key=lambda part: Shard.parse(part[1].suite.shard or "1/1").index)
    notices = [f"shard {s.suite.shard}: {notice}" for _, s in ordered for notice in s.notices]
    # An endpoint or revision a part does not record (its results came from a baseline
    # taken without one) is unknown, not different: only two known ones differ.
    endpoints = {s.model.endpoint for _, s in parts} - {None}
    revisions = {s.model.revision for _, s in parts}
    vouched = len(revisions) == 1 and None not in revisions
    model = first.model.model_copy(
        update={
            "endpoint": endpoints.pop() if len(endpoints) == 1 else None,
            "revision": revisions.pop() if len(revisions) == 1 else None,
        }
    )
    if len({s.model.endpoint for _, s in parts} - {None}) > 1 and not vouched:
        asked = "; ".join(
            f"shard {s.suite.shard} at {s.model.endpoint or 'an unknown endpoint'}" for _, s in ordered
        )
        notices.append(
            f"SHARDS ASKED AT DIFFERENT ENDPOINTS: {asked}. If they do not serve the same weights, "
            "this verdict mixes two models; set the endpoint's revision so that merge can tell."
        )
    return first.model_copy(
        update={
            "created_at": max(snapshot.created_at for _, snapshot in parts),
            "model": model,
            "suite": SuiteInfo(name=first.suite.name, hash=first.suite.hash, cases=first.suite.cases),
            "results": tuple(results),
            "notices": tuple(notices),
        }
    )


def _check_same(first_source: str, first: Snapshot, source: str, snapshot: Snapshot) -> None:
    checks = [
        ("suite", first.suite.hash, snapshot.suite.hash),
        ("model", first.model.model, snapshot.model.model),
        ("judge", first.judge, snapshot.judge),
        ("sampling", first.sampling, snapshot.sampling),
        ("response storage", first.responses, snapshot.responses),
    ]
    if None not in (first.model.revision, snapshot.model.revision):
        checks.append(("revision", first.model.revision, snapshot.model.revision))
    for what, expected, found in checks:
        if expected != found:
            raise SnapshotError(
                f"{source}: {what} {found} differs from {first_source} ({expected}); cannot merge"
            )
