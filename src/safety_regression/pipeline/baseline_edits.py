"""A committed baseline changed by a pull request: what changed, and whether labels were
edited by hand in a way the built-in judge contradicts.

The gate trusts a baseline's stored labels. A refresh re-runs the base model or re-judges
with a newer judge; a label that changed while its response and judge stayed the same was
edited. When that judge is the current built-in one (deterministic, offline), just those
responses are judged again: a label it does not give its response was not its label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safety_regression.config import ResponseStorage
from safety_regression.gate.result import GateResult
from safety_regression.judges.base import Judge
from safety_regression.pipeline.holds import Hold
from safety_regression.pipeline.rejudge import needs_judge, stored_case
from safety_regression.snapshot import Snapshot
from safety_regression.snapshot.changes import BaselineChanges, baseline_changes
from safety_regression.snapshot.reading import parse_snapshot

EDITED_BASELINE = "Inconclusive: the built-in judge does not confirm "
"""How the reason starts when hand-edited baseline labels make the gate inconclusive."""


@dataclass(frozen=True)
class BaselineEdit:
    """A baseline as this pull request changed it, checked against its base commit's version."""

    path: str
    changes: BaselineChanges
    checked: int
    """Changed or added results the current built-in judge read again."""
    contradicted: int
    """Of those, labels the built-in judge does not confirm: it gives the stored response
    another label, or the edit left nothing to read again."""
    moved_from: str | None = None
    """Where the base commit's baseline was, when this pull request moved it."""
    link_to: str | None = None
    """Where ``path`` leads, when it is a symbolic link."""
    unchecked: int = 0
    """Labels changed with the same response and judge that could not be read again (not
    the current built-in judge's): the verdict rests on them as they are."""
    in_pull_request: bool = True
    """The version compared is the pull request's (False: a ``workflow_run``'s checkout,
    which need not be the pull request's)."""

    @property
    def where(self) -> str:
        """The baseline's path, and where it leads when it is a symbolic link."""
        return self.path + (f" (a symbolic link to {self.link_to})" if self.link_to else "")

    @property
    def _by(self) -> str:
        return "this pull request" if self.in_pull_request else "the checked-out commit"

    def notice(self, allowed: bool = False) -> str:
        """One plain sentence for the reports; names counts and ids, never model text."""
        c = self.changes
        parts = [
            _count(len(keys), what)
            for keys, what in (
                (c.rerun, "case re-run (new responses)|cases re-run (new responses)"),
                (c.rejudged, "case re-judged by another judge|cases re-judged by another judge"),
                (c.relabelled, "label changed|labels changed"),
                (c.added, "case added|cases added"),
                (c.removed, "case removed|cases removed"),
            )
            if keys
        ]
        parts = [p + (" with the same response and judge" if "label" in p else "") for p in parts]
        if c.judge_changed:
            parts.append(f"judge {c.judge_before} -> {c.judge_after}")
        if self.checked and not self.contradicted:
            parts.append(
                f"the built-in judge, reading the stored responses again, confirms {_all(self.checked)}"
            )
        elif self.checked:
            parts.append(
                f"the built-in judge, reading the stored responses again, does not confirm "
                f"{self.contradicted} of the {self.checked} labels it checked"
            )
        if self.unchecked:
            parts.append(
                f"{_count(self.unchecked, 'changed label|changed labels')} could not be checked (not "
                "labelled by the current built-in judge): the verdict rests on them as they are"
            )
        what = ", ".join(parts) if parts else "no result changed"
        if self.moved_from is not None:
            changed = f"moves the committed baseline from {self.moved_from} to {self.where} and changes it"
        else:
            changed = f"changes the committed baseline {self.where}"
        version = "this pull request's" if self.in_pull_request else "the checked-out"
        text = f"{self._by.capitalize()} {changed}: {what}; the verdict is measured against {version} version"
        if self.contradicted and allowed:
            text += (
                " (allow-baseline-edits is set: the verdict stands on the labels the judge does not confirm)"
            )
        return text + "."

    def inconclusive_reason(self) -> str | None:
        if not self.contradicted:
            return None
        return (
            f"{EDITED_BASELINE}{_count(self.contradicted, 'label|labels')} "
            f"of the baseline {self.path} that {self._by} changed or added (it read their stored "
            "responses again, offline): the verdict would rest on labels no judge gave. Restore the "
            "base commit's baseline or take it again (safety-regression baseline), or set "
            "allow-baseline-edits: true if the edits are meant."
        )

    def hold(self, allowed: bool) -> Hold | None:
        """The inconclusive this edit imposes (a fail stays a fail), kept for re-gating."""
        reason = self.inconclusive_reason()
        return Hold(reason=reason, fail_stands=True) if reason is not None and not allowed else None


