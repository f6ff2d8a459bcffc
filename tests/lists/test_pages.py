"""The lists pages: index, detail (filters, sorting, paging, htmx), changing lists and their
members, and who may see and change what. Bob and Betty are BDRs, Mona manages them."""

import re
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lists.models import EnrichmentJob, LeadList, LeadListMember
from prospecting.models import Company, Contact

EMAILS = [{"email": "ada@acme.test", "type": "work", "confidence": "A+"}]
PHONES = [{"number": "+44 20 7946 0000", "type": "direct", "doNotCall": False}]


def contact(lusha_id: str, first: str, last: str = "", **fields) -> Contact:
    fields.setdefault("company_name", "Acme")
    return Contact.objects.create(lusha_id=lusha_id, first_name=first, last_name=last, **fields)


def revealed(lusha_id: str, first: str, last: str = "", *, emails=EMAILS, phones=PHONES, **fields):
    now = timezone.now()
    return contact(
        lusha_id,
        first,
        last,
        emails=emails or [],
        phones=phones or [],
        emails_revealed_at=now if emails is not None else None,
        phones_revealed_at=now if phones is not None else None,
        **fields,
    )


def a_list(owner, name="Q3 outbound", *, kind="contacts", shared=False, records=()) -> LeadList:
    lead_list = LeadList.objects.create(owner=owner, name=name, kind=kind, shared=shared)
    field = "contact" if kind == "contacts" else "company"
    for record in records:
        LeadListMember.objects.create(lead_list=lead_list, added_by=owner, **{field: record})
    return lead_list


def member_ids(lead_list, *records) -> list[int]:
    field = "contact" if lead_list.kind == "contacts" else "company"
    return [
        LeadListMember.objects.get(lead_list=lead_list, **{field: record}).pk for record in records
    ]


def names_in(lead_list) -> set[str]:
    return {
        str(m.contact) for m in LeadListMember.objects.filter(lead_list=lead_list).select_related()
    }


@pytest.fixture
def people(db):
    """Ada has email and phone, Bo only an email, Cy nothing revealed yet (Lusha has both)."""
    return {
        "ada": revealed("c1", "Ada", "Lovelace", company_name="Zeta Corp", location="London, UK"),
        "bo": revealed("c2", "Bo", "Brown", phones=None, company_name="Acme"),
        "cy": contact("c3", "Cy", "Young", has_email=True, has_phone=True, company_name="Mid"),
    }


@pytest.fixture
def bobs_list(bob, people):
    return a_list(bob, "Bob's private", records=people.values())


@pytest.fixture
def bettys_private(betty, people):
    return a_list(betty, "Betty's secret", records=[people["ada"]])


@pytest.fixture
def bettys_shared(betty, people):
    return a_list(betty, "Betty's team list", shared=True, records=[people["ada"], people["bo"]])


# ---- the index ------------------------------------------------------------------------------


def test_bob_sees_his_lists_and_the_teams_shared_ones_but_not_bettys_private_one(
    client_for, bob, bobs_list, bettys_private, bettys_shared
):
    page = client_for(bob).get("/lists/").content.decode()
    assert "Bob&#x27;s private" in page
    assert "Betty&#x27;s team list" in page
    assert "Betty&#x27;s secret" not in page
    assert "Everyone else" not in page


def test_the_index_shows_kind_member_count_owner_and_whether_shared(
    client_for, bob, bobs_list, bettys_shared
):
    page = client_for(bob).get("/lists/").content.decode()
    assert '<td class="num">3</td>' in page  # Bob's three members
    assert '<td class="num">2</td>' in page  # Betty's two
    assert "<td>betty</td>" in page
    assert "Shared with the team" in page
    assert "<td>Private</td>" in page
    assert "<td>Contacts</td>" in page
    assert 'href="/lists/import/"' in page


def test_mona_sees_everyones_lists_private_ones_included(
    client_for, mona, bobs_list, bettys_private, bettys_shared
):
    page = client_for(mona).get("/lists/").content.decode()
    assert "Everyone else's private lists" in page
    for name in ("Bob&#x27;s private", "Betty&#x27;s secret", "Betty&#x27;s team list"):
        assert name in page


def test_the_lists_link_in_the_navigation_leads_here_and_is_marked_current(client_for, bob):
    page = client_for(bob).get("/lists/").content.decode()
    assert '<a href="/lists/" aria-current="page">Lists</a>' in page


