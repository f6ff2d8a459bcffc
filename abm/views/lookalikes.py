"""Lookalikes: from a list (or its ticked members) the most a page can cost and which lists to
leave out, then the results a page at a time like prospecting's, "more results" in the same
Lusha session, the ticked results into a list, and the person's recent searches."""

from __future__ import annotations

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abm.forms import LOOKALIKE_PAGE_SIZES, LookalikeStartForm, ResultsAddForm
from abm.models import LookalikePage, LookalikeSearch
from abm.services.lookalikes import (
    DEFAULT_PAGE_SIZE,
    LookalikeRefusedError,
    lookalike_cost,
    lookalike_page,
    lookalike_price,
    lookalike_search_start,
    lookalike_searches_of,
    lookalike_seeds,
)
from accounts.permissions import EVERYONE, role_required
from lists.models import LeadListMember
from lists.selectors import list_for_user, lists_visible
from lusha_portal.lusha.errors import LushaError
from prospecting.models import Kind
from prospecting.services import lead_list_add, lead_list_create, lead_lists_writable
from spend.budget_requests import budget_raisers_sentence
from spend.budgets import BudgetExceededError, budget_left

WHAT = {Kind.CONTACTS: "people", Kind.COMPANIES: "companies"}
JUST_FETCHED = "lookalike_just_fetched"


def _search_for(user, search_id: int) -> LookalikeSearch:
    """The person's own search (managers: anyone's); 404 for the rest, as for lists."""
    search = get_object_or_404(LookalikeSearch, pk=search_id)
    if search.created_by_id != user.pk and not user.is_manager:
        raise Http404("No such lookalike search.")
    return search


def _search_url(search, page: int | None = None) -> str:
    url = reverse("abm:lookalike", args=[search.pk])
    return f"{url}?page={page}" if page else url


def _page_number(raw: str) -> int | None:
    """A page number from a form or the URL (1 and up), or None."""
    raw = raw.strip()
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 1_000_000:
        return int(raw)
    return None


def _refusal(error: Exception) -> str:
    if isinstance(error, BudgetExceededError):
        return f"{error} {budget_raisers_sentence()}"
    return str(error)


@role_required(*EVERYONE)
@require_http_methods(["GET", "POST"])
def lookalike_new(request, list_id: int):
    """What a lookalike search of this list (or its ticked members) would send and cost at
    most, with the lists to leave out. A POST comes from the list page's ticked members;
    nothing is asked of Lusha here."""
    lead_list = list_for_user(request.user, list_id)
    form = LookalikeStartForm(request.POST or None, initial={"page_size": DEFAULT_PAGE_SIZE})
    return _new_page(request, lead_list, form)


def _new_page(request, lead_list, form, *, refused: str = "", status: int = 200):
    user, kind = request.user, lead_list.kind
    member_ids, seeds = None, []
    if form.is_bound and not form.is_valid():
        refused = refused or " ".join(e for errors in form.errors.values() for e in errors)
    elif form.is_bound:
        member_ids = form.member_ids()
    if not (form.is_bound and form.errors):
        try:
            seeds = lookalike_seeds(lead_list=lead_list, member_ids=member_ids)
        except LookalikeRefusedError as error:
            refused = refused or str(error)
    status = 400 if refused and status == 200 and form.is_bound else status
    price = lookalike_price(kind)
    chosen_size = DEFAULT_PAGE_SIZE
    exclude_chosen = None
    if form.is_bound and form.is_valid():
        chosen_size = form.cleaned_data["page_size"]
        exclude_chosen = set(form.cleaned_data["exclude"]) if "page_size" in form.data else None
    lists = lists_visible(user).filter(kind=kind).select_related("owner").order_by(Lower("name"))
    context = {
        "nav_section": "lists",
        "lead_list": lead_list,
        "what": WHAT[kind],
        "seeds": len(seeds),
        "member_ids": member_ids,
        "refused": refused,
        "price": price,
        "sizes": [(size, size * price) for size in LOOKALIKE_PAGE_SIZES],
        "chosen_size": chosen_size,
        "most": lookalike_cost(kind=kind, page_size=chosen_size),
        "exclude_lists": [
            (other, exclude_chosen is None or other.pk in exclude_chosen) for other in lists
        ],
        "budget": budget_left(user_id=user.pk),
    }
    return render(request, "abm/lookalike_new.html", context, status=status)


@role_required(*EVERYONE)
@require_POST
def lookalike_start(request, list_id: int):
    """Start the search and ask for its first page; a refusal shows on the same page, with
    what was chosen kept."""
    lead_list = list_for_user(request.user, list_id)
    form = LookalikeStartForm(request.POST)
    if not form.is_valid():
        return _new_page(request, lead_list, form)
    try:
        seeds = lookalike_seeds(lead_list=lead_list, member_ids=form.member_ids())
        search = lookalike_search_start(
            user=request.user,
            kind=lead_list.kind,
            seed_ids=seeds,
            source_list=lead_list,
            exclude_list_ids=form.cleaned_data["exclude"],
            page_size=form.cleaned_data["page_size"],
        )
    except (LookalikeRefusedError, BudgetExceededError) as error:
        return _new_page(request, lead_list, form, refused=_refusal(error), status=400)
    _fetch_next(request, search)
    return redirect(_search_url(search, 1))


