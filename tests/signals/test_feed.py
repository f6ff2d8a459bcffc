"""The signals feed: sentences, filters, unread markers and the nav count, marking read, who
sees what, and acting on an event."""

import datetime

import pytest
from django.utils import timezone

from lists.models import EnrichmentJob, LeadList, LeadListMember
from prospecting.models import Company, Contact
from signals.models import SignalEvent, SignalEventList, SignalRead
from signals.services import details_hash, events_mark_read, watch_poll
from tests.signals.helpers import contacts_list, dataset, watch_on

FEED = "/signals/"


def a_list(owner, name, *, shared=False, kind="contacts"):
    return LeadList.objects.create(owner=owner, name=name, kind=kind, shared=shared)


def promotion(lead_list, *, name="Dana Levi", lusha_id="1001", day="2026-05-03", title="VP Sales"):
    first, last = name.split()
    contact, _ = Contact.objects.get_or_create(
        lusha_id=lusha_id, defaults={"first_name": first, "last_name": last}
    )
    LeadListMember.objects.get_or_create(lead_list=lead_list, contact=contact)
    details = {
        "signalDate": day, "currentTitle": title, "currentCompanyName": "Acme",
        "currentCompanyId": "20001", "currentDomain": "acme.example",
    }  # fmt: skip
    event = SignalEvent.objects.create(
        kind="contacts", lusha_id=lusha_id, contact=contact, signal_type="promotion",
        signal_date=datetime.date.fromisoformat(day), details=details,
        details_hash=details_hash(details),
    )  # fmt: skip
    SignalEventList.objects.create(event=event, lead_list=lead_list)
    return event


def company_change(lead_list, *, lusha_id="1002", day="2026-06-01"):
    contact, _ = Contact.objects.get_or_create(
        lusha_id=lusha_id, defaults={"first_name": "Omar", "last_name": "Haddad"}
    )
    LeadListMember.objects.get_or_create(lead_list=lead_list, contact=contact)
    details = {
        "signalDate": day, "currentTitle": "Head of IT", "currentCompanyName": "Globex",
        "currentCompanyId": "20002", "currentDomain": "globex.example",
        "previousCompanyName": "Initech",
    }  # fmt: skip
    event = SignalEvent.objects.create(
        kind="contacts", lusha_id=lusha_id, contact=contact, signal_type="companyChange",
        signal_date=datetime.date.fromisoformat(day), details=details,
        details_hash=details_hash(details),
    )  # fmt: skip
    SignalEventList.objects.create(event=event, lead_list=lead_list)
    return event


def test_each_event_reads_as_a_sentence_with_links_newest_first(client_for, bob):
    mine = a_list(bob, "Bob's leads")
    older = promotion(mine)
    newer = company_change(mine)
    response = client_for(bob).get(FEED)
    html = response.content.decode()
    assert response.status_code == 200
    dana = f'<a href="/signals/?contact={older.contact_id}"><strong>Dana Levi</strong></a>'
    assert f"{dana} was promoted to VP Sales at Acme on 3 May 2026" in html
    omar = f'<a href="/signals/?contact={newer.contact_id}"><strong>Omar Haddad</strong></a>'
    assert f"{omar} moved from Initech to Globex as Head of IT" in html
    assert html.index("Omar Haddad") < html.index("Dana Levi")
    assert f'href="/lists/{mine.pk}/"' in html
    assert 'href="https://acme.example"' in html


def test_a_company_the_store_holds_is_linked_to_its_signals(client_for, bob):
    mine = a_list(bob, "Bob's leads")
    acme = Company.objects.create(lusha_id="20001", name="Acme")
    promotion(mine)
    html = client_for(bob).get(FEED).content.decode()
    assert f'at <a href="/signals/?company={acme.pk}">Acme</a> on 3 May 2026' in html
    assert "Globex</a>" not in html


