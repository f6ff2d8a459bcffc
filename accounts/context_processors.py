"""What every page's layout needs: the navigation's current section and the Lusha connection."""

from accounts.services import connection_get

# Longest prefix first: /prospecting/lists/ is Lists, not Prospecting.
_SECTIONS = (
    ("/prospecting/lists/", "lists"),
    ("/prospecting/", "prospecting"),
    ("/signals/", "signals"),
    ("/spend/", "spend"),
    ("/settings/", "settings"),
    ("/accounts/password/", "settings"),
)


def portal(request):
    if not request.user.is_authenticated:
        return {}
    section = next((name for prefix, name in _SECTIONS if request.path.startswith(prefix)), "")
    return {"nav_section": section, "lusha_connection": connection_get()}
