"""What every page's layout needs: the navigation's current section and the Lusha connection."""

from accounts.connection import connection_layout_facts, connection_mode

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
    if not request.user.is_authenticated:
        # Signing in and the first run say it too: whoever sees the portal first should know
        # its data is synthetic. Only the sandbox's banner: the connection is an admin's matter.
        mode = connection_mode()
        return {"lusha_mode": mode} if mode == "sandbox" else {}
    section = next((name for prefix, name in _SECTIONS if request.path.startswith(prefix)), "")
    # From the cache; whether this process can decrypt the key is its own Fernet decryption
    # (once a key), so the banner says it before anyone is refused.
    mode, key_unreadable = connection_layout_facts()
    return {"nav_section": section, "lusha_mode": mode, "lusha_key_unreadable": key_unreadable}
