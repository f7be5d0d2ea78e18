"""Usernames are case-insensitive: every key, set member and comparison uses this one form."""

from __future__ import annotations


def user_id(username: str) -> str:
    """The canonical (case-folded, trimmed) form of a username, used in every Redis key."""
    return username.strip().casefold()
