"""The columns of the results tables, and each person's choice of them (remembered)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from prospecting.models import Kind, ProspectingPrefs

# (key, heading). The name column is always shown: it carries the row's markers.
CONTACT_COLUMNS = (
    ("title", "Title"),
    ("seniority", "Seniority"),
    ("department", "Department"),
    ("company", "Company"),
    ("location", "Location"),
    ("email", "Email"),
    ("phone", "Phone"),
)
COMPANY_COLUMNS = (
    ("domain", "Domain"),
    ("industry", "Industry"),
    ("employees", "Employees"),
    ("location", "Location"),
    ("people", "People"),
)
DEFAULT_HIDDEN = {"department"}
# A choice saved is read afresh at once (columns_save drops the entry); the timeout bounds a
# change made behind the portal's back.
COLUMNS_CACHE_SECONDS = 600


def columns_available(kind: str) -> tuple[tuple[str, str], ...]:
    return COMPANY_COLUMNS if kind == Kind.COMPANIES else CONTACT_COLUMNS


def _cache_key(user: User, kind: str) -> str:
    return f"prospecting:columns:v1:{user.pk}:{kind}"


def columns_chosen(user: User, kind: str) -> list[str]:
    """The columns this person shows on this tab (the defaults until they choose). From the
    cache: every results page asks, and reading the person's preferences was a query a page;
    columns_save drops the entry."""
    keys = [key for key, _ in columns_available(kind)]
    saved = cache.get(_cache_key(user, kind))
    if not isinstance(saved, list):
        prefs = ProspectingPrefs.objects.filter(user=user).first()
        saved = (
            (prefs.company_columns if kind == Kind.COMPANIES else prefs.contact_columns)
            if prefs
            else []
        )
        cache.set(_cache_key(user, kind), list(saved or []), COLUMNS_CACHE_SECONDS)
    if not saved:
        return [key for key in keys if key not in DEFAULT_HIDDEN]
    return [key for key in keys if key in saved]


def columns_save(*, user: User, kind: str, columns: list[str]) -> list[str]:
    """Remember the columns a person chose (unknown names are dropped; none chosen keeps
    one, so the table never loses every column)."""
    keys = [key for key, _ in columns_available(kind)]
    chosen = [key for key in keys if key in set(columns)] or keys[:1]
    prefs, _ = ProspectingPrefs.objects.get_or_create(user=user)
    field = "company_columns" if kind == Kind.COMPANIES else "contact_columns"
    setattr(prefs, field, chosen)
    prefs.save(update_fields=[field])
    key = _cache_key(user, kind)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))  # a page that read the old row meanwhile
    return chosen
