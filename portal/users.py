"""User accounts in Redis: validation, slow password hashing (Argon2id), roles."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import Conflict, Invalid
from core.names import user_id
from core.offload import HASHING, offload
from portal import keys
from portal.password_policy import MIN_LENGTH, check_strength, length_ok
from portal.socket_registry import publish_closed

ROLES = ("bidder", "officer", "applicant")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
_hasher = PasswordHasher()  # Argon2id, 64 MiB, t=3: a slow KDF by design
_DUMMY_HASH = _hasher.hash("timing-equaliser")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    real_name: str
    phone: str
    id_number: str
    court: str = ""  # officers only; "" = the portal's configured court (settings.COURT)

    @property
    def is_officer(self) -> bool:
        return self.role == "officer"

    def public(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "real_name": self.real_name}


def id_number_valid(value: str) -> bool:
    """Mainland resident identity card number: 18 chars with the ISO 7064 MOD 11-2 check."""
    if not re.fullmatch(r"\d{17}[\dXx]", value):
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17].upper()


def normalise_id_number(value: str) -> str:
    """An ID number as stored and compared: no whitespace, the check letter upper-case."""
    return re.sub(r"\s+", "", value).upper()


def sample_id_number(seed: str) -> str:
    """A valid ID number derived from ``seed`` (demo data, tests and benchmarks: one each)."""
    digits = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 10**11
    return id_number_with_check(f"110105{digits:011d}")


def id_number_with_check(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def validate_registration(data: dict[str, Any], id_optional: bool = False) -> dict[str, str]:
    """Return clean fields or raise Invalid naming the first bad field (``id_optional``:
    an officer's account may go without an ID number; officers never bid)."""
    fields = {k: str(data.get(k) or "").strip() for k in
              ("username", "password", "real_name", "id_number", "phone")}
    fields["password"] = str(data.get("password") or "")
    fields["id_number"] = normalise_id_number(fields["id_number"])
    checks = [
        ("username", USERNAME_RE.fullmatch(fields["username"]) is not None,
         "Username: 3-32 letters, digits, '_', '.', '-'"),
        ("password", length_ok(fields["password"]),
         f"Password: at least {MIN_LENGTH} characters"),
        ("real_name", 1 <= len(fields["real_name"]) <= 50, "Real name is required (max 50)"),
        ("id_number", id_number_valid(fields["id_number"])
         or (id_optional and not fields["id_number"]),
         "ID number must be a valid 18-digit resident identity card number"),
        ("phone", PHONE_RE.fullmatch(fields["phone"]) is not None,
         "Phone must be an 11-digit mobile number"),
    ]
    for field, ok, message in checks:
        if not ok:
            raise Invalid(message, code=f"invalid_{field}", field=field)
    return fields


class Users:
    def __init__(self, redis: aioredis.Redis) -> None:
        self.redis = redis

    async def create(self, data: dict[str, Any], role: str = "bidder",
                     court: str = "") -> User:
        """A new account; ``court`` only for officers ("" = the configured court). ID numbers
        are unique across accounts (one person, one bidder): 409 ``id_number_taken``."""
        if role not in ROLES:
            raise Invalid(f"Unknown role {role!r}", code="invalid_role")
        fields = validate_registration(data, id_optional=role == "officer")
        personal = [fields[k] for k in ("username", "real_name", "id_number", "phone")]
        await offload(HASHING, check_strength, fields["password"], personal)
        record: dict[str, str] = {
            "username": fields["username"], "role": role, "real_name": fields["real_name"],
            "id_number": fields["id_number"], "phone": fields["phone"],
            "password_hash": await hash_password(fields["password"]),
            "created_at": str(time.time()),
        }
        if role == "officer" and court:
            record["court"] = court
        key = keys.user(fields["username"])
        if not await self.redis.hsetnx(key, "username", fields["username"]):
            raise Conflict("That username is taken", code="username_taken")
        if fields["id_number"]:
            await self._claim_id_number(fields["id_number"], fields["username"])
        await self.redis.hset(key, mapping=record)  # type: ignore[arg-type]
        await self.redis.sadd(keys.users_with_role(role), user_id(fields["username"]))
        return _user(record)

    async def _claim_id_number(self, id_number: str, username: str) -> None:
        """Claim the ID number for ``username`` (HSETNX: of two concurrent sign-ups with one
        number exactly one wins); the loser's half-made account is removed."""
        index_field = hashlib.sha256(id_number.encode()).hexdigest()
        if not await self.redis.hsetnx(keys.USERS_BY_ID_NUMBER, index_field, user_id(username)):
            await self.redis.delete(keys.user(username))
            raise Conflict("An account with this ID number already exists",
                           code="id_number_taken", field="id_number")

    async def get(self, username: str) -> User | None:
        record: dict[str, str] = await self.redis.hgetall(keys.user(username))  # type: ignore[assignment]
        return _user(record) if record.get("role") else None

    async def authenticate(self, username: str, password: str) -> User | None:
        record: dict[str, str] = (
            await self.redis.hgetall(keys.user(username)) if username else {}  # type: ignore[assignment]
        )
        stored = record.get("password_hash") or _DUMMY_HASH
        if not await offload(HASHING, verify_password, stored, password):
            return None
        if not record.get("role"):
            return None
        if _hasher.check_needs_rehash(stored):
            await self.redis.hset(keys.user(username), "password_hash",
                                  await hash_password(password))
        return _user(record)

    async def set_password(self, username: str, password: str) -> None:
        if not length_ok(password):
            raise Invalid(f"Password: at least {MIN_LENGTH} characters",
                          code="invalid_password", field="password")
        await offload(HASHING, check_strength, password, [username])
        await self.redis.hset(keys.user(username), "password_hash",
                              await hash_password(password))
        await publish_closed(self.redis, username=username)  # on every worker


def hash_password(password: str) -> Awaitable[str]:
    """Argon2id in a worker thread (64 MiB, t=3: never on the event loop)."""
    return offload(HASHING, _hasher.hash, password)


def verify_password(stored: str, password: str) -> bool:
    """Blocking: run it through ``offload``."""
    try:
        return bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def _user(record: dict[str, str]) -> User:
    return User(username=record["username"], role=record["role"],
                real_name=record.get("real_name", ""), phone=record.get("phone", ""),
                id_number=record.get("id_number", ""), court=record.get("court", ""))
