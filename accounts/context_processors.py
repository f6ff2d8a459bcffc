"""What every page's layout needs: the navigation's current section and the Lusha connection."""

import functools
from collections.abc import Mapping

from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django_htmx.jinja import htmx_script

from accounts.connection import connection_layout_facts

# The addresses base.html links to, as `layout_urls.<namespace>_<name>`.
_LAYOUT_URL_NAMES = (
    "home",
    "prospecting:search",
    "lists:index",
    "signals:feed",
    "spend:dashboard",
    "spend:mine",
    "spend:budgets",
    "accounts:settings",
    "accounts:logout",
    "accounts:lusha_connection",
)


@functools.cache
def _layout_urls() -> dict[str, str]:
    # Reversed once a process: thirteen {% url %} a page were a tenth of the layout's CPU.
    return {name.replace(":", "_"): reverse(name) for name in _LAYOUT_URL_NAMES}


@functools.cache
def _layout_head() -> str:
    # The stylesheet and scripts every page loads, their hashed names looked up once a
    # process (the manifest changes only with a deploy, which restarts the process).
    return format_html(
        '<link rel="stylesheet" href="{}">\n  {}\n  <script src="{}" defer></script>\n'
        '  <script src="{}" defer></script>',
        static("css/portal.css"),
        htmx_script(),
        static("js/portal.js"),
        static("js/nav.js"),
    )


# Longest prefix first: /prospecting/lists/ is Lists, not Prospecting.
_SECTIONS = (
    ("/lists/", "lists"),
    ("/prospecting/", "prospecting"),
    ("/signals/", "signals"),
    ("/spend/", "spend"),
    ("/settings/", "settings"),
    ("/accounts/password/", "settings"),
)


def portal(request, found: Mapping | None = None):
    """The navigation's addresses and section, and the Lusha connection's banner (`found`: what
    the layout read of connection_layout_cache_keys)."""
    urls = {"layout_urls": _layout_urls(), "layout_head": _layout_head()}
    if not request.user.is_authenticated:
        # Signing in and the first run say it too: whoever sees the portal first should know
        # its data is synthetic. Only the sandbox's banner: the connection is an admin's matter.
        mode, _ = connection_layout_facts(found)
        return urls | ({"lusha_mode": mode} if mode == "sandbox" else {})
    section = next((name for prefix, name in _SECTIONS if request.path.startswith(prefix)), "")
    # From the cache; whether this process can decrypt the key is its own Fernet decryption
    # (once a key), so the banner says it before anyone is refused.
    mode, key_unreadable = connection_layout_facts(found)
    return urls | {
        "nav_section": section,
        "lusha_mode": mode,
        "lusha_key_unreadable": key_unreadable,
    }
