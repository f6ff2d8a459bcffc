"""Who may see and change which lead lists. Every lists view goes through these."""

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import Role, User
from lists.kept_counts import kept_while_unchanged
from lists.models import LeadList, LeadListMember
from lusha_portal.compiled_sql import (
    SENTINEL_ID,
    SENTINEL_OTHER_ID,
    SENTINEL_TEXT,
    CompiledQuery,
    columns_of,
)


def lists_visible(user: User) -> QuerySet:
    """BDRs see their own lists and the team's shared ones; managers and admins see all."""
    lists = LeadList.objects.select_related("owner")
    if user.is_manager:
        return lists
    return lists.filter(Q(owner=user) | Q(shared=True))


LIST_TOTALS_KEY = "lists:member-totals:v1"


def list_member_totals() -> dict[int, int]:
    """How many members each list has (lists with none left out), kept in the cache while no
    list's members have changed (lists/kept_counts.py): counted from the members' index on
    every lists page, a list of 50,000 was 10 ms of it."""

    def count() -> dict[str, int]:
        rows = LeadListMember.objects.order_by().values("lead_list_id").annotate(n=Count("pk"))
        return {str(row["lead_list_id"]): row["n"] for row in rows}  # JSON keys are strings

    return {int(key): value for key, value in kept_while_unchanged(LIST_TOTALS_KEY, count).items()}


def lists_with_counts(user: User) -> list[LeadList]:
    """The visible lists (ordered by name), each with `member_count`."""
    totals = list_member_totals()
    lists = list(lists_visible(user).order_by(Lower("name"), "pk"))
    for lead_list in lists:
        lead_list.member_count = totals.get(lead_list.pk, 0)
    return lists


def _list_seen_by(role: str, **sentinels) -> CompiledQuery:
    # lists_visible's own rule for a stand-in of the role; the viewer's id a sentinel.
    def build(list_id, user_id=SENTINEL_OTHER_ID):
        return (
            lists_visible(User(pk=user_id, role=role))
            .filter(pk=list_id)
            .values_list(*columns_of(LeadList), "owner__username")
        )

    return CompiledQuery(build, list_id=SENTINEL_ID, **sentinels)


# Every list page reads its list first: by a query compiled once a process.
_LIST_SEEN_BY_A_BDR = _list_seen_by(Role.BDR, user_id=SENTINEL_OTHER_ID)
_LIST_SEEN_BY_A_MANAGER = _list_seen_by(Role.MANAGER)
_LARGEST_ID = 2**63 - 1


def _list_seen_by_user(user: User, list_id: int) -> LeadList | None:
    if not 0 < list_id <= _LARGEST_ID:  # no such id: not a question for the database
        return None
    if user.is_manager:
        rows = _LIST_SEEN_BY_A_MANAGER.rows(list_id=list_id)
    else:
        rows = _LIST_SEEN_BY_A_BDR.rows(list_id=list_id, user_id=user.pk)
    if not rows:
        return None
    *columns, owner_name = rows[0]
    lead_list = LeadList.from_db(DEFAULT_DB_ALIAS, columns_of(LeadList), columns)
    # The owner as the pages show them (their name); any other field loads when read.
    lead_list.owner = User.from_db(
        DEFAULT_DB_ALIAS, ["id", "username"], [lead_list.owner_id, owner_name]
    )
    return lead_list


def _targets_seen_by(role: str, **sentinels) -> CompiledQuery:
    def build(kind, list_id, user_id=SENTINEL_OTHER_ID):
        return (
            lists_visible(User(pk=user_id, role=role))
            .filter(kind=kind)
            .exclude(pk=list_id)
            .order_by(Lower("name"), "pk")
            .values_list("pk", "name", "owner_id", "owner__username")
        )

    return CompiledQuery(build, kind=SENTINEL_TEXT, list_id=SENTINEL_ID, **sentinels)


_TARGETS_SEEN_BY_A_BDR = _targets_seen_by(Role.BDR, user_id=SENTINEL_OTHER_ID)
_TARGETS_SEEN_BY_A_MANAGER = _targets_seen_by(Role.MANAGER)


def list_move_targets(user: User, lead_list: LeadList) -> list[tuple[int, str, int, str]]:
    """(id, name, owner id, owner's name) of the other visible lists of the same kind, by
    name: where a list page's ticked members can be copied or moved (a query compiled once a
    process: every list page offers them)."""
    values = {"kind": lead_list.kind, "list_id": lead_list.pk}
    if user.is_manager:
        return _TARGETS_SEEN_BY_A_MANAGER.rows(**values)
    return _TARGETS_SEEN_BY_A_BDR.rows(**values, user_id=user.pk)


def list_for_user(user: User, list_id: int, *, change: bool = False) -> LeadList:
    """The list if the user may see it (and, with `change`, change it), else 404: a private
    list of someone else does not exist as far as a BDR can tell."""
    lead_list = _list_seen_by_user(user, list_id)
    if lead_list is None:
        raise Http404("No such list.")
    if change and not list_changeable_by(user, lead_list):
        raise Http404("No such list.")
    return lead_list


def list_changeable_by(user: User, lead_list: LeadList) -> bool:
    """Owners change their lists; managers and admins change any; shared lists take members
    from the team but only their owner renames, shares or deletes them."""
    return lead_list.owner_id == user.pk or user.role in (Role.MANAGER, Role.ADMIN)