def test_bob_creates_a_shared_list_of_companies(client_for, bob):
    response = client_for(bob).post(
        "/lists/", {"name": "  Fintech targets ", "kind": "companies", "shared": "on"}
    )
    lead_list = LeadList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lists/{lead_list.pk}/"
    assert (lead_list.name, lead_list.kind, lead_list.shared, lead_list.owner) == (
        "Fintech targets",
        "companies",
        True,
        bob,
    )


@pytest.mark.parametrize(
    "data", [{"name": "", "kind": "contacts"}, {"name": "x" * 121, "kind": "contacts"},
             {"name": "Fine", "kind": "people"}],
)  # fmt: skip
def test_a_list_without_a_good_name_or_kind_is_refused_with_a_message(client_for, bob, data):
    response = client_for(bob).post("/lists/", data)
    assert response.status_code == 400
    assert b'class="errorlist' in response.content
    assert not LeadList.objects.exists()


def test_a_list_name_is_shown_as_text_never_as_markup(client_for, bob):
    LeadList.objects.create(owner=bob, name="<img src=x onerror=alert(1)>", kind="contacts")
    page = client_for(bob).get("/lists/").content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;</a>" in page


def test_a_refused_new_list_keeps_the_kind_that_was_chosen(client_for, bob):
    page = client_for(bob).post("/lists/", {"name": "", "kind": "companies"}).content.decode()
    assert 'value="companies" id="id_kind_1" required checked>' in page
    assert 'value="contacts" id="id_kind_0" required>' in page


# ---- the detail page ------------------------------------------------------------------------


def test_the_detail_page_shows_contacts_with_their_revealed_emails_and_phones(
    client_for, bob, bobs_list
):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode()
    assert "Ada Lovelace" in page
    assert "Zeta Corp" in page
    assert "London, UK" in page
    assert '<a href="mailto:ada@acme.test">ada@acme.test</a>' in page
    assert '<a href="tel:+44 20 7946 0000">+44 20 7946 0000</a>' in page
    assert "revealed " in page
    assert "<dt>With an email</dt><dd>2</dd>" in page
    assert "<dt>With a phone</dt><dd>1</dd>" in page
    assert "<dt>Not yet enriched</dt><dd>1</dd>" in page


def test_what_lusha_has_but_nobody_revealed_shows_as_available_not_as_a_value(
    client_for, bob, people
):
    lead_list = a_list(bob, records=[people["cy"]])
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert page.count(">available</span>") == 2
    assert "mailto:" not in page


def test_do_not_call_numbers_are_marked(client_for, bob):
    person = revealed(
        "c9", "Dee", phones=[{"number": "+1 555 0100", "type": "mobile", "doNotCall": True}]
    )
    lead_list = a_list(bob, records=[person])
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert '<span class="badge">do not call</span>' in page


def test_company_lists_show_name_domain_industry_and_location(client_for, bob):
    company = Company.objects.create(
        lusha_id="co1", name="Acme", domain="acme.test", industry="Software", location="Berlin"
    )
    lead_list = a_list(bob, kind="companies", records=[company])
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    for text in ("Acme", "acme.test", "Software", "Berlin", "not yet"):
        assert text in page
    assert 'name="email"' not in page  # email and phone filters are for contacts


def test_the_detail_page_links_to_enrich_import_and_export(client_for, bob, bobs_list):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode()
    assert f'href="/lists/{bobs_list.pk}/enrich/"' in page
    assert f'href="/lists/import/?list={bobs_list.pk}"' in page
    assert f'href="/lists/{bobs_list.pk}/export/"' in page


