"""What every page's layout needs: the navigation's current section and the Lusha connection."""

import functools

from django.urls import reverse

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


# Longest prefix first: /prospecting/lists/ is Lists, not Prospecting.
_SECTIONS = (
    ("/lists/", "lists"),
    ("/prospecting/", "prospecting"),
    ("/signals/", "signals"),
    ("/spend/", "spend"),
    ("/settings/", "settings"),
    ("/accounts/password/", "settings"),
)


def portal(request):
    urls = {"layout_urls": _layout_urls()}
    if not request.user.is_authenticated:
        # Signing in and the first run say it too: whoever sees the portal first should know
        # its data is synthetic. Only the sandbox's banner: the connection is an admin's matter.
        mode, _ = connection_layout_facts()
        return urls | ({"lusha_mode": mode} if mode == "sandbox" else {})
    section = next((name for prefix, name in _SECTIONS if request.path.startswith(prefix)), "")
    # From the cache; whether this process can decrypt the key is its own Fernet decryption
    # (once a key), so the banner says it before anyone is refused.
    mode, key_unreadable = connection_layout_facts()
    return urls | {
        "nav_section": section,
        "lusha_mode": mode,
        "lusha_key_unreadable": key_unreadable,
    }
