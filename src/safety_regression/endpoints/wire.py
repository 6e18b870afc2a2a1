"""Shared pieces of talking to OpenAI-style HTTP APIs: safe URLs, credential digests,
Retry-After headers and error bodies. Used by the chat and the moderation clients."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, cast

from yarl import URL

from safety_regression.endpoints.retry import parse_retry_after, parse_retry_after_ms
from safety_regression.jsontext import parse_json

MAX_SERVER_MESSAGE = 160


def safe_url(url: URL) -> str:
    """The URL without userinfo, query or fragment: safe to log and to store."""
    return str(url.with_user(None).with_query(None).with_fragment(None)).rstrip("/")


def credential_digest(api_key: str | None, url: URL) -> str:
    # Only a digest of the credentials is kept, so the limit key is safe to log.
    material = "\x1f".join((api_key or "", url.raw_user or "", url.raw_password or "", url.query_string))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    precise = parse_retry_after_ms(headers.get("retry-after-ms"))
    return precise if precise is not None else parse_retry_after(headers.get("Retry-After"))


def redirect_target(headers: Mapping[str, str], request_url: URL) -> str | None:
    """The Location a redirect points to, absolute and without credentials; None if none."""
    location = headers.get("Location")
    if not location:
        return None
    try:
        return safe_url(request_url.join(URL(location)))
    except ValueError:
        return "(an unreadable Location)"


def after_attempts(reason: str, attempts: int) -> str:
    """``HTTP 500: boom`` -> ``HTTP 500 after 5 attempts: boom``."""
    head, sep, tail = reason.partition(": ")
    return f"{head} after {attempts} attempts{sep}{tail}"


def json_or_none(body: bytes) -> Any:
    """The parsed body (``parse_json``), or None when it is not JSON."""
    try:
        return parse_json(body)
    except (UnicodeDecodeError, ValueError):
        return None


def error_object(data: Any) -> dict[str, Any] | None:
    error = data.get("error") if isinstance(data, dict) else None
    return cast("dict[str, Any]", error) if isinstance(error, dict) else None


def server_message(data: Any, scrub: Callable[[str], str] = str) -> str | None:
    """The server's error message on one line, scrubbed with ``scrub`` *before* it is cut
    to ``MAX_SERVER_MESSAGE``: a secret straddling the cut must not survive as a prefix."""
    error = error_object(data)
    message = error.get("message") if error is not None else None
    if not isinstance(message, str) or not message.strip():
        return None
    message = " ".join(scrub(message).split())
    if len(message) > MAX_SERVER_MESSAGE:
        message = message[: MAX_SERVER_MESSAGE - 1] + "…"
    return message
