"""The watch pages: choosing the signals from Lusha's types, pausing, polling now, and who may
change a watch."""

from lists.models import LeadList
from signals.models import Watch
from tests.signals.helpers import watch_on


def a_list(owner, name="Leads", *, shared=False, kind="contacts"):
    return LeadList.objects.create(owner=owner, name=name, kind=kind, shared=shared)


def test_bob_watches_a_list_for_signal_types_lusha_offers(
    client_for, bob, sandbox, django_capture_on_commit_callbacks
):
    lead_list = a_list(bob)
    client = client_for(bob)
    page = client.get("/signals/watches/").content.decode()
    assert "Leads (contacts)" in page
    form = client.get("/signals/watches/new/", {"list": lead_list.pk}).content.decode()
    assert 'value="promotion"' in form
    assert 'value="companyChange"' in form
    assert "allSignals" not in form
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            "/signals/watches/new/",
            {"list": lead_list.pk, "signal_types": ["promotion"], "schedule": "weekly"},
        )
    watch = Watch.objects.get()
    assert response["Location"] == f"/signals/watches/{watch.pk}/"
    assert (watch.signal_types, watch.schedule, watch.owner) == (["promotion"], "weekly", bob)
    assert len(queued) == 1, "the first poll is queued"


def test_a_company_list_offers_company_signals(client_for, bob, sandbox):
    lead_list = a_list(bob, kind="companies")
    form = client_for(bob).get("/signals/watches/new/", {"list": lead_list.pk}).content.decode()
    assert "Headcount growth over 3 months" in form
    assert 'value="promotion"' not in form


def test_a_watch_needs_at_least_one_signal(client_for, bob, sandbox):
    lead_list = a_list(bob)
    response = client_for(bob).post(
        "/signals/watches/new/", {"list": lead_list.pk, "schedule": "daily"}
    )
    assert response.status_code == 400
    assert b"Choose at least one signal to follow." in response.content
    assert not Watch.objects.exists()


def test_bob_pauses_resumes_and_stops_watching(client_for, bob, sandbox):
    watch = watch_on(a_list(bob), bob)
    client = client_for(bob)
    url = f"/signals/watches/{watch.pk}/control/"
    client.post(url, {"action": "pause"})
    watch.refresh_from_db()
    assert watch.paused
    client.post(url, {"action": "resume"})
    watch.refresh_from_db()
    assert not watch.paused
    client.post(url, {"action": "delete"})
    assert not Watch.objects.exists()


def test_the_watch_page_says_why_the_last_poll_stopped(client_for, bob, sandbox):
    watch = watch_on(a_list(bob), bob)
    Watch.objects.filter(pk=watch.pk).update(message="This signals poll can cost 200 credits.")
    html = client_for(bob).get(f"/signals/watches/{watch.pk}/").content.decode()
    assert "The last poll stopped: This signals poll can cost 200 credits." in html
    partial = client_for(bob).get(f"/signals/watches/{watch.pk}/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section id="status"')


def test_betty_cannot_watch_or_see_bobs_private_list(client_for, bob, betty, sandbox):
    private = a_list(bob)
    watch = watch_on(private, bob)
    client = client_for(betty)
    assert client.get("/signals/watches/new/", {"list": private.pk}).status_code == 404
    assert client.get(f"/signals/watches/{watch.pk}/").status_code == 404
    assert b"Leads" not in client.get("/signals/watches/").content


def test_betty_sees_the_watch_on_a_shared_list_but_only_its_owner_changes_it(
    client_for, bob, betty, mona, sandbox
):
    shared = a_list(bob, shared=True)
    watch = watch_on(shared, bob)
    client = client_for(betty)
    page = client.get(f"/signals/watches/{watch.pk}/").content.decode()
    assert "Poll now" not in page
    assert "Start watching" not in page
    assert (
        client.post(f"/signals/watches/{watch.pk}/control/", {"action": "pause"}).status_code == 404
    )
    client_for(mona).post(f"/signals/watches/{watch.pk}/control/", {"action": "pause"})
    watch.refresh_from_db()
    assert watch.paused, "a manager may change any watch"


def test_betty_gets_no_partial_of_a_private_watch_and_no_form_for_a_list_she_cannot_change(
    client_for, bob, betty, sandbox
):
    private = watch_on(a_list(bob), bob)
    shared_list = a_list(bob, "Team", shared=True)
    client = client_for(betty)
    hx = {"HTTP_HX_REQUEST": "true"}
    assert client.get(f"/signals/watches/{private.pk}/", **hx).status_code == 404
    assert client.post(f"/signals/watches/{private.pk}/", {"schedule": "weekly"}).status_code == 404
    response = client.get("/signals/watches/new/", {"list": shared_list.pk}, **hx)
    assert response.status_code == 404, "watching a list is for those who may change it"
    assert client.get("/signals/watches/new/", {"list": "abc"}).status_code == 302
