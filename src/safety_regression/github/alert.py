"""Alerting: tell a channel when the gate fails, by an optional webhook.

The webhook is a courtesy, never part of the verdict: it is tried a bounded number of
times with exponential backoff, and when it still fails the failure is logged and the
gate's result and exit code stay as they were. The URL usually comes from a secret, so
it never appears in a message (not even its host).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from safety_regression.gate import GateResult, Verdict
from safety_regression.github.inputs import AlertOn, WebhookFormat
from safety_regression.report.comment import regressed_categories, unproven_categories

Sleep = Callable[[float], Awaitable[None]]
_VERDICT_EMOJI = {Verdict.PASS: ":white_check_mark:", Verdict.FAIL: ":x:", Verdict.INCONCLUSIVE: ":warning:"}


@dataclass(frozen=True)
class AlertContext:
    repository: str
    pull_number: int | None = None
    sha: str = ""
    header: str = ""
    links: Mapping[str, str | None] = field(default_factory=dict)
    """``run``, ``comment``, ``check``, ``artifact``: where to look."""


def alert_due(verdict: Verdict, alert_on: AlertOn) -> bool:
    if verdict is Verdict.FAIL:
        return True
    return verdict is Verdict.INCONCLUSIVE and alert_on is AlertOn.FAIL_OR_INCONCLUSIVE


def webhook_payload(result: GateResult, context: AlertContext, shape: WebhookFormat) -> dict[str, Any]:
    regressed, unproven = regressed_categories(result), unproven_categories(result)
    links = {name: url for name, url in context.links.items() if url}
    if shape is WebhookFormat.JSON:
        return {
            "source": "safety-regression-action",
            "verdict": result.verdict.value,
            "recommendation": result.recommendation.value,
            "regressed_categories": regressed,
            "unproven_categories": unproven,
            "composite_score": {
                "base": result.composite_score.base,
                "finetuned": result.composite_score.finetuned,
                "delta": result.composite_score.delta,
            },
            "repository": context.repository,
            "pull_request": context.pull_number,
            "sha": context.sha,
            "header": context.header or None,
            "links": links,
        }
    where = context.repository + (f"#{context.pull_number}" if context.pull_number else "")
    gate = f" ({_slack(context.header)})" if context.header else ""
    lines = [
        f"{_VERDICT_EMOJI[result.verdict]} *Safety gate{gate}: {result.verdict.value.upper()}* "
        f"on {_slack(where)}: recommendation {result.recommendation.value.replace('_', ' ')}"
    ]
    if regressed:
        lines.append(f"Regressed: {_slack(', '.join(regressed))}")
    if unproven:
        lines.append(f"Unproven: {_slack(', '.join(unproven))}")
    if links:
        lines.append(" · ".join(f"<{_slack_url(url)}|{name}>" for name, url in links.items()))
    text = "\n".join(lines)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def _slack(text: str) -> str:
    """Slack's three control characters escaped, so names stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    return url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")


async def send_webhook(
    session: aiohttp.ClientSession,
    url: str,
    payload: Mapping[str, Any],
    *,
    attempts: int = 4,
    backoff: float = 0.5,
    timeout_seconds: float = 10.0,
    sleep: Sleep = asyncio.sleep,
) -> str | None:
    """POST the payload; None once delivered, else why not (without the URL)."""
    problem = "not tried"
    for attempt in range(1, attempts + 1):
        try:
            limit = aiohttp.ClientTimeout(total=timeout_seconds)
            async with session.post(
                url, json=dict(payload), timeout=limit, allow_redirects=False
            ) as response:
                await response.read()
                if response.status < 300:
                    return None
                problem = f"HTTP {response.status}"
                if response.status < 500 and response.status not in (408, 429):
                    return f"the webhook refused the alert ({problem}); not retried"
        except TimeoutError:
            problem = f"timeout ({timeout_seconds:g}s)"
        except aiohttp.ClientError as exc:
            problem = f"connection failed: {type(exc).__name__}"
        if attempt < attempts:
            await sleep(backoff * 2 ** (attempt - 1))
    return f"the webhook failed after {attempts} attempts ({problem})"
