"""The lists index's rows, built in the view like a list page's member rows
(lists/views/member_rows.py): a row through the template's tags (an address reversed, the kind's
label, a date filter, the owner) cost the page more than its queries."""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString

from lists.views.member_rows import DayLabels
from lusha_portal.html import html_from_escaped


def list_rows_html(lists: list, *, show_owner: bool, days: DayLabels) -> list[SafeString]:
    """One `<tr>` a list: name (with its unread signals), what it holds, members, owner when
    shown, visibility, when it last changed. The lists come from `lists_with_counts`, each
    with `signals_unread` set."""
    if not lists:
        return []
    detail = reverse("lists:detail", args=[0]).removesuffix("0/")
    feed = escape(reverse("signals:feed"))
    rows = []
    for lead_list in lists:
        unread = lead_list.signals_unread
        signals = (
            f' <a class="has" href="{feed}?list={lead_list.pk}&amp;unread=1">{unread} new'
            f" signal{'' if unread == 1 else 's'}</a>"
            if unread
            else ""
        )
        owner = f"<td>{escape(lead_list.owner.get_username())}</td>" if show_owner else ""
        visibility = "Shared with the team" if lead_list.shared else "Private"
        rows.append(
            html_from_escaped(
                f'<tr><th scope="row"><a href="{escape(detail)}{lead_list.pk}/">'
                f"{escape(lead_list.name)}</a>{signals}</th>"
                f"<td>{escape(str(lead_list.get_kind_display()))}</td>"
                f'<td class="num">{int(lead_list.member_count)}</td>{owner}'
                f"<td>{visibility}</td><td>{escape(days(lead_list.updated_at))}</td></tr>\n"
            )
        )
    return rows
