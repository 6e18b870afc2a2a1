"""The forms a secret can take in text a model or server writes back.

A model asked to (or tricked into) repeating its key may write it encoded: the judge
itself reads "here it is in base64" as a real answer. ``forms`` lists what to scrub for
one secret: the value itself, its base64 (standard and URL-safe) at each of the three
alignments it can have inside a longer base64 text, and its hex in either case.

``scrub`` replaces each form, and also a form a model wrote with its letters in another
case or broken by spaces, newlines or zero-width characters ("sk-ab cd…", "SK-ABCD…"):
most of a key is still most of a key.

A key can also be pasted where a name belongs (a YAML key, a category, a variable's
name): ``looks_like_key`` spots its shape, and ``shown_name`` keeps it out of the message.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

MIN_SECRET_CHARS = 8
"""Shorter values are not scrubbed: replacing a toy key like ``abc`` would garble text."""
_MIN_FORM_CHARS = 8

# Keys whose shape is also a variable name's: Hugging Face, GitHub, Groq, Slack, OpenAI-style,
# NVIDIA; Google's and AWS's have no separator after the prefix.
_KEY_PREFIXES = re.compile(
    r"(?:hf|gh[oprsu]|github_pat|gsk|xox[abpr]|sk|pk|rk|nvapi)[_-]|AIza", re.IGNORECASE
)
_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")
_HEX_KEY = re.compile(r"[0-9a-fA-F]{32,}")


def looks_like_key(name: str) -> bool:
    """Whether a would-be variable name looks like a key pasted in its place: a known key
    prefix with a long tail, or a long run of mixed-case letters and digits (variable names
    are words: ``OPENAI_API_KEY``, ``hf_token``)."""
    if _AWS_KEY_ID.fullmatch(name) or _HEX_KEY.fullmatch(name):
        return True
    prefix = _KEY_PREFIXES.match(name)
    tail = name[prefix.end() :] if prefix else ""
    if len(tail) >= 16 and any(c.isdigit() for c in tail) and any(c.islower() for c in tail):
        return True
    longest = max((len(part) for part in re.split(r"[_.-]", name)), default=0)
    mixed = (
        any(c.islower() for c in name) and any(c.isupper() for c in name) and any(c.isdigit() for c in name)
    )
    return longest >= 20 and mixed


def shown_name(name: object) -> str:
    """``repr(name)`` for a message, unless it looks like a key pasted where a name (a YAML
    key, a category) was expected: then a placeholder, so the key is not repeated."""
    if isinstance(name, str) and looks_like_key(name):
        return "(a name shaped like an API key, not repeated here)"
    return repr(name)


def forms(secret: str) -> list[str]:
    """``secret`` and its encodings, longest first, with no duplicates."""
    raw = secret.encode("utf-8")
    found = {secret, raw.hex(), raw.hex().upper()}
    for offset in range(3):
        # Inside a longer base64 text the secret starts at one of three byte offsets of a
        # 3-byte group; the characters that encode only its own bytes are the same
        # whatever comes before or after it.
        padded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        start = -(-offset * 4 // 3)  # characters touched by the padding bytes
        whole = (offset + len(raw)) // 3 * 4  # characters of complete groups
        cores = [padded[start:whole] if (offset + len(raw)) % 3 else padded[start:]]
        if offset == 0:
            cores.append(padded)  # the secret encoded on its own, to its last character
        for core in cores:
            for text in (core, core.replace("+", "-").replace("/", "_")):
                if len(text) >= _MIN_FORM_CHARS:
                    found.add(text)
    return sorted(found, key=lambda text: (-len(text), text))


def all_forms(secrets: Iterable[str]) -> list[str]:
    """Every form of every secret long enough to scrub, longest first."""
    found = {form for secret in secrets if len(secret) >= MIN_SECRET_CHARS for form in forms(secret)}
    return sorted(found, key=lambda text: (-len(text), text))


_GAPS = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
"""Invisible characters a model (or an attacker) can put inside a key to hide it."""
_DROP_GAPS = str.maketrans("", "", _GAPS)


def scrub(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every form in ``secrets`` (``all_forms``) replaced by ``***``: as
    written, then in any case and across whitespace or invisible characters."""
    # Longest first, so a secret that contains another is removed whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    if not secrets:
        return text
    squeezed = "".join(text.lower().translate(_DROP_GAPS).split())
    loose = [secret for secret in secrets if secret.lower() in squeezed]
    return _loose_pattern(tuple(loose)).sub("***", text) if loose else text


def holds_secret(text: str, secrets: Sequence[str]) -> bool:
    """Whether ``scrub`` would change ``text``."""
    if any(secret in text for secret in secrets):
        return True
    if not secrets:
        return False
    squeezed = "".join(text.lower().translate(_DROP_GAPS).split())
    return any(secret.lower() in squeezed for secret in secrets)


@lru_cache(maxsize=32)
def _loose_pattern(secrets: tuple[str, ...]) -> re.Pattern[str]:
    gap = f"[\\s{_GAPS}]*"
    spelled = (gap.join(map(re.escape, secret)) for secret in sorted(secrets, key=len, reverse=True))
    return re.compile("|".join(spelled), re.IGNORECASE)