def test_the_members_table_is_an_htmx_partial(client_for, bob, bobs_list):
    response = client_for(bob).get(
        f"/lists/{bobs_list.pk}/", {"email": "1"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="members">')
    assert "<html" not in body
    assert "<strong>2</strong> of 3 members match: has an email." in body
    assert f'href="/lists/{bobs_list.pk}/export/?email=1"' in body


def test_the_filter_form_refreshes_the_table_and_pushes_the_url(client_for, bob, bobs_list):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode()
    assert 'hx-target="#members"' in page
    assert 'hx-push-url="true"' in page
    for label in ("Has an email", "Has a phone", "Not yet enriched", "Sort by"):
        assert label in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"email": "1"}, ["Ada", "Bo Brown"], ["Cy Young"]),
        ({"phone": "1"}, ["Ada"], ["Bo Brown", "Cy Young"]),
        ({"pending": "1"}, ["Cy Young"], ["Ada", "Bo Brown"]),
        ({"email": "1", "phone": "1"}, ["Ada"], ["Bo Brown", "Cy Young"]),
    ],
)
def test_members_filter_by_email_phone_and_not_yet_enriched(
    client_for, bob, bobs_list, query, shown, hidden
):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/", query).content.decode()
    for name in shown:
        assert name in page
    for name in hidden:
        assert name not in page


def test_a_revealed_but_empty_email_list_does_not_count_as_having_an_email(client_for, bob):
    nobody = revealed("c8", "Nobody", "Here", emails=[], phones=[])
    lead_list = a_list(bob, records=[nobody])
    page = client_for(bob).get(f"/lists/{lead_list.pk}/", {"email": "1"}).content.decode()
    assert "Nobody Here" not in page
    page = client_for(bob).get(f"/lists/{lead_list.pk}/").content.decode()
    assert "nothing found" in page


def _row_order(page: str, names: list[str]) -> list[str]:
    return sorted(names, key=page.index)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["Ada", "Bo Brown", "Cy Young"]),
        ("-name", ["Cy Young", "Bo Brown", "Ada"]),
        ("company", ["Bo Brown", "Cy Young", "Ada"]),  # Acme, Mid, Zeta Corp
        ("-company", ["Ada", "Cy Young", "Bo Brown"]),
        ("added", ["Ada", "Bo Brown", "Cy Young"]),
        ("-added", ["Cy Young", "Bo Brown", "Ada"]),
    ],
)
def test_members_sort_by_name_company_and_when_added(client_for, bob, bobs_list, sort, expected):
    start = timezone.now() - timedelta(days=3)
    for offset, member in enumerate(bobs_list.members.order_by("contact__lusha_id")):
        LeadListMember.objects.filter(pk=member.pk).update(added_at=start + timedelta(hours=offset))
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/", {"sort": sort}).content.decode()
    body = page[page.index('<div id="members">') :]
    assert _row_order(body, expected) == expected


def test_members_page_fifty_at_a_time_keeping_the_filters(client_for, bob):
    people = [contact(f"p{n:03}", f"Person{n:03}", has_email=True) for n in range(120)]
    lead_list = a_list(bob, records=people)
    client = client_for(bob)
    first = client.get(f"/lists/{lead_list.pk}/", {"pending": "1", "sort": "name"})
    assert "Page 1 of 3" in first.content.decode()
    assert "?sort=name&amp;pending=1&amp;page=2" in first.content.decode()
    last = client.get(
        f"/lists/{lead_list.pk}/", {"pending": "1", "sort": "name", "page": "3"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert "Page 3 of 3" in last
    assert last.count('name="members"') == 20
    assert "Person119" in last
    assert "Person000" not in last


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "bogus"},
        {"sort": "<script>alert(1)</script>"},
        {"email": "yes"},
        {"pending": "2"},
        {"page": "-1"},
        {"page": "zzz"},
        {"phone": "<b>"},
    ],
)  # fmt: skip  (a page past the last: tests/test_paging.py)
def test_bad_query_parameters_get_a_clear_message_not_a_500(client_for, bob, bobs_list, query):
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client_for(bob).get(f"/lists/{bobs_list.pk}/", query, **htmx)
        assert response.status_code == 200
        assert b"<script>" not in response.content
        assert b"Ada" in response.content  # the list still shows, without the bad part


def test_an_unknown_sort_says_it_was_ignored(client_for, bob, bobs_list):
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/", {"sort": "bogus"}).content.decode()
    assert "was not understood and was ignored: Sort by" in page


def test_email_filters_on_a_company_list_are_reported(client_for, bob):
    lead_list = a_list(bob, kind="companies")
    page = client_for(bob).get(f"/lists/{lead_list.pk}/", {"email": "1"}).content.decode()
    assert "was not understood and was ignored: Has an email" in page


