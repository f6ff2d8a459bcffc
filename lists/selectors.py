"""Who may see and change which lead lists. Every lists view goes through these."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role, User
from lists.models import LeadList, LeadListMember


def lists_visible(user: User) -> QuerySet:
    """BDRs see their own lists and the team's shared ones; managers and admins see all."""
    lists = LeadList.objects.select_related("owner")
    if user.role in (Role.MANAGER, Role.ADMIN):
        return lists
    return lists.filter(Q(owner=user) | Q(shared=True))


def lists_with_counts(user: User) -> QuerySet:
    """The visible lists, each with `member_count`. A count per list from the members' index
    (a subquery), not a join of every membership grouped by list: the index page then reads
    no member row, whatever the lists hold."""
    members = (
        LeadListMember.objects.filter(lead_list=OuterRef("pk"))
        .order_by()
        .values("lead_list")
        .annotate(count=Count("pk"))
        .values("count")
    )
    counted = Coalesce(Subquery(members, output_field=IntegerField()), 0)
    return lists_visible(user).annotate(member_count=counted)


def list_for_user(user: User, list_id: int, *, change: bool = False) -> LeadList:
    """The list if the user may see it (and, with `change`, change it), else 404: a private
    list of someone else does not exist as far as a BDR can tell."""
    lead_list = lists_visible(user).filter(pk=list_id).first()
    if lead_list is None:
        raise Http404("No such list.")
    if change and not list_changeable_by(user, lead_list):
        raise Http404("No such list.")
    return lead_list


def list_changeable_by(user: User, lead_list: LeadList) -> bool:
    """Owners change their lists; managers and admins change any; shared lists take members
    from the team but only their owner renames, shares or deletes them."""
    return lead_list.owner_id == user.pk or user.role in (Role.MANAGER, Role.ADMIN)
