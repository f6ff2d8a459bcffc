"""The store is searched by PostgreSQL for an import's emails (in Python for its LinkedIn
URLs), and the match is still made as before: any letter case, spaces around a URL, http or a
country subdomain, /in/ or /pub/, a trailing slash, only revealed emails, and only one person
per identifier."""

from django.utils import timezone

from lists.services.import_store import store_matches
from prospecting.models import Contact


def _stored(lusha_id, *, emails=(), revealed=True, linkedin=None):
    preview = {"socialLinks": {"linkedin": linkedin}} if linkedin is not None else {}
    return Contact.objects.create(
        lusha_id=lusha_id,
        emails=[{"email": e, "type": "work"} for e in emails],
        emails_revealed_at=timezone.now() if revealed else None,
        preview=preview,
    )


def test_rows_match_stored_emails_in_any_case_and_only_revealed_ones(db):
    _stored("1", emails=["Ada@Example.test", "ada.work@example.test"])
    _stored("2", emails=["hidden@example.test"], revealed=False)
    _stored("3", emails=["twice@example.test"])
    _stored("4", emails=["TWICE@example.test"])
    rows = [
        (1, {"email": "ada@example.TEST"}),
        (2, {"email": "ada.work@example.test"}),
        (3, {"email": "hidden@example.test"}),
        (4, {"email": "twice@example.test"}),
        (5, {"email": "nobody@example.test"}),
    ]

    assert store_matches("contacts", rows) == {1: "1", 2: "1"}


def test_rows_match_stored_linkedin_urls_however_either_side_writes_them(db):
    _stored("10", linkedin="  https://www.LinkedIn.com/in/Ada-Lovelace/  ")
    _stored("11", linkedin="http://uk.linkedin.com/pub/grace-hopper")
    _stored("12", linkedin="https://www.linkedin.com/company/acme")  # a company, not a person
    _stored("13", linkedin="")
    rows = [
        (1, {"linkedin_url": "linkedin.com/in/ada-lovelace"}),
        (2, {"linkedin_url": "https://www.linkedin.com/pub/Grace-Hopper/"}),
        (3, {"linkedin_url": "https://www.linkedin.com/in/acme"}),
        (4, {"linkedin_url": "https://www.linkedin.com/in/nobody"}),
    ]

    assert store_matches("contacts", rows) == {1: "10", 2: "11"}
