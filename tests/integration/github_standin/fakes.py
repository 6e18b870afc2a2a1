"""Complete fake GitHub objects, as GitHub sends them: the response schemas require nearly every field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from .openapi import API, DOCS, JSON, WEB

# ----------------------------------------------------------------- fake GitHub objects


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, number: int) -> str:
    return f"{kind}_kwDO{number:08X}"


def fake_user(login: str, user_id: int) -> JSON:
    kind = "Bot" if login.endswith("[bot]") else "Organization" if login == "github" else "User"
    url = f"{API}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id("U", user_id),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{login}",
        "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
        "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos",
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def fake_actions_app() -> JSON:
    """The GitHub Actions app, which owns every check run a workflow token creates."""
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "client_id": "Iv1.05c79e9ad1f6bdfa",
        "owner": fake_user("github", 9919),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{WEB}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"checks": "write", "contents": "write", "issues": "write", "metadata": "read"},
        "events": ["check_run", "check_suite", "pull_request", "push"],
    }


def fake_repository(owner: JSON, name: str, repo_id: int) -> JSON:
    full = f"{owner['login']}/{name}"
    url = f"{API}/repos/{full}"
    templated = {
        "archive_url": "{archive_format}{/ref}",
        "assignees_url": "{/user}",
        "blobs_url": "{/sha}",
        "branches_url": "{/branch}",
        "collaborators_url": "{/collaborator}",
        "comments_url": "{/number}",
        "commits_url": "{/sha}",
        "compare_url": "{base}...{head}",
        "contents_url": "{+path}",
        "git_commits_url": "{/sha}",
        "git_refs_url": "{/sha}",
        "git_tags_url": "{/sha}",
        "issue_comment_url": "{/number}",
        "issue_events_url": "{/number}",
        "issues_url": "{/number}",
        "keys_url": "{/key_id}",
        "labels_url": "{/name}",
        "milestones_url": "{/number}",
        "notifications_url": "{?since,all,participating}",
        "pulls_url": "{/number}",
        "releases_url": "{/id}",
        "statuses_url": "/{sha}",
        "trees_url": "{/sha}",
    }
    plain = ["contributors", "deployments", "downloads", "events", "forks", "hooks", "languages", "merges"]
    plain += ["stargazers", "subscribers", "subscription", "tags", "teams"]
    urls = {
        key: f"{url}/{key.removesuffix('_url').replace('git_', 'git/')}{suffix}"
        for key, suffix in templated.items()
    }
    urls["statuses_url"] = f"{url}/statuses/{{sha}}"
    urls["issue_comment_url"] = f"{url}/issues/comments{{/number}}"
    urls["issue_events_url"] = f"{url}/issues/events{{/number}}"
    return {
        "id": repo_id,
        "node_id": node_id("R", repo_id),
        "name": name,
        "full_name": full,
        "owner": owner,
        "private": False,
        "html_url": f"{WEB}/{full}",
        "description": None,
        "fork": False,
        "url": url,
        **urls,
        **{f"{key}_url": f"{url}/{key}" for key in plain},
        "git_url": f"git://github.com/{full}.git",
        "ssh_url": f"git@github.com:{full}.git",
        "clone_url": f"{WEB}/{full}.git",
        "svn_url": f"{WEB}/{full}",
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "license": None,
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "size": 120,
        "default_branch": "main",
        "open_issues": 1,
        "open_issues_count": 1,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "archived": False,
        "disabled": False,
        "visibility": "public",
        "pushed_at": "2024-05-01T10:00:00Z",
        "created_at": "2024-01-01T10:00:00Z",
        "updated_at": "2024-05-01T10:00:00Z",
    }


def fake_pull(repository: JSON, number: int, head_sha: str, author: JSON, head_ref: str) -> JSON:
    url = f"{repository['url']}/pulls/{number}"
    issue_url = f"{repository['url']}/issues/{number}"
    html = f"{repository['html_url']}/pull/{number}"
    owner = repository["owner"]

    def side(ref: str, sha: str) -> JSON:
        return {"label": f"{owner['login']}:{ref}", "ref": ref, "sha": sha, "user": owner, "repo": repository}

    links = {
        "self": url,
        "html": html,
        "issue": issue_url,
        "comments": f"{issue_url}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{repository['url']}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{repository['url']}/statuses/{head_sha}",
    }
    return {
        "url": url,
        "id": 1_000_000 + number,
        "node_id": node_id("PR", number),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue_url,
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": number,
        "state": "open",
        "locked": False,
        "title": f"Fine-tune round {number}",
        "user": author,
        "body": "Updates the fine-tuned model.",
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": "2024-05-01T10:00:00Z",
        "updated_at": "2024-05-01T10:00:00Z",
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(head_ref, head_sha),
        "base": side("main", "0" * 40),
        "_links": {key: {"href": href} for key, href in links.items()},
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": False,
        "merged": False,
        "mergeable": True,
        "rebaseable": True,
        "mergeable_state": "clean",
        "merged_by": None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 10,
        "deletions": 2,
        "changed_files": 1,
    }


def fake_reaction_rollup(url: str, reactions: Iterable[JSON] = ()) -> JSON:
    counts = dict.fromkeys(["+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket"], 0)
    for reaction in reactions:
        counts[reaction["content"]] += 1
    return {"url": f"{url}/reactions", "total_count": sum(counts.values()), **counts}


def basic_error(message: str, status: int) -> JSON:
    return {"message": message, "documentation_url": DOCS, "status": str(status)}


def validation_error(resource: str, field_name: str, message: str) -> JSON:
    error = {"resource": resource, "field": field_name, "code": "custom", "message": message}
    return {"message": "Validation Failed", "documentation_url": DOCS, "errors": [error], "status": "422"}