def test_html_in_names_is_escaped_on_every_page(client_for, bob):
    evil = contact("x1", "<script>alert(1)</script>", "<img src=x onerror=alert(2)>")
    lead_list = a_list(bob, "<script>alert('list')</script>", records=[evil])
    client = client_for(bob)
    for url in ("/lists/", f"/lists/{lead_list.pk}/", f"/lists/{lead_list.pk}/export/",
                f"/lists/{lead_list.pk}/delete/"):  # fmt: skip
        body = client.get(url).content
        assert b"<script>alert" not in body
        assert b"<img src=x" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/lists/{lead_list.pk}/").content


def test_every_control_has_an_accessible_name(client_for, bob, bobs_list):
    a_list(bob, "Another")
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode()
    assert 'aria-label="Select every member on this page"' in page
    assert 'aria-label="Select Ada Lovelace"' in page
    assert '<label for="target">' in page
    assert '<label for="rename-name">' in page


# ---- who may see and change what ------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "export/"), ("post", "export/"), ("post", "rename/"),
     ("post", "share/"), ("get", "delete/"), ("post", "delete/"), ("post", "members/")],
)  # fmt: skip
def test_bob_cannot_reach_bettys_private_list_by_any_url(
    client_for, bob, bettys_private, method, path
):
    client = client_for(bob)
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = getattr(client, method)(f"/lists/{bettys_private.pk}/{path}", **htmx)
        assert response.status_code == 404
        assert b"Betty" not in response.content
    bettys_private.refresh_from_db()
    assert bettys_private.name == "Betty's secret"


def test_bob_sees_bettys_shared_list_without_the_controls_to_change_it(
    client_for, bob, bettys_shared
):
    page = client_for(bob).get(f"/lists/{bettys_shared.pk}/").content.decode()
    assert "Ada Lovelace" in page
    assert "Rename or share" not in page
    assert "Delete list" not in page
    assert 'value="remove"' not in page
    assert 'value="move"' not in page


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [("post", "rename/", {"name": "Mine now"}), ("post", "share/", {"shared": "0"}),
     ("get", "delete/", {}), ("post", "delete/", {})],
)  # fmt: skip
def test_bob_cannot_rename_unshare_or_delete_bettys_shared_list(
    client_for, bob, bettys_shared, method, path, data
):
    response = getattr(client_for(bob), method)(f"/lists/{bettys_shared.pk}/{path}", data)
    assert response.status_code == 403
    bettys_shared.refresh_from_db()
    assert (bettys_shared.name, bettys_shared.shared) == ("Betty's team list", True)


def test_mona_changes_bobs_private_list(client_for, mona, bob, bobs_list):
    client = client_for(mona)
    page = client.get(f"/lists/{bobs_list.pk}/").content.decode()
    assert "Rename or share" in page
    client.post(f"/lists/{bobs_list.pk}/rename/", {"name": "Renamed by Mona"})
    bobs_list.refresh_from_db()
    assert bobs_list.name == "Renamed by Mona"


# ---- changing a list ------------------------------------------------------------------------


def test_bob_renames_his_list(client_for, bob, bobs_list):
    response = client_for(bob).post(f"/lists/{bobs_list.pk}/rename/", {"name": " EMEA CFOs "})
    assert response["Location"] == f"/lists/{bobs_list.pk}/"
    bobs_list.refresh_from_db()
    assert bobs_list.name == "EMEA CFOs"


def test_a_blank_name_keeps_the_old_one_with_a_message(client_for, bob, bobs_list):
    client = client_for(bob)
    response = client.post(f"/lists/{bobs_list.pk}/rename/", {"name": "  "}, follow=True)
    assert "Give the list a name" in response.content.decode()
    bobs_list.refresh_from_db()
    assert bobs_list.name == "Bob's private"


def test_bob_shares_his_list_and_makes_it_private_again(client_for, bob, betty, bobs_list):
    client = client_for(bob)
    page = client.post(f"/lists/{bobs_list.pk}/share/", {"shared": "1"}, follow=True)
    assert "is shared with the team" in page.content.decode()
    bobs_list.refresh_from_db()
    assert bobs_list.shared
    assert client_for(betty).get(f"/lists/{bobs_list.pk}/").status_code == 200

    client_for(bob).post(f"/lists/{bobs_list.pk}/share/", {"shared": "0"})
    bobs_list.refresh_from_db()
    assert not bobs_list.shared
    assert client_for(betty).get(f"/lists/{bobs_list.pk}/").status_code == 404