def _fetch_next(request, search) -> bool:
    """Ask Lusha for the search's next page; a refusal goes in the messages."""
    number = search.pages.count()
    try:
        result = lookalike_page(search=search, number=number, user=request.user)
    except LushaError as error:
        messages.error(request, str(error))
        return False
    except (LookalikeRefusedError, BudgetExceededError) as error:
        messages.error(request, f"Nothing was asked of Lusha: {_refusal(error)}")
        return False
    # The page shown next is the one just paid for: not a revisit, not a saving.
    request.session[JUST_FETCHED] = [search.pk, number]
    count = len(result.records)
    credits = result.search.credits_spent
    messages.success(
        request,
        f"Lusha found {count} {WHAT[search.kind]} like your seeds on page {number + 1} "
        f"({credits} credit{'s' if credits != 1 else ''} spent on this search so far).",
    )
    return True


@role_required(*EVERYONE)
@require_GET
def lookalike(request, search_id: int):
    """A page of a search's results. Pages fetched before are shown again for free; the next
    one is asked for with "More results" (a POST), never by opening an address."""
    user = request.user
    search = _search_for(user, search_id)
    fetched = search.pages.count()
    raw = request.GET.get("page", "1")
    notice = ""
    number = _page_number(raw)
    if number is None:
        notice, number = f"“{raw[:20]}” is not a page number: showing page 1.", 1
    result = None
    if fetched and number > fetched:
        notice = (
            f"There is no page {number} yet: {fetched} page{'s' if fetched != 1 else ''} of "
            "these lookalikes have been fetched. Ask for more from the last page."
        )
    elif fetched:
        fresh = request.session.pop(JUST_FETCHED, None) == [search.pk, number - 1]
        result = lookalike_page(search=search, number=number - 1, user=user, count_saved=not fresh)
    rows, writable = [], lead_lists_writable(user, search.kind)
    if result is not None:
        mine = _in_my_lists(user, search.kind, result.records)
        rows = [
            {
                "record": record,
                "in_my_lists": record.pk in mine,
                "in_excluded": record.lusha_id in result.in_excluded,
            }
            for record in result.records
        ]
    context = {
        "nav_section": "lists",
        "search": search,
        "what": WHAT[search.kind],
        "kind": search.kind,
        "result": result,
        "rows": rows,
        "number": number,
        "fetched": fetched,
        "page_numbers": range(1, fetched + 1),
        "notice": notice,
        "last_page_url": _search_url(search, fetched) if fetched else "",
        "more_cost": lookalike_cost(kind=search.kind, page_size=search.page_size),
        "can_ask_more": search.has_more and not search.expired and number >= fetched,
        "targets": writable.select_related("owner").order_by(Lower("name")),
        "source": lists_visible(user).filter(pk=search.source_list_id).first()
        if search.source_list_id
        else None,
    }
    return render(request, "abm/lookalike.html", context)


def _in_my_lists(user, kind: str, records) -> set[int]:
    name = "contact" if kind == Kind.CONTACTS else "company"
    return set(
        LeadListMember.objects.filter(
            lead_list__owner=user, **{f"{name}__in": [r.pk for r in records]}
        ).values_list(f"{name}_id", flat=True)
    )


@role_required(*EVERYONE)
@require_POST
def lookalike_more(request, search_id: int):
    """The next page of results, in the same dedupe session: none repeats an earlier one."""
    search = _search_for(request.user, search_id)
    _fetch_next(request, search)
    return redirect(_search_url(search, max(1, search.pages.count())))


@role_required(*EVERYONE)
@require_POST
def lookalike_add(request, search_id: int):
    """Add the ticked results to one of the person's lists of that kind, or a new one."""
    user = request.user
    search = _search_for(user, search_id)
    targets = list(lead_lists_writable(user, search.kind))
    form = ResultsAddForm(request.POST, targets=targets, what=WHAT[search.kind])
    page = request.POST.get("page", "")
    back = redirect(_search_url(search, _page_number(page)))
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose which results to add, and where."]:
            messages.error(request, error)
        return back
    cleaned = form.cleaned_data
    results = {i for ids in search.pages.values_list("lusha_ids", flat=True) for i in ids}
    ids = [i for i in cleaned["ids"] if i in results]  # only this search's results
    if not ids:
        messages.error(request, "None of the ticked rows is a result of this search.")
        return back
    target = next((t for t in targets if t.pk == cleaned.get("target")), None)
    if target is None:
        target = lead_list_create(owner=user, name=cleaned["new_list"], kind=search.kind)
    added, already = lead_list_add(lead_list=target, lusha_ids=ids, user=user)
    note = f" ({already} already there)" if already else ""
    messages.success(request, f"Added {added} to “{target.name}”{note}.")
    return back


@role_required(*EVERYONE)
@require_GET
def lookalike_searches(request):
    """The person's recent lookalike searches: every page paid for can be opened again."""
    searches = lookalike_searches_of(user=request.user)
    sources = lists_visible(request.user).in_bulk(
        [s.source_list_id for s in searches if s.source_list_id]
    )
    pages: dict[int, list[int]] = {}
    for search_id, ids in LookalikePage.objects.filter(search__in=searches).values_list(
        "search_id", "lusha_ids"
    ):
        pages.setdefault(search_id, []).append(len(ids))
    rows = [
        {
            "search": search,
            "what": WHAT[search.kind],
            "pages": len(pages.get(search.pk, [])),
            "results": sum(pages.get(search.pk, [])),
            "source": sources.get(search.source_list_id),
        }
        for search in searches
    ]
    return render(request, "abm/lookalikes.html", {"nav_section": "lists", "rows": rows})
