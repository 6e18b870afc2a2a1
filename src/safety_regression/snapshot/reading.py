"""Reading a snapshot file: parsed, then checked for consistency, so that a hand edit or
a merge gone wrong is refused with the first field it contradicts, never gated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from operator import attrgetter
from pathlib import Path

from pydantic import ValidationError

from safety_regression.errors import SnapshotError
from safety_regression.snapshot.model import CaseResult, Snapshot, response_digest


def load_snapshot(path: Path) -> Snapshot:
    try:
        # Bytes: pydantic parses UTF-8 itself (and refuses invalid UTF-8), faster than from
        # a decoded str (about 8 ms of 45 for 10,000 results).
        data = path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such snapshot file") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise SnapshotError(f"{path}: cannot read snapshot: {exc}") from None
    return parse_snapshot(data, str(path))


def parse_snapshot(data: bytes, source: str) -> Snapshot:
    """A snapshot file's bytes (read from ``source``, named in errors) as a checked Snapshot."""
    try:
        snapshot = Snapshot.model_validate_json(data)
    except ValidationError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as undecodable:
            raise SnapshotError(f"{source}: cannot read snapshot: {undecodable}") from None
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        raise SnapshotError(f"{source}: not a valid snapshot: {where}: {error['msg']}") from None
    problem = first_inconsistency(snapshot)
    if problem is not None:
        raise SnapshotError(f"{source}: not a valid snapshot: {problem}; take it again or restore it")
    shared: set[str] | None = None
    for result in snapshot.results:
        # Results read from one file nearly always have the same names: compare the set
        # with the last shared one before ``sharing_field_names`` looks it up.
        own = result.__pydantic_fields_set__
        if shared is not None and own == shared:
            object.__setattr__(result, "__pydantic_fields_set__", shared)
        else:
            shared = result.sharing_field_names().__pydantic_fields_set__
    return snapshot


_HEX = frozenset("0123456789abcdef")
_HEX_DIGITS = re.compile("[0-9a-f]*")  # matches many digits at C speed; set() makes a str each


def _hex(value: str, length: int) -> bool:
    return len(value) == length and set(value) <= _HEX


def first_inconsistency(snapshot: Snapshot) -> str | None:
    """The first field that contradicts the rest of the snapshot, as ``field: problem``.

    A snapshot is a committed file that gates a release: a hand edit or a merge gone
    wrong must not pass for results. Response hashes must match the stored responses,
    case and suite hashes must look like this tool's, each (case, sample) appear once,
    and every labelled result name its judge.
    """
    if not snapshot.judge.strip():
        return "judge: empty; a snapshot names the judge that labelled it"
    if not _hex(snapshot.suite.hash, 16):
        return f"suite.hash: {snapshot.suite.hash!r} is not a suite hash (16 hex digits)"
    if _consistent(snapshot.results):
        return None
    # Something is wrong: find the first result that says what.
    seen: dict[tuple[str, int], int] = {}
    for index, result in enumerate(snapshot.results):
        where = f"results[{index}]"
        if result.key in seen:
            return (
                f"{where}: case {result.case_id!r} sample {result.sample} is also results[{seen[result.key]}]"
            )
        seen[result.key] = index
        if not _hex(result.case_hash, 16):
            return f"{where}.case_hash: {result.case_hash!r} is not a case hash (16 hex digits)"
        if result.label is not None and not (result.judge or "").strip():
            return f"{where}.judge: a labelled result names its judge"
        problem = _response_problem(result)
        if problem is not None:
            return f"{where}.{problem}"
    return None


def _all_hex(values: list[str], length: int) -> bool:
    return set(map(len, values)) <= {length} and _HEX_DIGITS.fullmatch("".join(values)) is not None


def _consistent(results: Sequence[CaseResult]) -> bool:
    """Whether ``first_inconsistency``'s per-result loop would find nothing, checked a field
    at a time over every result, mostly through C-level ``map``s and sets (a small part of
    the loop's time on a sound file)."""
    # Distinct case ids (one sample each, the default) are distinct (case, sample) keys.
    if len(set(map(_CASE_ID, results))) != len(results) and len(
        set(zip(map(_CASE_ID, results), map(_SAMPLE, results), strict=True))
    ) != len(results):
        return False
    if not _all_hex(list(map(_CASE_HASH, results)), 16):
        return False
    # Every result naming a judge (the usual file) is every labelled one naming one.
    judges = set(map(_JUDGE, results))
    if None in judges or not all(judge.strip() for judge in judges):
        judges = {r.judge for r in results if r.label is not None}
        if not all((judge or "").strip() for judge in judges):
            return False
    hashes = list(map(_RESPONSE_SHA256, results))
    if not _all_hex([h for h in hashes if h is not None], 64):
        return False
    # Replies often repeat ("I can't help with that."): each distinct (response, hash,
    # length) is checked once.
    digests: dict[str, tuple[str, int]] = {}
    texts = zip(map(_RESPONSE, results), hashes, map(_RESPONSE_CHARS, results), strict=True)
    for text, sha256, chars in set(texts):
        if text is None:
            continue
        found = digests.get(text)
        if found is None:
            found = digests[text] = response_digest(text)
        if (sha256 is not None and sha256 != found[0]) or (chars is not None and chars != found[1]):
            return False
    return True


_CASE_ID, _SAMPLE, _CASE_HASH = attrgetter("case_id"), attrgetter("sample"), attrgetter("case_hash")
_RESPONSE, _RESPONSE_SHA256 = attrgetter("response"), attrgetter("response_sha256")
_RESPONSE_CHARS, _JUDGE = attrgetter("response_chars"), attrgetter("judge")


def _response_problem(result: CaseResult) -> str | None:
    if result.response_sha256 is not None and not _hex(result.response_sha256, 64):
        return "response_sha256: not a SHA-256 (64 hex digits)"
    if result.response is None:
        return None
    digest, length = response_digest(result.response)
    if result.response_sha256 is not None and result.response_sha256 != digest:
        return "response_sha256: does not match the stored response"
    if result.response_chars is not None and result.response_chars != length:
        return f"response_chars: {result.response_chars}, but the stored response has {length}"
    return None
