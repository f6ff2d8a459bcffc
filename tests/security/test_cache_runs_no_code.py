"""Whoever can write to Redis cannot make the portal run code: the cache stores JSON, and a
pickle planted under one of the portal's keys is read as a miss (the value is fetched again
from Lusha), never unpickled."""

import os
import pickle

from django.core.cache import cache

from lusha_portal.redis_client import redis_connection
from tests.signals.helpers import contacts_list


class Planted:
    """A pickle that, when loaded, creates a folder: proof that loading it ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def plant(key: str, marker) -> None:
    redis_connection().set(cache.make_key(key), pickle.dumps(Planted(marker)))


def test_a_pickle_under_the_signal_types_key_does_not_run_when_a_bdr_opens_a_new_watch(
    client_for, bob, sandbox, tmp_path
):
    marker = tmp_path / "ran"
    lead_list = contacts_list(bob, 2)
    plant("signals:types:contacts", marker)
    response = client_for(bob).get(f"/signals/watches/new/?list={lead_list.pk}")
    assert response.status_code == 200
    assert not marker.exists(), "the planted pickle ran"
    assert b"Promotion" in response.content, "the types came from Lusha again"
    assert "promotion" in cache.get("signals:types:contacts")


def test_a_pickle_under_a_catalog_key_does_not_run_on_the_prospecting_page(
    client_for, bob, sandbox, tmp_path
):
    marker = tmp_path / "ran"
    client = client_for(bob)
    client.get("/prospecting/")  # the catalogs are cached now
    catalog_keys = [
        key.decode().split(":", 2)[2]  # "portal:<version>:<key>" -> "<key>"
        for key in redis_connection().scan_iter("portal:*catalog:*")
    ]
    assert catalog_keys, "the page cached its catalogs"
    for key in catalog_keys:
        plant(key, marker)
    response = client.get("/prospecting/")
    assert response.status_code == 200
    assert not marker.exists(), "a planted pickle ran"
    for key in catalog_keys:
        assert not isinstance(cache.get(key), Planted)


def test_what_the_cache_stores_is_json_and_a_value_it_cannot_read_is_a_miss():
    cache.set("security:probe", {"types": ["promotion"], "count": 2})
    raw = redis_connection().get(cache.make_key("security:probe"))
    assert raw == b'{"types":["promotion"],"count":2}'
    redis_connection().set(cache.make_key("security:probe"), b"\x80\x04not json")
    assert cache.get("security:probe", "missing") == "missing"
    assert cache.get_or_set("security:probe", 7) == 7
    assert cache.incr("security:probe") == 8
