"""Where the organisation's Lusha key may be sent.

Fixed by settings, never by a form: the hosts LUSHA_ALLOWED_HOSTS names, over https, and the
development sandbox (LUSHA_SANDBOX_URL), over http only on this machine's loopback. Whoever
takes over an admin session can change the base URL, but not send the key anywhere else.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings

_DEFAULT_PORTS = {"https": 443, "http": 80}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_and_port(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL, or None when it has no readable host and port."""
    try:
        parts = urlsplit(url)
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def url_host(url: str) -> str:
    """The host (and a port other than the scheme's) of a URL, for messages and the audit."""
    found = _host_and_port(url)
    if found is None:
        return ""
    scheme, host, port = found
    return host if port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"


def allowed_hosts() -> list[str]:
    """The hosts the key may go to over https, as the setting names them."""
    hosts = (host.strip().lower().removesuffix(":443") for host in settings.LUSHA_ALLOWED_HOSTS)
    return [host for host in hosts if host]


def _is_sandbox(scheme: str, host: str, port: int) -> bool:
    sandbox = _host_and_port(settings.LUSHA_SANDBOX_URL) if settings.LUSHA_SANDBOX_URL else None
    if sandbox is None or (scheme, host, port) != sandbox:
        return False
    return scheme == "https" or _is_loopback(host)


def lusha_url_problem(url: str) -> str:
    """Why the organisation's key may not be sent to `url`; "" when it may."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    found = _host_and_port(url)
    if parts is None or found is None:
        return "The Lusha base URL is not a web address (it should be https://api.lusha.com)."
    scheme, host, port = found
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        return "The Lusha base URL is a bare address such as https://api.lusha.com."
    if parts.path not in ("", "/"):
        return "The Lusha base URL has no path: https://api.lusha.com, not a page under it."
    if _is_sandbox(scheme, host, port):
        return ""
    if scheme != "https":
        return (
            "The Lusha key is only sent over https (plain http is allowed only for the "
            "development sandbox on this machine)."
        )
    named = url_host(url)
    if named in allowed_hosts():
        return ""
    return (
        f"{named} is not one of the hosts the organisation's Lusha key may be sent to "
        f"({', '.join(allowed_hosts()) or 'none'}). The server's LUSHA_ALLOWED_HOSTS setting "
        "names them."
    )
