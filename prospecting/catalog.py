"""Lusha's filter catalogs (filter types and their values), cached in Redis for a day.

An empty answer (no filter types, no values) is kept only for a minute: it is more likely a
passing fault than a catalog that is really empty, and a day of an empty filter panel would
hide every filter. The page says Lusha returned no choices meanwhile.

Admins can refresh them: a version number in the cache key, bumped, makes every cached
catalog stale at once without scanning keys.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from accounts.connection import lusha_client
from accounts.models import Purpose, User
from lusha_portal.lusha.errors import LushaError
from prospecting.filter_specs import FilterSpec

logger = logging.getLogger(__name__)

CATALOG_SECONDS = 24 * 60 * 60
EMPTY_CATALOG_SECONDS = 60
_VERSION_KEY = "catalog:version"


class CatalogUnavailableError(Exception):
    """A catalog could not be read from Lusha; the message says why, for that filter's place."""


@dataclass(frozen=True)
class Option:
    token: str
    label: str
    group: str = ""


def _version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def catalog_refresh() -> None:
    """Make every cached catalog stale; the next page view reads them from Lusha again."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


class CatalogSnapshot:
    """The cached catalogs a filter panel needs, read from Redis in one round trip (and the
    version once) instead of two reads for each of them; what is not cached yet is fetched as
    usual when asked for."""

    def __init__(self, *, sides, specs):
        self.version = _version()
        keys = [f"{side}:types" for side in sides] + [_options_key(spec, "") for spec in specs]
        full_keys = {f"catalog:{self.version}:{key}": key for key in keys}
        self.found = {full_keys[k]: v for k, v in cache.get_many(list(full_keys)).items()}


def _options_key(spec: FilterSpec, query: str) -> str:
    return f"{spec.side}:{spec.filter_type}:{spec.pick}:{query.lower()}"


def _cached(key: str, fetch, snapshot: CatalogSnapshot | None = None):
    if snapshot is not None and snapshot.found.get(key) is not None:
        return snapshot.found[key]
    full_key = f"catalog:{snapshot.version if snapshot else _version()}:{key}"
    value = cache.get(full_key) if snapshot is None else None
    if value is None:
        value = fetch()
        cache.set(full_key, value, timeout=CATALOG_SECONDS if value else EMPTY_CATALOG_SECONDS)
    return value


def catalog_filter_types(
    *, side: str, user: User | None = None, snapshot: CatalogSnapshot | None = None
) -> set[str]:
    """The filter types Lusha offers for contacts or companies (empty: Lusha listed none)."""

    def fetch():
        client = lusha_client(purpose=Purpose.FILTER_CATALOG, user=user)
        answer = (
            client.contact_filter_types() if side == "contacts" else client.company_filter_types()
        )
        listed = answer.data.get("availableFilters")
        return [
            str(item.get("filterType") or "")
            for item in (listed if isinstance(listed, list) else [])
            if isinstance(item, dict)
        ]

    try:
        return set(_cached(f"{side}:types", fetch, snapshot)) - {""}
    except LushaError as error:
        raise CatalogUnavailableError(str(error)) from error


def catalog_options(
    spec: FilterSpec,
    *,
    query: str = "",
    user: User | None = None,
    snapshot: CatalogSnapshot | None = None,
) -> list[Option]:
    """A filter's values (for a lookup type, those matching `query`), as tokens and labels.
    An empty list means Lusha returned no choices."""
    query = query.strip()[:100]

    def fetch():
        client = lusha_client(purpose=Purpose.FILTER_CATALOG, user=user)
        values = (
            client.contact_filter_values(spec.filter_type, query=query)
            if spec.side == "contacts"
            else client.company_filter_values(spec.filter_type, query=query)
        ).data.get("values") or []
        options = []
        for value in spec.catalog_values(values if isinstance(values, list) else []):
            try:
                group = str(value.get("group") or "") if isinstance(value, dict) else ""
                options.append((spec.token(value), spec.label_for(value), group))
            except (KeyError, TypeError, ValueError, AttributeError):
                # One odd value must not cost the whole filter its list.
                logger.warning("catalog %s: skipped a value of unexpected shape", spec.filter_type)
        return options

    try:
        found = _cached(_options_key(spec, query), fetch, snapshot if not query else None)
    except LushaError as error:
        raise CatalogUnavailableError(str(error)) from error
    return [Option(*item) for item in found if item[0]]
