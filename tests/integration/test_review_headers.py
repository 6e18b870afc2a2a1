"""Review commands on a pull request gated twice (two ``header`` inputs), end to end.

Two gates share the pull request, each with its own suite, report comment, check and
artifact; the review workflow has one step per header, and every comment reaches both.
A command about a case one gate does not know is that gate's to leave alone: the gate
that knows the case applies it, the other stays silent. ``/safety-review:HEADER``
addresses one gate. A case no gate knows gets one reply, from the gate whose report
comment came first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from safety_regression.endpoints.simulator import ModelProfile
from safety_regression.report.comment import comment_marker
from safety_regression.snapshot import load_snapshot

from .action_support import Step, github_standin, run_entrypoint, runner_environment, step_config
from .cli_support import ThreadedSimulator, write_suite
from .github_standin.artifacts import zip_folder
from .test_review import PULL, REPOSITORY, SLICE, TOKEN, Servers

HEAD = "9" * 40
GATES = ("privacy", "medical")
PROFILES = {
    "base": ModelProfile(default_refusal=1.0),
    "slipped": ModelProfile(default_refusal=1.0, refusal={"privacy": 0.75, "medical": 0.75}),
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("review-headers")
    cases = write_suite(folder / "privacy.jsonl", {"privacy": 30})
    cases += write_suite(folder / "medical.jsonl", {"medical": 30}, benign=0)
    simulator = ThreadedSimulator(PROFILES, cases)
    try:
        with github_standin(SLICE, TOKEN, REPOSITORY) as (github, background):
            github.set_permission("maintainer", "write")
            github.seed_pull(PULL, HEAD, repository=REPOSITORY)
            yield Servers(github, simulator, background, folder)
            assert github.violations == []
    finally:
        simulator.stop()


def environment(
    servers: Servers, folder: Path, event: str, payload: dict[str, Any], header: str
) -> dict[str, str]:
    environ = runner_environment(
        folder,
        api_url=servers.github.url,
        repository=REPOSITORY,
        token=TOKEN,
        event_name=event,
        payload=payload,
        run_id="321",
    )
    return environ | {
        "INPUT_CONFIG": ".safety/gate.yml",
        "INPUT_HEADER": header,
        "INPUT_ARTIFACT": f"safety-report-{header}",
    }


def gate(servers: Servers, header: str) -> Step:
    """The header's gate job on its own suite; its output folder becomes its artifact."""
    folder = servers.folder / f"gate-{header}"
    folder.mkdir()
    extra = "cache: {enabled: false}\ngate: {alpha: 0.05, unproven: pass}\n"
    config = step_config(folder, servers.folder / f"{header}.jsonl", servers.simulator.url, "slipped", extra)
    payload = {"pull_request": {"number": PULL, "head": {"sha": HEAD}}}
    environ = environment(servers, folder, "pull_request", payload, header)
    environ |= {"INPUT_CONFIG": str(config), "INPUT_OUT": str(folder / "out")}
    step = run_entrypoint(folder, environ)
    archive = zip_folder(folder / "out")
    servers.github.seed_artifact(f"safety-report-{header}", HEAD, archive, run_id=len(header))
    return step


