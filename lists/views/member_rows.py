"""A list page's member rows, worked out in the view: each cell's text (and its few links and
badges, escaped by format_html) computed once in Python, so the template only lays out a row
of plain values. The same table through the template's tags, loops and filters per row cost
the page about 30 ms of CPU for 50 rows; this costs a few; each row's `<tr>` is built here too
(`MemberRow.html`). Every value
put in a cell here is escaped with `html.escape` (what Django's escaping does, without its
per-call overhead, which 50 rows of 10 cells felt)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from lusha_portal.html import html_from_escaped
from privacy.templatetags.privacy_marks import suppressed_badge, suppressed_marks
from prospecting.models import Kind
from signals.selectors import members_signal_summary
from signals.templatetags.signal_badges import signal_badge

NOTHING_FOUND = SafeString('<span class="muted">nothing found</span>')
NONE = SafeString('<span class="muted">—</span>')
EMAIL_AVAILABLE = SafeString(
    '<span class="has" title="Lusha has an email: enrich the list to reveal it">available</span>'
)
PHONE_AVAILABLE = SafeString(
    '<span class="has" title="Lusha has a phone: enrich the list to reveal it">available</span>'
)


@dataclass(frozen=True)
class MemberRow:
    """One member as its row shows it; for a company list `title` is the domain, `company`
    the industry and `emails` the "Enriched" cell."""

    pk: int
    name: str
    badges: SafeString
    title: str
    company: str
    location: str
    emails: SafeString
    phones: SafeString
    added: str
    is_contact: bool = True

    @property
    def html(self) -> SafeString:
        """The whole `<tr>`: 50 rows of nine cells through the template were a fifth of the
        page's CPU."""
        phones = f"<td>{self.phones}</td>" if self.is_contact else ""
        return html_from_escaped(
            f'<tr><td><input type="checkbox" name="members" value="{self.pk}"'
            f' aria-label="Select {escape(str(self.name))}"></td>'
            f'<th scope="row">{escape(str(self.name))} {self.badges}</th>'
            f"<td>{escape(str(self.title))}</td><td>{escape(str(self.company))}</td>"
            f"<td>{escape(str(self.location))}</td><td>{self.emails}</td>{phones}"
            f"<td>{escape(str(self.added))}</td></tr>\n"
        )


class DayLabels:
    """ "2 Dec 2026" for a moment, formatted once per day shown (most rows share a few)."""

    def __init__(self):
        self._seen: dict = {}
        # Looked up once: timezone.localtime looks the zone up again for every moment, and
        # 150 moments a page made that a tenth of the rows' CPU.
        self._zone = timezone.get_current_timezone()

    def __call__(self, moment) -> str:
        if moment is None:
            return ""
        day = moment.astimezone(self._zone).date()
        if day not in self._seen:
            self._seen[day] = dateformat.format(day, "j M Y")
        return self._seen[day]


def _items(values) -> list[dict]:
    return [item for item in values or [] if isinstance(item, dict)]


def _type(item: dict) -> str:
    kind = item.get("type")
    return f' <span class="muted">{escape(str(kind))}</span>' if kind else ""


def _revealed_cell(listed: list[str], held, moment, date) -> SafeString:
    """The values found (or "nothing found") and when they were revealed or checked."""
    word = "revealed" if held else "checked"
    return html_from_escaped(
        f'{"".join(listed) or NOTHING_FOUND}<div class="muted">{word} {escape(date(moment))}</div>'
    )


def _emails_cell(contact, date) -> SafeString:
    if contact.emails_revealed_at:
        listed = []
        for item in _items(contact.emails):
            email = escape(str(item.get("email", "")))
            listed.append(f'<div><a href="mailto:{email}">{email}</a>{_type(item)}</div>')
        return _revealed_cell(listed, contact.emails, contact.emails_revealed_at, date)
    return EMAIL_AVAILABLE if contact.has_email else NONE


def _phones_cell(contact, date) -> SafeString:
    if contact.phones_revealed_at:
        listed = []
        for item in _items(contact.phones):
            number = escape(str(item.get("number", "")))
            dnc = ' <span class="badge">do not call</span>' if item.get("doNotCall") else ""
            listed.append(f'<div><a href="tel:{number}">{number}</a>{_type(item)}{dnc}</div>')
        return _revealed_cell(listed, contact.phones, contact.phones_revealed_at, date)
    return PHONE_AVAILABLE if contact.has_phone else NONE


def _badges(summary: dict, marks: dict, record) -> SafeString:
    signal = signal_badge(summary, record)
    suppressed = suppressed_badge(marks, record)
    if signal and suppressed:
        return html_from_escaped(f"{signal} {suppressed}")
    return signal or suppressed or SafeString("")


def member_rows(user, lead_list, members: list) -> list[MemberRow]:
    """The rows of a page of members (from `list_members`), with their signal badges (one
    query) and suppression marks (one read of the suppression list)."""
    field = "contact_id" if lead_list.kind == Kind.CONTACTS else "company_id"
    ids = [getattr(member, field) for member in members if getattr(member, field)]
    summary = members_signal_summary(user, lead_list, ids) if ids else {}
    marks = suppressed_marks(members)
    date = DayLabels()
    rows = []
    for member in members:
        if lead_list.kind == Kind.CONTACTS:
            contact = member.contact
            rows.append(
                MemberRow(
                    pk=member.pk,
                    name=contact.full_name,
                    badges=_badges(summary, marks, contact),
                    title=contact.job_title,
                    company=contact.company_name,
                    location=contact.location,
                    emails=_emails_cell(contact, date),
                    phones=_phones_cell(contact, date),
                    added=date(member.added_at),
                )
            )
            continue
        company = member.company
        if company.enriched_at:
            enriched = format_html(
                "{}{}",
                date(company.enriched_at),
                format_html(' <span class="muted">{}</span>', "nothing found")
                if member.nothing_found
                else "",
            )
        else:
            enriched = SafeString('<span class="muted">not yet</span>')
        rows.append(
            MemberRow(
                pk=member.pk,
                name=company.name or company.lusha_id,
                badges=_badges(summary, marks, company),
                title=company.domain,
                company=company.industry,
                location=company.location,
                emails=enriched,
                phones=SafeString(""),
                added=date(member.added_at),
                is_contact=False,
            )
        )
    return rows
