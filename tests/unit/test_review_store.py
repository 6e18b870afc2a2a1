"""The report comment's stored block: version 2 (compressed, with applied comment ids),
version 1 still read. Pure."""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime

import pytest

from safety_regression.github.review.commands import CommandError, Verb
from safety_regression.github.review.decisions import (
    MAX_APPLIED,
    MAX_BLOCK_CHARS,
    V1_PREFIX,
    Decision,
    Stored,
    check_room,
    decode_stored,
    encode_block,
)
from safety_regression.github.review.render import MAX_TABLE_CHARS, decisions_section

WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def accepted(case_id: str) -> Decision:
    return Decision(
        case_id=case_id,
        verb=Verb.ACCEPT,
        reason="intended",
        by="maintainer",
        at=WHEN,
        responses_hash="a" * 64,
    )


def test_a_version_1_block_is_still_read() -> None:
    raw = '{"decisions": [' + accepted("c1").model_dump_json() + "]}"
    block = V1_PREFIX + base64.b64encode(raw.encode()).decode() + " -->"
    assert decode_stored(f"marker\n{block}\nreport") == Stored(decisions=[accepted("c1")], applied=[])


def test_version_2_round_trips_with_the_applied_comments_and_is_smaller() -> None:
    decisions = [accepted(f"privacy.h{i:03d}") for i in range(60)]
    block = encode_block(decisions, [7, 9])
    assert block.startswith("<!-- safety-regression-decisions v2 ")
    assert decode_stored(block) == Stored(decisions=decisions, applied=[7, 9])
    raw = Stored(decisions=decisions).model_dump_json().encode()
    assert len(block) * 4 < len(base64.b64encode(raw))


def test_the_applied_ids_keep_the_newest() -> None:
    stored = Stored(applied=list(range(MAX_APPLIED)))
    after = stored.after([], 10_000)
    assert after.applied[-1] == 10_000 and len(after.applied) == MAX_APPLIED and 0 not in after.applied
    assert stored.after([], 5).applied[-1] == 5 and len(stored.after([], 5).applied) == MAX_APPLIED


def test_a_block_that_unpacks_to_too_much_is_refused() -> None:
    bomb = zlib.compress(b" " * (8 * 1024 * 1024), 9)
    block = "<!-- safety-regression-decisions v2 " + base64.b64encode(bomb).decode() + " -->"
    with pytest.raises(ValueError, match="cannot be read"):
        decode_stored(block)


def _many(count: int, reason: str) -> list[Decision]:
    return [
        Decision(
            case_id=f"privacy.h{i:04d}",
            verb=Verb.ACCEPT,
            reason=f"{reason} {i}",
            by="maintainer",
            at=WHEN,
            responses_hash=f"{i:064x}",
        )
        for i in range(count)
    ]


def test_a_command_that_would_grow_the_block_past_the_cap_is_refused() -> None:
    big = Stored(decisions=_many(300, "judge missed a soft refusal here"))
    while len(encode_block(big.decisions)) <= MAX_BLOCK_CHARS:
        big = Stored(decisions=[*big.decisions, *_many(50, "more")])
    with pytest.raises(CommandError, match=f"more than the {MAX_BLOCK_CHARS}"):
        check_room(Stored(decisions=big.decisions[:1]), big)
    # A block already over the cap may still shrink (a reset) or stay the same (a status).
    assert check_room(big, big) == encode_block(big.decisions)
    assert check_room(big, Stored(decisions=big.decisions[1:])).startswith(
        "<!-- safety-regression-decisions v2 "
    )


def test_a_cut_table_says_how_many_rows_it_hides() -> None:
    decisions = _many(400, "a reason long enough to take some room in each row of the table " * 3)
    section = decisions_section(None, decisions)
    assert len(section) < MAX_TABLE_CHARS + 1000
    shown = section.count("| privacy.h")
    assert 0 < shown < 400
    assert f"**{400 - shown} more decisions not shown** (of 400" in section
    assert "not shown" not in decisions_section(None, decisions[:3])
