"""Accounts and sessions."""

from __future__ import annotations

from msgspec import Struct


class Credentials(Struct):
    username: str = ""
    password: str = ""


class User(Struct):
    username: str
    role: str
    real_name: str


class SessionOut(Struct):
    user: User
