"""The GitHub REST client against the GitHub stand-in, over real loopback HTTP.

The stand-in holds every request and answer to GitHub's OpenAPI description, the slice
vendored under tests/fixtures/github-rest/; the product never reads it.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from safety_regression.errors import GitHubError
from safety_regression.github.client import GitHubClient
from safety_regression.github.models import CheckConclusion, Permission, ReactionContent
from tests.integration.github_standin import GitHubStandIn, OpenApiSlice
from tests.shipped import GITHUB_REST_SLICE, require_fixture

SLICE_PATH = require_fixture(GITHUB_REST_SLICE)

TOKEN = "ghs_StandInToken0123456789abcdef"
REPO = "octo-org/octo-repo"
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
CHECK_RUNS = "/repos/{owner}/{repo}/check-runs"
PULL = "/repos/{owner}/{repo}/pulls/{pull_number}"


class RecordingSleep:
    """Stands in for asyncio.sleep: returns at once and remembers how long it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(scope="session")
def openapi_slice() -> OpenApiSlice:
    return OpenApiSlice.load(SLICE_PATH)


@pytest_asyncio.fixture(loop_scope="function")
async def standin(openapi_slice: OpenApiSlice) -> AsyncIterator[GitHubStandIn]:
    async with GitHubStandIn(openapi_slice, TOKEN, [REPO]) as server:
        yield server
        # Tests that provoke violations on purpose take them first.
        assert server.violations == []


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def client(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> GitHubClient:
    return GitHubClient(http_session, standin.url, TOKEN, REPO, sleep=sleep)


# Every method, against state the stand-in keeps.


async def test_list_issue_comments_reads_every_page_in_order(
    standin: GitHubStandIn, client: GitHubClient
) -> None:
    standin.seed_pull(7, SHA)
    seeded = [standin.seed_comment(7, f"comment {n}") for n in range(230)]
    standin.seed_comment(8, "on another issue")

    comments = await client.list_issue_comments(7)

    assert [c.id for c in comments] == [c["id"] for c in seeded]
    assert comments[0].body == "comment 0" and comments[0].user is not None
    assert comments[0].user.login == "octocat"
    pages = [r.query.get("page", "1") for r in standin.requests if r.route and r.route.endswith("/comments")]
    assert pages == ["1", "2", "3"]


async def test_list_issue_comments_of_a_quiet_pull_request_is_empty(
    standin: GitHubStandIn, client: GitHubClient
) -> None:
    standin.seed_pull(7, SHA)
    assert await client.list_issue_comments(7) == []


async def test_create_then_update_a_comment(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA)

    created = await client.create_issue_comment(7, "<!-- report -->\nfirst")
    updated = await client.update_issue_comment(created.id, "<!-- report -->\nsecond")

    assert created.user is not None and created.user.login == "github-actions[bot]"
    assert created.user.type == "Bot"
    assert updated.id == created.id and updated.body == "<!-- report -->\nsecond"
    assert [c["body"] for c in standin.comments(7)] == ["<!-- report -->\nsecond"]
    assert created.html_url.endswith(f"#issuecomment-{created.id}")


async def test_add_reaction_twice_keeps_one(standin: GitHubStandIn, client: GitHubClient) -> None:
    comment = standin.seed_comment(7, "/safety-regression rerun", author="maintainer")

    first = await client.add_reaction(comment["id"], "eyes")
    again = await client.add_reaction(comment["id"], ReactionContent.EYES)

    assert first.content is ReactionContent.EYES and again.id == first.id
    assert [r["content"] for r in standin.reactions(comment["id"])] == ["eyes"]


async def test_check_run_lifecycle(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA)

    started = await client.create_check_run(
        SHA, "safety-regression", status="in_progress", title="Measuring", summary="Running the suite"
    )
    finished = await client.update_check_run(
        started.id,
        status="completed",
        conclusion=CheckConclusion.FAILURE,
        title="Safety regression in self-harm",
        summary="## Report",
        text="details",
    )
    other = await client.create_check_run(
        SHA,
        "lint",
        status="completed",
        conclusion="success",
        title="ok",
        summary="ok",
        details_url="https://ci.example/run/1",
    )

    assert started.status == "in_progress" and started.conclusion is None
    assert finished.status == "completed" and finished.conclusion == "failure"
    assert finished.output.title == "Safety regression in self-harm" and finished.output.text == "details"
    assert other.details_url == "https://ci.example/run/1"
    assert [run.id for run in await client.list_check_runs(SHA)] == [started.id, other.id]
    assert [run.name for run in await client.list_check_runs(SHA, check_name="lint")] == ["lint"]
    assert await client.list_check_runs("0" * 40) == []
    assert standin.check_runs()[0]["pull_requests"][0]["number"] == 7


async def test_list_check_runs_accepts_a_branch_ref(standin: GitHubStandIn, client: GitHubClient) -> None:
    assert await client.list_check_runs("heads/feature/x") == []
    assert standin.requests[-1].path == f"/repos/{REPO}/commits/heads/feature/x/check-runs"


async def test_create_status(standin: GitHubStandIn, client: GitHubClient) -> None:
    status = await client.create_status(
        SHA, "pending", "safety-regression", "Measuring 120 cases", target_url="https://ci.example/run/1"
    )

    assert (status.state, status.context, status.target_url) == (
        "pending",
        "safety-regression",
        "https://ci.example/run/1",
    )
    assert standin.statuses()[0]["description"] == "Measuring 120 cases"


@pytest.mark.parametrize(
    ("role", "permission"),
    [("admin", "admin"), ("maintain", "write"), ("write", "write"), ("triage", "read"), ("none", "none")],
)
async def test_get_permission_reports_the_base_permission(
    standin: GitHubStandIn, client: GitHubClient, role: str, permission: str
) -> None:
    standin.set_permission("maintainer", role)
    assert await client.get_permission("maintainer") == Permission(permission)


async def test_get_permission_of_a_bot_login(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.set_permission("dependabot[bot]", "write")
    assert await client.get_permission("dependabot[bot]") == "write"


async def test_get_pull(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA, author="alice", head_ref="tune-v2")

    pull = await client.get_pull(7)

    assert (pull.number, pull.head.sha, pull.head.ref, pull.user.login) == (7, SHA, "tune-v2", "alice")


async def test_get_rate_limit(standin: GitHubStandIn, client: GitHubClient) -> None:
    limit = await client.get_rate_limit()
    assert limit.limit == 5000 and limit.remaining <= limit.limit


async def test_sends_the_headers_github_asks_for(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA)
    await client.get_pull(7)

    headers = standin.requests[-1].headers
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["User-Agent"].startswith("safety-regression-action/")


async def test_api_url_with_a_path_prefix_like_github_enterprise(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn
) -> None:
    client = GitHubClient(http_session, standin.url + "/", TOKEN, REPO)
    standin.seed_pull(7, SHA)
    assert (await client.get_pull(7)).number == 7


# Limits the caller must respect.


async def test_texts_over_githubs_limit_are_refused_before_sending(
    standin: GitHubStandIn, client: GitHubClient
) -> None:
    too_long = "x" * 65_536
    with pytest.raises(ValueError, match="65535"):
        await client.create_issue_comment(7, too_long)
    with pytest.raises(ValueError, match="summary"):
        await client.create_check_run(SHA, "gate", status="queued", title="t", summary=too_long)
    with pytest.raises(ValueError, match="text"):
        await client.update_check_run(1, summary="s", text=too_long)
    with pytest.raises(ValueError, match="140"):
        await client.create_status(SHA, "success", "gate", "d" * 141)
    assert standin.requests == []


async def test_check_run_states_are_checked_before_sending(
    standin: GitHubStandIn, client: GitHubClient
) -> None:
    with pytest.raises(ValueError, match="needs a conclusion"):
        await client.create_check_run(SHA, "gate", status="completed", title="t", summary="s")
    with pytest.raises(ValueError, match="'done' is not a valid CheckStatus"):
        await client.create_check_run(SHA, "gate", status="done", title="t", summary="s")
    with pytest.raises(ValueError, match="needs its summary"):
        await client.update_check_run(1, title="only a title")
    assert standin.requests == []


async def test_exactly_the_limit_is_accepted(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA)
    comment = await client.create_issue_comment(7, "x" * 65_535)
    assert comment.body is not None and len(comment.body) == 65_535


# Retries: bounded, and as long as GitHub asks.


async def test_retries_a_502_then_succeeds(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.seed_pull(7, SHA)
    standin.fail_next("GET", PULL, status=502, times=2)

    assert (await client.get_pull(7)).number == 7
    assert len(sleep.delays) == 2 and all(0 < delay <= 30 for delay in sleep.delays)
    assert [r.status for r in standin.requests] == [502, 502, 200]


async def test_gives_up_after_max_retries(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.fail_next("POST", CHECK_RUNS, status=503, times=10, message="Service Unavailable")

    with pytest.raises(
        GitHubError,
        match=r"kept failing POST /repos/octo-org/octo-repo/check-runs \(HTTP 503 after 5 attempts",
    ):
        await client.create_check_run(SHA, "gate", status="queued", title="t", summary="s")
    assert len(standin.requests) == 5 and len(sleep.delays) == 4


async def test_secondary_rate_limit_waits_what_github_asks(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.secondary_rate_limit_next("POST", CHECK_RUNS, retry_after=7)

    run = await client.create_check_run(SHA, "gate", status="queued", title="t", summary="s")

    assert sleep.delays == [7.0] and run.name == "gate"


async def test_a_long_retry_after_is_capped_by_backoff_max(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> None:
    client = GitHubClient(http_session, standin.url, TOKEN, REPO, sleep=sleep, backoff_max=12)
    standin.secondary_rate_limit_next("POST", CHECK_RUNS, retry_after=3600)

    await client.create_check_run(SHA, "gate", status="queued", title="t", summary="s")

    assert sleep.delays == [12.0]


async def test_exhausted_primary_rate_limit_waits_until_the_reset(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.seed_pull(7, SHA)
    standin.primary_rate_limit_next("GET", PULL, reset_in=12)

    await client.get_pull(7)

    assert len(sleep.delays) == 1 and 10 <= sleep.delays[0] <= 12


async def test_rate_limit_that_never_lifts_fails_with_advice(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.secondary_rate_limit_next("POST", CHECK_RUNS, retry_after=5, times=5)

    with pytest.raises(GitHubError, match=r"kept rate-limiting .*: re-run the job later"):
        await client.create_check_run(SHA, "gate", status="queued", title="t", summary="s")
    assert sleep.delays == [5.0] * 4


# Failures that are not retried: one line, the fix, never the token.


async def test_a_wrong_token_is_a_401_naming_the_permission(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> None:
    wrong = "ghs_WrongToken9876543210"
    client = GitHubClient(http_session, standin.url, wrong, REPO, sleep=sleep)

    with pytest.raises(GitHubError) as caught:
        await client.create_check_run(SHA, "gate", status="queued", title="t", summary="s")

    message = str(caught.value)
    assert message == (
        "GitHub refused the token (401) for POST /repos/octo-org/octo-repo/check-runs: "
        "check the github-token input and its permissions (checks: write)"
    )
    assert wrong not in message and TOKEN not in message and sleep.delays == []


async def test_a_403_names_the_missing_permission(
    standin: GitHubStandIn, client: GitHubClient, sleep: RecordingSleep
) -> None:
    standin.seed_pull(7, SHA)
    standin.fail_next(
        "POST",
        "/repos/{owner}/{repo}/issues/{issue_number}/comments",
        403,
        message="Resource not accessible by integration",
    )

    with pytest.raises(GitHubError) as caught:
        await client.create_issue_comment(7, "report")

    message = str(caught.value)
    assert message.startswith(
        "GitHub denied POST /repos/octo-org/octo-repo/issues/7/comments (403: Resource not"
    )
    assert "issues: write or pull-requests: write" in message and "\n" not in message
    assert TOKEN not in message and sleep.delays == []


async def test_a_missing_pull_request_is_a_404(client: GitHubClient) -> None:
    with pytest.raises(
        GitHubError, match=r"GitHub found nothing at GET /repos/octo-org/octo-repo/pulls/99 \(404\)"
    ):
        await client.get_pull(99)


async def test_an_unknown_repository_is_a_404(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn
) -> None:
    client = GitHubClient(http_session, standin.url, TOKEN, "octo-org/elsewhere")
    with pytest.raises(GitHubError, match="check the repository octo-org/elsewhere"):
        await client.list_issue_comments(1)


async def test_a_422_asks_for_a_bug_report(standin: GitHubStandIn, client: GitHubClient) -> None:
    standin.seed_pull(7, SHA)
    standin.fail_next(
        "PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", 422, message="Validation Failed"
    )
    comment = standin.seed_comment(7, "old")

    with pytest.raises(
        GitHubError, match=r"rejected PATCH .* as invalid \(422: Validation Failed\): please report"
    ):
        await client.update_issue_comment(comment["id"], "new")


async def test_an_unreachable_api_fails_after_retries(
    http_session: aiohttp.ClientSession, sleep: RecordingSleep
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GitHubClient(http_session, f"http://127.0.0.1:{port}", TOKEN, REPO, sleep=sleep, max_retries=1)

    with pytest.raises(GitHubError, match=r"could not reach GitHub for GET .* after 2 attempts") as caught:
        await client.get_pull(1)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("api_url", "token", "repository", "fix"),
    [
        ("ftp://example.com", TOKEN, REPO, "set GITHUB_API_URL"),
        ("https://x:secret@example.com", TOKEN, REPO, "without credentials"),
        ("https://api.github.com", " ", REPO, "github-token input"),
        ("https://api.github.com", TOKEN, "just-a-name", "check GITHUB_REPOSITORY"),
    ],
)
async def test_unusable_settings_are_refused_up_front(
    http_session: aiohttp.ClientSession, api_url: str, token: str, repository: str, fix: str
) -> None:
    with pytest.raises(GitHubError, match=fix) as caught:
        GitHubClient(http_session, api_url, token, repository)
    assert "secret" not in str(caught.value)


# The stand-in itself catches what GitHub would not accept or send.


async def test_standin_flags_a_check_run_without_head_sha(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn
) -> None:
    async with http_session.post(
        f"{standin.url}/repos/{REPO}/check-runs",
        json={"name": "gate"},
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"},
    ) as response:
        assert response.status == 500

    violations = standin.take_violations()
    assert len(violations) == 1 and "'head_sha' is a required property" in violations[0]


async def test_standin_flags_an_object_github_would_not_send(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> None:
    standin.seed_pull(7, SHA, overrides={"user": None})
    client = GitHubClient(http_session, standin.url, TOKEN, REPO, sleep=sleep, max_retries=0)

    with pytest.raises(GitHubError, match="HTTP 500"):
        await client.get_pull(7)

    violations = standin.take_violations()
    assert len(violations) == 1 and "-> 200: response user: None is not of type 'object'" in violations[0]


async def test_standin_checks_formats_in_what_it_sends(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> None:
    standin.seed_comment(7, "hello", overrides={"created_at": "yesterday"})
    client = GitHubClient(http_session, standin.url, TOKEN, REPO, sleep=sleep, max_retries=0)

    with pytest.raises(GitHubError, match="after 1 attempt:"):
        await client.list_issue_comments(7)

    violations = standin.take_violations()
    assert len(violations) == 1 and "0/created_at: 'yesterday' is not a 'date-time'" in violations[0]


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        (f"/repos/{REPO}/pulls/7", {"Accept": "text/html"}, "Accept 'text/html'"),
        (f"/repos/{REPO}/pulls/seven", {}, "path parameter pull_number='seven'"),
        (f"/repos/{REPO}/issues/7/comments?per_page=10&sort=created", {}, "query parameter 'sort'"),
        (f"/repos/{REPO}/pulls", {}, "no such operation"),
        (f"/repos/{REPO}/pulls/7", {"X-GitHub-Api-Version": "2020-01-01"}, "X-GitHub-Api-Version"),
    ],
)
async def test_standin_flags_requests_outside_the_description(
    http_session: aiohttp.ClientSession,
    standin: GitHubStandIn,
    path: str,
    headers: dict[str, str],
    expected: str,
) -> None:
    standin.seed_pull(7, SHA)
    headers = {"Authorization": f"token {TOKEN}", "Accept": "application/json", **headers}
    async with http_session.get(standin.url + path, headers=headers) as response:
        assert response.status == 500

    violations = standin.take_violations()
    assert len(violations) == 1 and expected in violations[0]


async def test_standin_answers_a_missing_token_like_github(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn
) -> None:
    async with http_session.get(
        f"{standin.url}/rate_limit", headers={"Accept": "application/json"}
    ) as response:
        assert response.status == 401
        assert (await response.json())["message"] == "Requires authentication"


async def test_what_is_sent_to_github_is_scrubbed_of_the_token_and_the_keys_in_any_spelling(
    http_session: aiohttp.ClientSession, standin: GitHubStandIn, sleep: RecordingSleep
) -> None:
    from safety_regression.redaction import all_forms

    key = "sk-sent-0a9b8c7d6e5f41"
    spelled = [key, ":".join(f"{b:02x}" for b in key.encode()), "".join(f"%{b:02X}" for b in key.encode())]
    client = GitHubClient(http_session, standin.url, TOKEN, REPO, sleep=sleep, secrets=all_forms([key]))
    client.protect(all_forms(["ghp_added_later_5f6e7d8c"]))
    standin.seed_pull(7, SHA)
    body = f"<!-- report -->\nquoted {' '.join(spelled)}, {TOKEN[:14]} and ghp_added_later_5f6e7d8c"
    comment = await client.create_issue_comment(7, body)
    run = await client.create_check_run(
        SHA, "gate", status="completed", conclusion="failure", title=f"t {key}", summary=body, text=body
    )
    assert comment.body == "<!-- report -->\nquoted *** *** ***, *** and ***"
    assert run.output.title == "t ***" and run.output.text == comment.body
    sent = "".join(str(request.body) for request in standin.requests)
    assert key[:12] not in sent and TOKEN[:12] not in sent and "ghp_added_l" not in sent
