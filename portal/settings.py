"""Settings from the environment (starlette.config), one frozen object per app."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.config import Config
from starlette.datastructures import Secret

from core.pixels import DEFAULT_MAX_IMAGE_PIXELS
from core.throttle import parse
from portal.client_ip import trusted_networks

RULE_MODES = ("strict", "sandbox")
DEFAULT_COURT = "北京市西城区人民法院"
LIMITS = ("login_limit_account", "login_limit_ip", "signup_limit_ip", "chat_limit",
          "ws_resume_limit", "trusted_proxies")


@dataclass(frozen=True)
class Settings:
    redis_url: str | None
    secret_key: Secret
    data_dir: Path
    rules: str
    payment_secret: Secret
    cookie_secure: bool
    max_upload_bytes: int
    # NOTIFY_SENDER=package.module:factory (portal/notifications.py); empty: DATA_DIR/mail.log
    notify_sender: str = ""
    # COURT: the portal's court; officers without a court of their own belong to it
    court: str = DEFAULT_COURT
    # MAX_IMAGE_PIXELS: the most pixels one uploaded image may have (core/pixels.py)
    max_image_pixels: int = DEFAULT_MAX_IMAGE_PIXELS
    # DOCUMENT_MAX_BYTES: the largest court document (PDF) an officer may upload
    document_max_bytes: int = 20 * 1024 * 1024
    # REDIS_CLUSTER=true: REDIS_URL names a seed node of a Redis Cluster (core.redis.connect)
    redis_cluster: bool = False
    # Throttling (core/throttle.py): "N/period;M/period" tiers, shared by all workers.
    # Failed logins per account and per client IP (successful ones never count); sign-ups per
    # IP (campuses, offices and mobile carriers put many people behind one address); chat and
    # questions per user on top of the one-per-second gap; resumes per lot websocket.
    login_limit_account: str = "5/minute;15/hour;40/day"
    login_limit_ip: str = "30/minute;300/hour;1000/day"
    signup_limit_ip: str = "30/hour;200/day"
    chat_limit: str = "10/30 seconds"
    ws_resume_limit: str = "5/minute"
    # Comma-separated IPs or networks of reverse proxies whose X-Forwarded-For is believed.
    trusted_proxies: str = ""

    @property
    def sandbox(self) -> bool:
        return self.rules == "sandbox"


def load_settings(env_file: str | None = None, **overrides: object) -> Settings:
    """Read settings from the environment; keyword overrides win (used by tests)."""
    config = Config(env_file) if env_file else Config()
    data_dir = Path(str(overrides.pop("data_dir", config("DATA_DIR", default="./var"))))
    secret = overrides.pop("secret_key", None) or config("SECRET_KEY", cast=Secret, default="")
    if not str(secret):
        secret = Secret(_persistent_secret(data_dir))
    rules = str(overrides.pop("rules", config("PORTAL_RULES", default="strict")))
    if rules not in RULE_MODES:
        raise ValueError(f"PORTAL_RULES must be one of {RULE_MODES}, not {rules!r}")
    values: dict[str, object] = {
        "redis_url": config("REDIS_URL", default=None) or None,
        "secret_key": secret if isinstance(secret, Secret) else Secret(str(secret)),
        "data_dir": data_dir.resolve(),
        "rules": rules,
        "payment_secret": config(
            "PAYMENT_SECRET", cast=Secret, default=f"sandbox-payments:{secret}"
        ),
        "cookie_secure": config("COOKIE_SECURE", cast=bool, default=False),
        "max_upload_bytes": config("MAX_UPLOAD_BYTES", cast=int, default=64 * 1024 * 1024),
        "notify_sender": config("NOTIFY_SENDER", default=""),
        "court": config("COURT", default=DEFAULT_COURT) or DEFAULT_COURT,
        "max_image_pixels": config("MAX_IMAGE_PIXELS", cast=int,
                                   default=DEFAULT_MAX_IMAGE_PIXELS),
        "document_max_bytes": config("DOCUMENT_MAX_BYTES", cast=int, default=20 * 1024 * 1024),
        "redis_cluster": config("REDIS_CLUSTER", cast=bool, default=False),
        **{name: config(name.upper(), default=getattr(Settings, name)) for name in LIMITS},
    }
    values.update(overrides)
    if isinstance(values["payment_secret"], str):
        values["payment_secret"] = Secret(str(values["payment_secret"]))
    settings = Settings(**values)  # type: ignore[arg-type]
    for name in LIMITS[:-1]:
        parse(getattr(settings, name))  # a malformed limit fails at start, not on a login
    trusted_networks(settings.trusted_proxies)
    return settings


def _persistent_secret(data_dir: Path) -> str:
    """Without SECRET_KEY, keep a random key under DATA_DIR so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