def review(servers: Servers, name: str, body: str) -> tuple[dict[str, Step], dict[str, Any]]:
    """One comment, and the review workflow's two steps (one per header) that it triggers."""
    comment = servers.github.seed_comment(PULL, body, author="maintainer", repository=REPOSITORY)
    issue = {
        "number": PULL,
        "pull_request": {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{PULL}"},
    }
    payload = {"action": "created", "comment": comment, "issue": issue}
    steps = {}
    for header in GATES:
        folder = servers.folder / f"{name}-{header}"
        folder.mkdir()
        steps[header] = run_entrypoint(folder, environment(servers, folder, "issue_comment", payload, header))
    return steps, comment


def report(servers: Servers, header: str) -> str:
    (found,) = [
        c for c in servers.github.comments(PULL) if c["body"].split("\n", 1)[0] == comment_marker(header)
    ]
    return str(found["body"])


def replies(servers: Servers) -> list[str]:
    return [c["body"] for c in servers.github.comments(PULL) if c["body"].startswith("@maintainer")]


def reactions(servers: Servers, comment: dict[str, Any]) -> list[str]:
    return [r["content"] for r in servers.github.reactions(comment["id"])]


def review_output(step: Step) -> str:
    return step.outputs.split("\n")[1] if step.outputs.startswith("review<<") else ""


@pytest.fixture(scope="module")
def lost(servers: Servers) -> dict[str, list[str]]:
    """Both gates run, the privacy gate first; each fine-tune lost refusals in its category."""
    found = {}
    for header in GATES:
        step = gate(servers, header)
        assert step.code in (0, 1), step.stdout + step.stderr
        out = servers.folder / f"gate-{header}" / "out"
        base = {r.case_id: r.label for r in load_snapshot(out / "reference.snapshot.json").results}
        tuned = load_snapshot(out / "finetuned.snapshot.json").results
        found[header] = sorted(
            r.case_id for r in tuned if base[r.case_id] == "refusal" and r.label != "refusal"
        )
        assert found[header], header
    return found


def test_a_command_about_one_gates_case_is_applied_by_it_and_the_other_stays_silent(
    servers: Servers, lost: dict[str, list[str]]
) -> None:
    medical_before, known_replies = report(servers, "medical"), len(replies(servers))
    case = lost["privacy"][0]
    steps, comment = review(servers, "accept-privacy", f'/safety-review accept {case} "intended"')
    assert all(step.code == 0 for step in steps.values()), {h: s.stdout for h, s in steps.items()}
    assert len(replies(servers)) == known_replies, replies(servers)[-1]
    assert reactions(servers, comment) == ["eyes", "rocket"]
    assert review_output(steps["medical"]) == "ignored"
    assert "left to the pull request's other gates" in steps["medical"].stdout
    assert "1 review decision applied" in report(servers, "privacy")
    assert report(servers, "medical") == medical_before


def test_one_comment_with_a_line_for_each_gate_applies_each_line_in_its_gate(
    servers: Servers, lost: dict[str, list[str]]
) -> None:
    known_replies = len(replies(servers))
    body = (
        f'/safety-review accept {lost["privacy"][1]} "intended"\n'
        f'/safety-review relabel {lost["medical"][0]} refusal "a soft refusal"'
    )
    steps, comment = review(servers, "one-each", body)
    assert all(step.code == 0 for step in steps.values()), {h: s.stdout for h, s in steps.items()}
    assert len(replies(servers)) == known_replies and reactions(servers, comment) == ["eyes", "rocket"]
    assert "2 review decisions applied" in report(servers, "privacy")
    assert "1 review decision applied" in report(servers, "medical")
    assert "line(s) 2 of the comment" in steps["privacy"].stdout
    assert "line(s) 1 of the comment" in steps["medical"].stdout


def test_a_command_addressed_to_one_header_is_left_alone_by_the_other(
    servers: Servers, lost: dict[str, list[str]]
) -> None:
    privacy_before = report(servers, "privacy")
    checks = len(servers.github.check_runs())
    steps, _ = review(servers, "addressed", f'/safety-review:medical accept {lost["medical"][1]} "intended"')
    assert review_output(steps["privacy"]) == "ignored"
    assert "the comment's commands address another gate, not the gate `privacy`" in steps["privacy"].stdout
    assert "2 review decisions applied" in report(servers, "medical")
    assert report(servers, "privacy") == privacy_before
    assert {run["name"] for run in servers.github.check_runs()[checks:]} == {"safety-regression (medical)"}
    # Addressed, a case the gate does not know gets its reply, whatever the other gates know.
    steps, comment = review(servers, "addressed-wrong", f"/safety-review:medical reset {lost['privacy'][0]}")
    assert reactions(servers, comment) == ["eyes", "confused"]
    (reply,) = [r for r in replies(servers) if f"no decision on case `{lost['privacy'][0]}`" in r]
    assert "from the gate `medical`" in reply


def test_a_case_no_gate_knows_gets_one_reply_from_the_first_gate(
    servers: Servers, lost: dict[str, list[str]]
) -> None:
    known_replies = len(replies(servers))
    steps, comment = review(servers, "nobodys", '/safety-review accept dental.h07 "typo"')
    assert all(step.code == 0 for step in steps.values())
    (reply,) = replies(servers)[known_replies:]
    assert "unknown case id `dental.h07`" in reply and "from the gate `privacy`" in reply
    assert "other gates: `medical`" in reply and "/safety-review:HEADER" in reply
    assert reactions(servers, comment) == ["eyes", "confused"]
    assert review_output(steps["medical"]) == "ignored"
    # A malformed line every gate reads: one reply too.
    review(servers, "malformed", "/safety-review frobnicate")
    (reply,) = replies(servers)[known_replies + 1 :]
    assert "unknown command `frobnicate`" in reply and "from the gate `privacy`" in reply


def test_a_reset_is_carried_out_by_the_gate_holding_the_decision(
    servers: Servers, lost: dict[str, list[str]]
) -> None:
    known_replies = len(replies(servers))
    medical_before = report(servers, "medical")
    steps, comment = review(servers, "reset", f"/safety-review reset {lost['privacy'][0]}")
    assert len(replies(servers)) == known_replies and reactions(servers, comment) == ["eyes", "rocket"]
    assert "1 review decision applied" in report(servers, "privacy")
    assert report(servers, "medical") == medical_before
    assert review_output(steps["medical"]) == "ignored"
