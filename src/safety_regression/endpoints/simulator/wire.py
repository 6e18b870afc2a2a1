"""The simulator's wire format: the OpenAI-compatible request it reads, the completion and
error bodies it writes (serialised before any latency is waited out), and the key that
tells a retry from a new request."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from safety_regression.endpoints.simulator.behaviour import Fault
from safety_regression.endpoints.simulator.profiles import ModelProfile

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class WireMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | None = None


class WireRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[WireMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = None


CHARS_PER_TOKEN = 4
"""Characters per token in the usage the simulator reports: about what real tokenizers
give English text (a token is about four characters, three quarters of a word). The
client's estimates (``metering.estimate_prompt_tokens``, the dry run) use the same rule,
so a dry run against the simulator is checked against what it then records."""
MESSAGE_TOKENS = 4
"""The chat template's role and separator tokens around each message."""


def tokens(text: str) -> int:
    """The tokens ``text`` counts as: ``CHARS_PER_TOKEN`` characters each, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


def completion(body: WireRequest, text: str, request_key: str) -> dict[str, Any]:
    finish_reason = "stop"
    if body.max_tokens is not None and tokens(text) > body.max_tokens:
        # Cut at the last whole word that fits in max_tokens, as generation stops there.
        limit = body.max_tokens * CHARS_PER_TOKEN
        cut = text.rfind(" ", 0, limit + 1)
        text, finish_reason = text[: cut if cut > 0 else limit], "length"
    prompt_tokens = sum(MESSAGE_TOKENS + tokens(m.content or "") for m in body.messages)
    completion_tokens = tokens(text)
    return {
        "id": f"chatcmpl-sim-{request_key[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def fault_response(fault: Fault, profile: ModelProfile) -> web.Response:
    if fault is Fault.RATE_LIMITED:
        response = error_response(429, "Rate limit reached (simulated).", "rate_limit_exceeded")
        response.headers["Retry-After"] = f"{profile.retry_after:g}"
        return response
    if fault is Fault.SERVER_ERROR:
        return error_response(500, "The server had an error (simulated).", "server_error")
    return web.Response(
        status=200, text="<html>simulated broken gateway reply</html>", content_type="text/html"
    )


def unknown_model(model: str) -> web.Response:
    return error_response(404, f"The model '{model}' does not exist", "model_not_found")


def error_response(status: int, message: str, code: str) -> web.Response:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    return json_response(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


def json_response(status: int, data: Any) -> web.Response:
    """A JSON response, serialised now (before any latency is waited out)."""
    return web.Response(status=status, body=_ENCODE(data).encode("utf-8"), content_type="application/json")


def last_user_text(body: WireRequest) -> str:
    for message in reversed(body.messages):
        if message.role == "user" and message.content is not None:
            return message.content
    return ""


def request_key(raw: Any) -> str:
    """Identifies a distinct request, so retries of it are counted as further attempts."""
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