def test_a_bad_share_value_changes_nothing(client_for, bob, bobs_list):
    client_for(bob).post(f"/lists/{bobs_list.pk}/share/", {"shared": "maybe"})
    bobs_list.refresh_from_db()
    assert not bobs_list.shared


def test_deleting_asks_first_then_deletes_the_list_but_keeps_the_people(client_for, bob, bobs_list):
    EnrichmentJob.objects.create(lead_list=bobs_list, created_by=bob, kind="contacts")
    client = client_for(bob)
    confirm = client.get(f"/lists/{bobs_list.pk}/delete/").content.decode()
    assert "Delete “Bob&#x27;s private”?" in confirm
    assert "3 members" in confirm
    assert "1 enrichment job on this list will stop" in confirm
    assert LeadList.objects.filter(pk=bobs_list.pk).exists()

    response = client.post(f"/lists/{bobs_list.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/lists/"
    assert "Deleted “Bob&#x27;s private”" in response.content.decode()
    assert not LeadList.objects.filter(pk=bobs_list.pk).exists()
    assert Contact.objects.count() == 3


# ---- members: remove, move, copy ------------------------------------------------------------


def test_bob_removes_ticked_members(client_for, bob, bobs_list, people):
    ids = member_ids(bobs_list, people["ada"], people["cy"])
    response = client_for(bob).post(
        f"/lists/{bobs_list.pk}/members/", {"action": "remove", "members": ids}, follow=True
    )
    assert "Removed 2 from" in response.content.decode()
    assert names_in(bobs_list) == {"Bo Brown"}
    assert Contact.objects.count() == 3  # the store keeps them


def test_moving_members_adds_each_once_and_takes_them_off_the_source(
    client_for, bob, bobs_list, people
):
    target = a_list(bob, "Hot leads", records=[people["ada"]])
    ids = member_ids(bobs_list, people["ada"], people["bo"])
    response = client_for(bob).post(
        f"/lists/{bobs_list.pk}/members/",
        {"action": "move", "members": ids, "target": target.pk, "email": "1"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == f"/lists/{bobs_list.pk}/?email=1"
    assert "Moved 1 to “Hot leads” (1 already there)." in response.content.decode()
    assert names_in(bobs_list) == {"Cy Young"}
    assert names_in(target) == {"Ada Lovelace", "Bo Brown"}
    assert target.members.count() == 2


def test_copying_members_keeps_them_here_and_adds_each_once(client_for, bob, bobs_list, people):
    target = a_list(bob, "Hot leads", records=[people["bo"]])
    ids = member_ids(bobs_list, *people.values())
    client = client_for(bob)
    client.post(
        f"/lists/{bobs_list.pk}/members/", {"action": "copy", "members": ids, "target": target.pk}
    )
    client.post(
        f"/lists/{bobs_list.pk}/members/", {"action": "copy", "members": ids, "target": target.pk}
    )
    assert bobs_list.members.count() == 3
    assert target.members.count() == 3
    assert set(target.members.values_list("added_by", flat=True)) == {bob.pk}


def test_bob_copies_from_a_shared_list_but_may_not_remove_or_move_from_it(
    client_for, bob, bettys_shared, people
):
    mine = a_list(bob, "Mine")
    ids = member_ids(bettys_shared, people["ada"])
    client = client_for(bob)
    client.post(
        f"/lists/{bettys_shared.pk}/members/", {"action": "copy", "members": ids, "target": mine.pk}
    )
    assert names_in(mine) == {"Ada Lovelace"}
    for action in ("remove", "move"):
        response = client.post(
            f"/lists/{bettys_shared.pk}/members/",
            {"action": action, "members": ids, "target": mine.pk},
        )
        assert response.status_code == 403
    assert bettys_shared.members.count() == 2


@pytest.mark.parametrize("target_kind", ["bettys_private", "companies", "itself"])
def test_members_go_only_to_other_lists_of_the_same_kind_that_bob_may_add_to(
    client_for, bob, bobs_list, bettys_private, people, target_kind
):
    target = {
        "bettys_private": bettys_private,
        "companies": a_list(bob, "Accounts", kind="companies"),
        "itself": bobs_list,
    }[target_kind]
    ids = member_ids(bobs_list, people["bo"])
    response = client_for(bob).post(
        f"/lists/{bobs_list.pk}/members/",
        {"action": "copy", "members": ids, "target": target.pk},
        follow=True,
    )
    assert "Choose the list to move or copy them to." in response.content.decode()
    assert bettys_private.members.count() == 1
    assert bobs_list.members.count() == 3


def test_the_target_choices_are_bobs_lists_and_shared_ones_of_the_same_kind(
    client_for, bob, bobs_list, bettys_private, bettys_shared
):
    a_list(bob, "My accounts", kind="companies")
    a_list(bob, "My other contacts")
    page = client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode()
    options = page[
        page.index('<select id="target"') : page.index(
            "</select>", page.index('<select id="target"')
        )
    ]
    assert "My other contacts" in options
    assert "Betty&#x27;s team list (betty)" in options
    assert "Betty&#x27;s secret" not in options
    assert "My accounts" not in options
    assert "Bob&#x27;s private" not in options


@pytest.mark.parametrize(
    "data",
    [{"action": "remove"}, {"action": "remove", "members": ["abc"]},
     {"action": "explode", "members": ["1"]}, {"action": "move", "members": ["1"]}],
)  # fmt: skip
def test_a_member_action_without_a_good_selection_says_so_and_changes_nothing(
    client_for, bob, bobs_list, data
):
    response = client_for(bob).post(f"/lists/{bobs_list.pk}/members/", data, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
    assert bobs_list.members.count() == 3


def test_members_of_another_list_cannot_be_removed_through_this_one(
    client_for, bob, bobs_list, bettys_private, people
):
    theirs = member_ids(bettys_private, people["ada"])
    client_for(bob).post(f"/lists/{bobs_list.pk}/members/", {"action": "remove", "members": theirs})
    assert bettys_private.members.count() == 1


def test_a_list_page_asks_the_database_as_often_for_fifty_members_as_for_two(client_for, bob):
    acme = Company.objects.create(lusha_id="co-acme", name="Acme", domain="acme.test")
    people = [
        revealed(f"c-{n}", f"Person{n}", company=acme, departments=["Sales"], seniority="VP")
        for n in range(50)
    ]
    small, big = a_list(bob, "Two", records=people[:2]), a_list(bob, "Fifty", records=people)
    client = client_for(bob)
    asked = {}
    for lead_list in (small, big):
        client.get(f"/lists/{lead_list.pk}/")  # the session and caches warmed
        with CaptureQueriesContext(db_connection) as queries:
            page = client.get(f"/lists/{lead_list.pk}/").content.decode()
        asked[lead_list.name] = len(queries)
        assert "ada@acme.test" in page
        assert "Person1" in page
    assert asked["Fifty"] == asked["Two"]


def _targets(page: str) -> list[str]:
    menu = page[page.index('<select id="target"') :]
    return re.findall(r'<option value="\d+">([^<]+)</option>', menu[: menu.index("</select>")])


def test_members_can_go_to_the_other_lists_of_their_kind_each_may_add_to(
    client_for, bob, betty, mona, bobs_list, bettys_private, bettys_shared
):
    a_list(bob, "another of bob's")
    a_list(bob, "Bob's companies", kind="companies")
    bobs = _targets(client_for(bob).get(f"/lists/{bobs_list.pk}/").content.decode())
    assert bobs == ["another of bob&#x27;s", "Betty&#x27;s team list (betty)"]
    monas = _targets(client_for(mona).get(f"/lists/{bobs_list.pk}/").content.decode())
    assert monas == [
        "another of bob&#x27;s (bob)", "Betty&#x27;s secret (betty)",
        "Betty&#x27;s team list (betty)",
    ]  # fmt: skip


@pytest.mark.parametrize("list_id", ["0", "99999999999999999999999", "9223372036854775808"])
def test_a_list_address_with_an_id_no_list_can_have_is_not_found(client_for, bob, list_id):
    assert client_for(bob).get(f"/lists/{list_id}/").status_code == 404
    assert client_for(bob).get(f"/lists/{list_id}/export/").status_code == 404


def test_the_list_page_names_its_owner_for_another_who_sees_it(
    client_for, bob, bettys_shared, mona
):
    page = client_for(bob).get(f"/lists/{bettys_shared.pk}/").content.decode()
    assert "owned by betty" in page
    assert "owned by betty" in client_for(mona).get(f"/lists/{bettys_shared.pk}/").content.decode()