def test_a_contacts_signals_are_their_place_with_the_lists_holding_them(client_for, bob):
    first = a_list(bob, "First")
    second = a_list(bob, "Second")
    event = promotion(first)
    promotion(second, day="2026-07-01", title="CRO")
    company_change(first)
    client = client_for(bob)
    html = client.get(FEED, {"contact": event.contact_id}).content.decode()
    assert "Signals of Dana Levi" in html
    assert "Omar Haddad" not in html
    assert "<strong>2</strong> signals" in html
    assert f'<a href="/lists/{first.pk}/">First</a>, <a href="/lists/{second.pk}/">Second</a>' in (
        html
    )
    assert f'<input type="hidden" name="contact" value="{event.contact_id}">' in html
    partial = client.get(
        FEED, {"contact": event.contact_id, "type": "promotion"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="events">')
    assert "Signals of Dana Levi" in partial
    assert 'href="/signals/">Show every signal' in partial


def test_a_companys_signals_include_people_who_joined_it(client_for, bob):
    mine = a_list(bob, "Mine")
    globex = Company.objects.create(lusha_id="20002", name="Globex")
    company_change(mine)
    promotion(mine)
    html = client_for(bob).get(FEED, {"company": globex.pk}).content.decode()
    assert "Signals of Globex" in html
    assert "Omar Haddad" in html
    assert "Dana Levi" not in html


def test_betty_learns_no_name_from_the_contact_filter_of_a_private_list(client_for, bob, betty):
    event = promotion(a_list(bob, "Bob's private"))
    for params in ({"contact": event.contact_id}, {"company": 1}):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            html = client_for(betty).get(FEED, params, **headers).content.decode()
            assert "Dana Levi" not in html
            assert "No signals you can see for this" in html


def test_the_nav_counts_unread_signals_and_marking_read_is_per_person(client_for, bob, betty):
    team = a_list(bob, "Team leads", shared=True)
    first = promotion(team)
    company_change(team)
    page = client_for(bob).get("/lists/").content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in page
    response = client_for(bob).post(
        "/signals/read/", {"event": [first.pk], "query": "type=promotion"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/signals/?type=promotion"
    assert SignalRead.objects.filter(user=bob).count() == 1
    page = client_for(bob).get(FEED).content.decode()
    assert '1<span class="visually-hidden"> unread</span>' in page
    page = client_for(betty).get(FEED).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in page, "Betty has read nothing"


def test_mark_every_matching_signal_read_follows_the_filters(client_for, bob):
    mine = a_list(bob, "Mine")
    promotion(mine)
    company_change(mine)
    client_for(bob).post("/signals/read/", {"all": "1", "query": "type=companyChange"})
    assert list(SignalRead.objects.values_list("event__signal_type", flat=True)) == [
        "companyChange"
    ]


def test_only_unread_hides_what_was_read(client_for, bob):
    mine = a_list(bob, "Mine")
    read = promotion(mine)
    company_change(mine)
    events_mark_read(user=bob, event_ids=[read.pk])
    html = client_for(bob).get(FEED, {"unread": "1"}).content.decode()
    assert "Omar Haddad" in html
    assert "Dana Levi" not in html


def test_the_feed_filters_by_type_list_and_dates(client_for, bob):
    first = a_list(bob, "First")
    second = a_list(bob, "Second")
    promotion(first, day="2026-03-01")
    promotion(second, name="Ana Silva", lusha_id="1003", day="2026-08-01")
    company_change(first, day="2026-09-01")
    client = client_for(bob)

    def names(**params):
        html = client.get(FEED, params).content.decode()
        return {n for n in ("Dana Levi", "Ana Silva", "Omar Haddad") if n in html}

    assert names(type="promotion") == {"Dana Levi", "Ana Silva"}
    assert names(list=second.pk) == {"Ana Silva"}
    assert names(since="2026-07-01") == {"Ana Silva", "Omar Haddad"}
    assert names(until="2026-08-31") == {"Dana Levi", "Ana Silva"}
    assert names(since="2026-07-01", until="2026-08-31", type="promotion") == {"Ana Silva"}


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"until": "2026-02-30"},
        {"type": "<script>"},
        {"list": "abc"},
        {"list": "999999"},
        {"page": "-4"},
    ],
)
def test_bad_filters_give_a_message_and_the_unfiltered_feed_never_an_error(client_for, bob, params):
    promotion(a_list(bob, "Mine"))
    response = client_for(bob).get(FEED, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "was not understood and was ignored" in html
    assert "Dana Levi" in html
    assert "<script>" not in html


def test_the_date_range_backwards_says_so(client_for, bob):
    promotion(a_list(bob, "Mine"))
    html = client_for(bob).get(FEED, {"since": "2026-09-01", "until": "2026-01-01"}).content
    assert b"The end of the date range is before its start." in html


def test_the_feed_is_an_htmx_partial_too(client_for, bob):
    promotion(a_list(bob, "Mine"))
    response = client_for(bob).get(FEED, {"type": "promotion"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="events">')
    assert "Dana Levi" in html
    assert "<nav" not in html


def test_betty_sees_no_signals_of_bobs_private_lists_but_mona_sees_them(
    client_for, bob, betty, mona
):
    private = a_list(bob, "Bob's private")
    shared = a_list(bob, "Bob's shared", shared=True)
    promotion(private)
    secret = company_change(shared)
    html = client_for(betty).get(FEED).content.decode()
    assert "Omar Haddad" in html
    assert "Dana Levi" not in html
    assert "Bob&#x27;s private" not in html
    html = client_for(betty).get(FEED, {"list": private.pk}).content.decode()
    assert "Dana Levi" not in html
    assert "was not understood" in html
    html = client_for(mona).get(FEED).content.decode()
    assert "Omar Haddad" in html
    assert "Dana Levi" in html
    assert secret.pk


def test_betty_cannot_mark_or_act_on_signals_she_cannot_see(client_for, bob, betty):
    private = a_list(bob, "Bob's private")
    event = promotion(private)
    client = client_for(betty)
    client.post("/signals/read/", {"event": [event.pk]})
    assert not SignalRead.objects.exists()
    target = a_list(betty, "Betty's")
    response = client.post(
        f"/signals/events/{event.pk}/act/", {"action": "add_contact", "target": target.pk}
    )
    assert response.status_code == 404
    assert not target.members.exists()


def test_a_contact_from_the_feed_goes_into_a_list(client_for, bob):
    event = promotion(a_list(bob, "Watched"))
    target = a_list(bob, "Call this week")
    response = client_for(bob).post(
        f"/signals/events/{event.pk}/act/", {"action": "add_contact", "target": target.pk}
    )
    assert response.status_code == 302
    assert list(target.members.values_list("contact__lusha_id", flat=True)) == ["1001"]


def test_a_company_change_puts_the_new_company_in_a_list(client_for, bob):
    event = company_change(a_list(bob, "Watched"))
    target = a_list(bob, "Accounts", kind="companies")
    client_for(bob).post(
        f"/signals/events/{event.pk}/act/", {"action": "add_company", "target": target.pk}
    )
    company = Company.objects.get(lusha_id="20002")
    assert company.name == "Globex"
    assert list(target.members.values_list("company_id", flat=True)) == [company.pk]


def test_the_feed_offers_one_list_chooser_for_people_and_one_for_companies(client_for, bob):
    watched = a_list(bob, "Watched")
    promotion(watched)
    company_change(watched)
    a_list(bob, "Accounts", kind="companies")
    html = client_for(bob).get(FEED).content.decode()
    assert html.count('<select id="feed-contact-target" name="target">') == 1
    assert html.count('<select id="feed-company-target" name="company_target">') == 1
    assert '<label for="feed-contact-target">Add people to</label>' in html
    assert "Add Dana Levi to the chosen list</button>" in html
    assert "Add Globex to the chosen company list</button>" in html


def test_the_feeds_shared_choosers_put_the_contact_and_the_company_in_the_chosen_lists(
    client_for, bob
):
    event = company_change(a_list(bob, "Watched"))
    people = a_list(bob, "Call this week")
    accounts = a_list(bob, "Accounts", kind="companies")
    client = client_for(bob)
    # What the feed's one form sends when a button is pressed: both choosers, the button's
    # action, to the button's own address.
    chosen = {"query": "", "target": people.pk, "company_target": accounts.pk}
    client.post(f"/signals/events/{event.pk}/act/", {**chosen, "action": "add_contact"})
    client.post(f"/signals/events/{event.pk}/act/", {**chosen, "action": "add_company"})
    assert list(people.members.values_list("contact__lusha_id", flat=True)) == ["1002"]
    globex = Company.objects.get(lusha_id="20002")
    assert list(accounts.members.values_list("company_id", flat=True)) == [globex.pk]


def test_a_mark_read_button_in_the_feeds_form_marks_only_its_own_event(client_for, bob):
    watched = a_list(bob, "Watched")
    first = promotion(watched)
    company_change(watched)
    response = client_for(bob).post(
        "/signals/read/", {"query": "", "target": watched.pk, "event": first.pk}
    )
    assert response.status_code == 302
    assert list(SignalRead.objects.values_list("event_id", flat=True)) == [first.pk]


def _moved_with_an_old_email(lead_list, *, revealed: datetime.datetime):
    """A sandbox person who changed company, whose email the store revealed at `revealed`."""
    person = dataset().contacts[7]
    Contact.objects.create(
        lusha_id=person.id, first_name=person.first_name, last_name=person.last_name,
        emails=[{"email": "old@initech.example", "type": "work"}], emails_revealed_at=revealed,
        preview={"has": ["emails"]},
    )  # fmt: skip
    moved = (timezone.now() - datetime.timedelta(days=10)).date().isoformat()
    return company_change(lead_list, lusha_id=person.id, day=moved)


def test_a_company_change_enriches_the_new_email_through_the_lists_enrichment(
    client_for, bob, sandbox
):
    watched = a_list(bob, "Watched")
    # Revealed 20 days ago (fresh), but the person moved 10 days ago.
    event = _moved_with_an_old_email(watched, revealed=timezone.now() - datetime.timedelta(days=20))
    response = client_for(bob).post(f"/signals/events/{event.pk}/act/", {"action": "enrich_email"})
    job = EnrichmentJob.objects.get()
    assert response["Location"] == f"/lists/jobs/{job.pk}/"
    assert (job.lead_list, job.reveal, job.created_by) == (watched, ["emails"], bob)
    assert job.from_store == 0, "the email revealed before the move is the old company's"
    assert list(job.chunks.values_list("lusha_ids", flat=True)) == [[event.lusha_id]]


def test_an_email_revealed_after_the_move_is_held_and_not_paid_again(client_for, bob, sandbox):
    event = _moved_with_an_old_email(a_list(bob, "Watched"), revealed=timezone.now())
    client_for(bob).post(f"/signals/events/{event.pk}/act/", {"action": "enrich_email"})
    job = EnrichmentJob.objects.get()
    assert job.from_store == 1
    assert not job.chunks.exists()


def test_actions_that_do_not_fit_the_signal_say_why(client_for, bob):
    event = promotion(a_list(bob, "Watched"))
    accounts = a_list(bob, "Accounts", kind="companies")
    client = client_for(bob)
    for data, message in (
        ({"action": "enrich_email"}, "Only a person&#x27;s company change calls for a new email."),
        ({"action": "add_company", "target": accounts.pk}, "Only a company change names"),
        ({"action": "add_contact", "target": accounts.pk}, "Choose a contact list"),
        ({"action": "explode"}, "That action does not apply to this signal."),
    ):
        response = client.post(f"/signals/events/{event.pk}/act/", data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not EnrichmentJob.objects.exists()
    assert not accounts.members.exists()


def test_the_new_email_needs_the_person_on_a_list_of_yours(client_for, bob, sandbox):
    watched = a_list(bob, "Watched")
    event = company_change(watched)
    watched.members.all().delete()
    response = client_for(bob).post(
        f"/signals/events/{event.pk}/act/", {"action": "enrich_email"}, follow=True
    )
    assert "Omar Haddad is on none of your lists any more" in response.content.decode()
    assert not EnrichmentJob.objects.exists()


def test_a_polled_event_shows_in_the_feed_from_the_sandbox(client_for, bob, sandbox):
    watch = watch_on(contacts_list(bob, 60), bob)
    watch_poll(watch_id=watch.pk)
    event = SignalEvent.objects.select_related("contact").order_by("-signal_date").first()
    html = client_for(bob).get(FEED).content.decode()
    assert f"<strong>{event.contact.full_name}</strong>" in html


def test_list_rows_carry_a_badge_of_their_unread_signals(client_for, bob):
    mine = a_list(bob, "Mine")
    read = promotion(mine)
    company_change(mine)
    promotion(mine, name="Ana Silva", lusha_id="1003")
    events_mark_read(user=bob, event_ids=[read.pk])
    html = client_for(bob).get("/lists/").content.decode()
    assert f'href="/signals/?list={mine.pk}&amp;unread=1">2 new signals</a>' in html


def test_list_member_rows_carry_a_badge_of_their_signals_as_page_and_partial(client_for, bob):
    mine = a_list(bob, "Mine")
    read = promotion(mine)
    promotion(mine, day="2026-07-01", title="CRO")
    other = a_list(bob, "Elsewhere")
    promotion(other, name="Ana Silva", lusha_id="1003")
    LeadListMember.objects.create(lead_list=mine, contact=Contact.objects.get(lusha_id="1003"))
    events_mark_read(user=bob, event_ids=[read.pk])
    client = client_for(bob)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client.get(f"/lists/{mine.pk}/", **headers).content.decode()
        badge = (
            f'<a class="badge" href="/signals/?contact={read.contact_id}">'
            '<span class="visually-hidden">Signals of Dana Levi, latest: </span>'
            "Promotion, 1 Jul 2026 · 1 new</a>"
        )
        assert badge in html
        assert "Signals of Ana Silva" not in html, "her signal was found through another list"


def test_company_member_rows_carry_a_badge_too(client_for, bob):
    accounts = a_list(bob, "Accounts", kind="companies")
    company = Company.objects.create(lusha_id="30001", name="Initech")
    LeadListMember.objects.create(lead_list=accounts, company=company)
    details = {"signalDate": "2026-04-02", "newJobsPostedLastWeek": 40, "historicalAvg": 5}
    event = SignalEvent.objects.create(
        kind="companies", lusha_id="30001", company=company, signal_type="surgeInHiring",
        signal_date=datetime.date(2026, 4, 2), details=details,
        details_hash=details_hash(details),
    )  # fmt: skip
    SignalEventList.objects.create(event=event, lead_list=accounts)
    html = client_for(bob).get(f"/lists/{accounts.pk}/").content.decode()
    assert f'href="/signals/?company={company.pk}"' in html
    assert "Hiring surge, 2 Apr 2026 · 1 new" in html


def test_a_new_email_past_the_budget_is_refused_with_the_numbers_and_the_old_one_kept(
    client_for, bob, mona, sandbox
):
    from spend.budgets import budget_set

    revealed = timezone.now() - datetime.timedelta(days=20)
    event = _moved_with_an_old_email(a_list(bob, "Watched"), revealed=revealed)
    budget_set(user_id=bob.pk, monthly_credits=0, by=mona)
    response = client_for(bob).post(
        f"/signals/events/{event.pk}/act/", {"action": "enrich_email"}, follow=True
    )
    assert "This enrichment can cost 1 credit; you have 0 left this month." in (
        response.content.decode()
    )
    assert not EnrichmentJob.objects.exists()
    assert Contact.objects.get(lusha_id=event.lusha_id).emails_revealed_at == revealed


def test_the_nav_count_takes_in_events_a_poll_stores_at_once(client_for, bob, sandbox):
    watch = watch_on(contacts_list(bob, 60), bob)
    client = client_for(bob)
    assert "unread</span>" not in client.get("/lists/").content.decode()  # counted: none
    watch_poll(watch_id=watch.pk)
    stored = SignalEvent.objects.count()
    assert stored
    page = client.get("/lists/").content.decode()
    assert f'{stored}<span class="visually-hidden"> unread</span>' in page


def test_names_holding_markup_show_as_text_in_the_feeds_rows(client_for, bob):
    people = a_list(bob, "<b>Bold</b> people")
    accounts = a_list(bob, "Accounts", kind="companies")
    event = company_change(people, lusha_id="1009")
    Contact.objects.filter(pk=event.contact_id).update(first_name="<script>x</script>")
    event.details = {**event.details, "currentCompanyName": '"><i>Globex', "currentDomain": 'a"b'}
    event.save(update_fields=["details"])
    company = Company.objects.create(lusha_id="30009", name="<script>co</script>")
    LeadListMember.objects.create(lead_list=accounts, company=company)
    details = {"signalDate": "2026-04-02", "newJobsPostedLastWeek": 40, "historicalAvg": 5}
    surge = SignalEvent.objects.create(
        kind="companies", lusha_id="30009", company=company, signal_type="surgeInHiring",
        signal_date=datetime.date(2026, 4, 2), details=details, details_hash="surge",
    )  # fmt: skip
    SignalEventList.objects.create(event=surge, lead_list=accounts)
    client = client_for(bob)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client.get(FEED, **headers).content.decode()
        assert "<script>" not in html
        assert "<i>" not in html
        assert "<b>" not in html
        assert "<strong>&lt;script&gt;x&lt;/script&gt; Haddad</strong>" in html
        assert "Add &lt;script&gt;x&lt;/script&gt; Haddad to the chosen list</button>" in html
        assert "to &quot;&gt;&lt;i&gt;Globex as Head of IT" in html
        assert "Add &quot;&gt;&lt;i&gt;Globex to the chosen company list</button>" in html
        assert "Enrich &lt;script&gt;x&lt;/script&gt; Haddad\u2019s new email</button>" in html
        assert f'<a href="/lists/{people.pk}/">&lt;b&gt;Bold&lt;/b&gt; people</a>' in html
        assert 'href="https://a&quot;b"' in html
        company_link = f'<a href="/signals/?company={company.pk}">'
        assert f"{company_link}<strong>&lt;script&gt;co&lt;/script&gt;</strong></a> posted 40" in (
            html
        )


def test_the_feeds_count_and_type_filter_take_in_a_polls_events_at_once(client_for, bob, sandbox):
    promotion(a_list(bob, "Mine"))
    client = client_for(bob)
    html = client.get(FEED).content.decode()
    assert "<strong>1</strong> signal." in html
    assert '<option value="companyChange"' not in html
    assert (
        "<strong>1</strong> signal match"
        in client.get(FEED, {"type": "promotion"}).content.decode()
    )
    watch_poll(watch_id=watch_on(contacts_list(bob, 60), bob).pk)
    html = client.get(FEED).content.decode()
    assert f"<strong>{SignalEvent.objects.count()}</strong> signals." in html
    for signal_type in set(SignalEvent.objects.values_list("signal_type", flat=True)):
        assert f'<option value="{signal_type}"' in html
    promotions = SignalEvent.objects.filter(signal_type="promotion").count()
    html = client.get(FEED, {"type": "promotion"}).content.decode()
    assert f"<strong>{promotions}</strong> signal{'s' if promotions != 1 else ''} match" in html


def test_only_unread_counts_what_is_unread_right_after_marking_read(client_for, bob):
    mine = a_list(bob, "Mine")
    first = promotion(mine)
    company_change(mine)
    client = client_for(bob)
    html = client.get(FEED, {"unread": "1"}).content.decode()
    assert "<strong>2</strong> signals match these filters." in html
    client.post("/signals/read/", {"event": [first.pk], "query": "unread=1"})
    html = client.get(FEED, {"unread": "1"}).content.decode()
    assert "<strong>1</strong> signal match these filters." in html
    assert "<strong>2</strong> signals." in client.get(FEED).content.decode()
