"""A query compiled once a process answers each run with that run's values, as the ORM would."""

from datetime import timedelta

import pytest
from django.utils import timezone

from lists.models import LeadList
from lusha_portal.compiled_sql import (
    SENTINEL_ID,
    SENTINEL_MOMENT,
    SENTINEL_TEXT,
    CompiledQuery,
    columns_of,
)

LISTS_OF_OWNER = CompiledQuery(
    lambda owner_id, kind, since: (
        LeadList.objects.filter(owner_id=owner_id, kind=kind, created_at__gte=since)
        .order_by("name")
        .values_list("name")
    ),
    owner_id=SENTINEL_ID,
    kind=SENTINEL_TEXT,
    since=SENTINEL_MOMENT,
)


def test_each_run_takes_its_own_values_and_answers_as_the_orm_does(db, bob, betty):
    for owner, name, kind in ((bob, "B1", "contacts"), (bob, "B2", "companies"),
                              (betty, "T1", "contacts")):  # fmt: skip
        LeadList.objects.create(owner=owner, name=name, kind=kind)
    since = timezone.now() - timedelta(hours=1)
    assert LISTS_OF_OWNER.rows(owner_id=bob.pk, kind="contacts", since=since) == [("B1",)]
    assert LISTS_OF_OWNER.rows(owner_id=betty.pk, kind="contacts", since=since) == [("T1",)]
    assert LISTS_OF_OWNER.rows(owner_id=bob.pk, kind="companies", since=since) == [("B2",)]
    assert LISTS_OF_OWNER.rows(owner_id=bob.pk, kind="contacts", since=timezone.now()) == []


def test_a_value_must_be_given_for_every_sentinel_and_no_other(db, bob):
    with pytest.raises(TypeError):
        LISTS_OF_OWNER.rows(owner_id=bob.pk, kind="contacts")
    with pytest.raises(TypeError):
        LISTS_OF_OWNER.rows(owner_id=bob.pk, kind="contacts", since=timezone.now(), page=2)


def test_a_sentinel_the_query_never_uses_is_refused_rather_than_ignored(db):
    unused = CompiledQuery(
        lambda owner_id: LeadList.objects.filter(pk=1).values_list("pk"), owner_id=SENTINEL_ID
    )
    with pytest.raises(ValueError, match="owner_id must be one parameter"):
        unused.rows(owner_id=1)


def test_instances_load_as_the_orm_loads_them_and_save_as_updates(db, bob):
    made = LeadList.objects.create(owner=bob, name="Q3", kind="contacts", shared=True)
    by_id = CompiledQuery(
        lambda list_id: LeadList.objects.filter(pk=list_id).values_list(*columns_of(LeadList)),
        list_id=SENTINEL_ID,
    )
    (loaded,) = by_id.instances(LeadList, list_id=made.pk)
    expected = LeadList.objects.get(pk=made.pk)
    assert [getattr(loaded, name) for name in columns_of(LeadList)] == [
        getattr(expected, name) for name in columns_of(LeadList)
    ]
    loaded.name = "Q4"
    loaded.save(update_fields=["name"])
    assert LeadList.objects.get().name == "Q4"