def _all(number: int) -> str:
    return "the 1 label it checked" if number == 1 else f"all {number} labels it checked"


def _count(number: int, forms: str) -> str:
    one, many = forms.split("|")
    return f"{number} {one if number == 1 else many}"


def previous_baseline(data: bytes, source: str) -> Snapshot:
    """The baseline file as read at the base commit; a ``SnapshotError`` if it is none."""
    return parse_snapshot(data, source)


async def baseline_edit(
    before: Snapshot,
    after: Snapshot,
    path: str,
    built_in: Callable[[str], Judge | None] | None = None,
    *,
    moved_from: str | None = None,
    link_to: str | None = None,
    in_pull_request: bool = True,
) -> BaselineEdit:
    """What changed from ``before`` to ``after``, and the changed labels read again where
    the built-in judge gave them (``built_in(id)`` gives that judge, or None).

    A label is the built-in judge's when its result names that judge, or names another
    while the snapshot names it (the gate reuses a baseline by the snapshot's judge).
    Only changed and added results are read: a refresh of the whole baseline reads all
    of them once (~0.3 ms each), an unchanged file none.
    """
    changes = baseline_changes(before, after)
    built_in = built_in or current_built_in_judge
    judges: dict[str, Judge | None] = {}

    def judge_of(judge_id: str) -> Judge | None:
        if judge_id not in judges:
            judges[judge_id] = built_in(judge_id)
        return judges[judge_id]

    checked = contradicted = unchecked = 0
    results = after.by_key()
    earlier = before.by_key()
    edited = set(changes.relabelled)
    keeps_text = after.responses is ResponseStorage.FULL
    for key in changes.labels_to_check():
        result = results[key]
        judge = judge_of(result.judge or "") or judge_of(after.judge)
        if judge is None:
            unchecked += key in edited
            continue
        if result.response is None or not needs_judge(result):
            # Nothing to read again. A label the base commit's version did not have (a
            # hand edit that also dropped the text, turned an answer into a block or an
            # error, or renamed the result's judge or hash so it reads as re-run or
            # re-judged; found in review) is unconfirmed. A baseline that keeps no text
            # at all (snapshot.responses: redacted) can confirm none: unchecked.
            was = earlier.get(key)
            relabelled = result.label is not None and (was is None or was.label != result.label)
            if key in edited or (relabelled and keeps_text):
                checked += 1
                contradicted += 1
            else:
                unchecked += relabelled
            continue
        checked += 1
        judgement = await judge.judge(stored_case(result), result.response)
        contradicted += judgement.label != result.label
    return BaselineEdit(path, changes, checked, contradicted, moved_from, link_to, unchecked, in_pull_request)


def current_built_in_judge(judge_id: str) -> Judge | None:
    """The built-in judge whose id is ``judge_id`` in this version, or None."""
    from safety_regression.judges.rules import RULES_JUDGE_ID, RULES_ONLY_ID, RulesJudge

    if judge_id == RULES_JUDGE_ID:
        return RulesJudge()
    if judge_id == RULES_ONLY_ID:
        return RulesJudge(learned=False)
    return None


def with_baseline_edit(result: GateResult, edit: BaselineEdit, allowed: bool) -> GateResult:
    """The result carrying the edit's notice first; inconclusive when the built-in judge
    contradicts hand-edited labels and the edits are not allowed (a fail stays a fail)."""
    result = result.model_copy(update={"notices": [edit.notice(allowed), *result.notices]})
    hold = edit.hold(allowed)
    return hold.apply(result) if hold is not None else result
