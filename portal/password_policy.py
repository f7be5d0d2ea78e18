"""Password policy: at least 10 characters and not easy to guess (zxcvbn score >= 3).

zxcvbn knows the common-password lists, English words, names, keyboard patterns, dates and
repeats; it is also given the account's own details (username, name, ID and phone numbers)
so a password built from them is refused. The refusal names the reason: ``reason`` is
``common`` (on a common-password list), ``personal`` (built from the account's details) or
``guessable`` (another pattern), which the sign-up page shows in the visitor's language.
Scoring is CPU work (up to ~50 ms): callers run :func:`check_strength` through
``core.offload``.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from core.errors import Invalid

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3
SCORED_CHARS = 72  # zxcvbn's own input limit; the rest only adds strength


def length_ok(password: str) -> bool:
    return MIN_LENGTH <= len(password) <= MAX_LENGTH


def weakness(password: str, personal: list[str]) -> str | None:
    """None when the password is strong enough, else the reason it is not."""
    result = zxcvbn(password[:SCORED_CHARS], user_inputs=[p for p in personal if p])
    if int(result["score"]) >= MIN_SCORE:
        return None
    dictionaries = {m.get("dictionary_name") for m in result["sequence"]}
    if "user_inputs" in dictionaries:
        return "personal"
    if "passwords" in dictionaries:
        return "common"
    return "guessable"


REASONS = {
    "personal": "it is built from your username, name or numbers",
    "common": "it is on a list of commonly used passwords",
    "guessable": "it follows a pattern that is easy to guess (repeats, sequences, dates, "
                 "keyboard rows or plain words)",
}


def check_strength(password: str, personal: list[str]) -> None:
    """Raise 422 ``weak_password`` (with ``reason``) unless the password is strong enough."""
    reason = weakness(password, personal)
    if reason is not None:
        raise Invalid(f"Password is too easy to guess: {REASONS[reason]}",
                      code="weak_password", field="password", reason=reason)
