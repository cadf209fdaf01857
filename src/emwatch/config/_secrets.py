"""API keys: read from the environment variable a config names, never stored, never in a message."""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlparse

from emwatch.errors import ConfigError

LOOPBACK_KEY = "EMPTY"  # what a local server without authentication is sent


def is_loopback(base_url: str | None) -> bool:
    """Whether `base_url` points at this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlparse(base_url).hostname if base_url else None
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_key(env: str, *, who: str, base_url: str | None = None, error: type[Exception] = ConfigError) -> str:
    """The key in environment variable `env`.

    Unset: a server on loopback gets LOOPBACK_KEY when the caller passes its `base_url` (an
    OpenAI-compatible server run locally needs no key; hosted training services always do, so trainers
    pass none); anything else raises `error` (ConfigError
    by default; a backend passes BackendError) saying which variable to set. The key itself never
    appears in the message.
    """
    key = os.environ.get(env, "").strip()
    if key:
        return key
    if is_loopback(base_url):
        return LOOPBACK_KEY
    raise error(f"{who} needs an API key: set the environment variable {env} (it is never stored)")


__all__ = ["LOOPBACK_KEY", "api_key", "is_loopback"]
