"""The HTTP proxy the environment names for a platform's address (HTTPS_PROXY, HTTP_PROXY,
NO_PROXY), as httpx honours it; the channels' aiohttp clients read it once, when they make
their connections, instead of on every request."""

from __future__ import annotations

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL


def environment_proxy(url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for `url` and its credentials, or (None, None)."""
    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:  # no proxy for this address
        return None, None
