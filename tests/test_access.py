"""Who may reach what: every URL of the portal, as every role, as a full page and a partial.

The table is checked against the URL conf, so a new view cannot be forgotten here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from abm.models import BuyingGroupMember, BuyingGroupSearch, LookalikePage, LookalikeSearch
from accounts.connection import connection_update
from accounts.models import Role
from lists.models import EnrichmentJob, ImportJob, LeadList
from prospecting.models import Company, Contact
from signals.models import SignalEvent, SignalEventList, Watch
from tests.factories import UserFactory

KEY = "lusha-key-CANARY-0b5e1d77c2a9"

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, Role.BDR, Role.MANAGER, Role.ADMIN)
EVERYONE = {Role.BDR, Role.MANAGER, Role.ADMIN}
MANAGERS = {Role.MANAGER, Role.ADMIN}
ADMINS = {Role.ADMIN}
PUBLIC = "public"

# url name -> (method, who may use it)
ACCESS = {
    "home": ("get", EVERYONE),
    "healthz": ("get", PUBLIC),
    "accounts:first_run": ("get", PUBLIC),  # public, and a 404 once set up (tested elsewhere)
    "accounts:login": ("get", PUBLIC),
    "accounts:logout": ("post", PUBLIC),
    "accounts:oidc_start": ("get", PUBLIC),  # the provider's button; 404 without OIDC_ISSUER
    "accounts:oidc_callback": ("get", PUBLIC),  # the state this browser started is the check
    "accounts:password_change": ("get", EVERYONE),
    "accounts:password_change_done": ("get", EVERYONE),
    "accounts:set_password": ("get", PUBLIC),  # the token in the link is the permission
    "accounts:set_password_done": ("get", PUBLIC),
    "accounts:settings": ("get", EVERYONE),
    "accounts:users": ("get", ADMINS),
    "accounts:user_role": ("post", ADMINS),
    "accounts:user_active": ("post", ADMINS),
    "accounts:user_password_link": ("post", ADMINS),
    "accounts:lusha_connection": ("get", ADMINS),
    "prospecting:search": ("get", EVERYONE),
    "prospecting:companies": ("get", EVERYONE),
    "prospecting:typeahead": ("get", EVERYONE),
    "prospecting:add_to_list": ("post", EVERYONE),
    "prospecting:add_all_to_list": ("post", EVERYONE),
    "prospecting:save_search": ("post", EVERYONE),
    "prospecting:columns": ("post", EVERYONE),
    "prospecting:selection": ("post", EVERYONE),
    "prospecting:reveal": ("post", EVERYONE),  # a contact of the store; else 404
    "prospecting:reveal_status": ("get", EVERYONE),  # the reveal's own starter; else 404
    "prospecting:add_all_run_status": (
        "get",
        EVERYONE,
    ),  # its starter or who sees its list; else 404
    "prospecting:refresh_catalogs": ("post", ADMINS),
    "signals:feed": ("get", EVERYONE),
    "signals:mark_read": ("post", EVERYONE),
    "signals:event_act": ("post", EVERYONE),  # events of lists the person can see; else 404
    "signals:watches": ("get", EVERYONE),
    "signals:watch_new": ("get", EVERYONE),
    "signals:watch": ("get", EVERYONE),
    "signals:watch_control": ("post", EVERYONE),
    "signals:webhook": ("post", PUBLIC),  # Lusha's servers: the HMAC signature is the check
    "signals:push": ("get", ADMINS),
    "signals:push_secret": ("post", ADMINS),
    "signals:push_subscriptions": ("post", ADMINS),
    "signals:watch_push": ("post", ADMINS),
    "abm:signal_scores": ("get", EVERYONE),  # of lists the person can see; else 404
    "abm:signal_scores_start": ("post", EVERYONE),
    "abm:lookalike_new": ("get", EVERYONE),  # of lists the person can see; else 404
    "abm:lookalike_start": ("post", EVERYONE),
    "abm:lookalikes": ("get", EVERYONE),
    "abm:lookalike": ("get", EVERYONE),  # the person's own searches (managers: all); else 404
    "abm:lookalike_more": ("post", EVERYONE),
    "abm:lookalike_add": ("post", EVERYONE),
    "abm:buying_group_new": ("get", EVERYONE),  # of lists the person can see; else 404
    "abm:buying_group_begin": ("post", EVERYONE),
    "abm:buying_group_selection": ("get", EVERYONE),  # the person's own Prospecting ticks
    "abm:buying_group_selection_begin": ("post", EVERYONE),
    "abm:buying_group": ("get", EVERYONE),  # the person's own searches (managers: all); else 404
    "abm:buying_group_resume": ("post", EVERYONE),
    "abm:buying_group_add": ("post", EVERYONE),
    "abm:visitors": ("get", EVERYONE),
    "abm:visitors_add": ("post", EVERYONE),
    "abm:visitors_domains": ("post", MANAGERS),
    "spend:dashboard": ("get", MANAGERS),
    "spend:usage_refresh": ("post", MANAGERS),
    "spend:ledger": ("get", MANAGERS),
    "spend:ledger_csv": ("get", MANAGERS),
    "spend:mine": ("get", EVERYONE),
    "spend:budgets": ("get", MANAGERS),
    "spend:budget_update": ("post", MANAGERS),
    "spend:budget_request": ("post", EVERYONE),
    "spend:budget_request_dismiss": ("post", MANAGERS),
    "lists:index": ("get", EVERYONE),
    "lists:detail": ("get", EVERYONE),
    "lists:rename": ("post", EVERYONE),
    "lists:share": ("post", EVERYONE),
    "lists:delete": ("get", EVERYONE),
    "lists:members": ("post", EVERYONE),
    "lists:export": ("get", EVERYONE),
    "lists:enrich": ("get", EVERYONE),
    "lists:job": ("get", EVERYONE),
    "lists:job_progress": ("get", EVERYONE),
    "lists:job_pause": ("post", EVERYONE),
    "lists:job_resume": ("post", EVERYONE),
    "lists:job_cancel": ("post", EVERYONE),
    "lists:import_start": ("get", EVERYONE),
    "lists:import_map": ("get", EVERYONE),  # the importer, managers and admins; else 404
    "lists:import_detail": ("get", EVERYONE),
    "lists:import_resume": ("post", EVERYONE),
    "lists:import_report": ("get", EVERYONE),
    "privacy:suppressions": ("get", MANAGERS),
    "privacy:suppressions_import": ("post", MANAGERS),
    "privacy:erase": ("get", ADMINS),
    "privacy:audit": ("get", ADMINS),
    "privacy:audit_csv": ("get", ADMINS),
}


def portal_routes(patterns=None, namespace="") -> dict[str, set[str]]:
    """Every named URL of the portal (except Django's own admin), with its parameters."""
    routes = {}
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes |= portal_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            routes[namespace + pattern.name] = set(pattern.pattern.converters)
    return routes


def url_for(name, objects):
    values = {
        "user_id": objects["target"].pk,
        "list_id": objects["list"].pk,
        "job_id": objects["job"].pk,
        "import_id": objects["import"].pk,
        "watch_id": objects["watch"].pk,
        "event_id": objects["event"].pk,
        "search_id": objects["lookalike"].pk,
        "group_id": objects["buying_group"].pk,
        "request_id": 1,
        "run_id": 1,
        "uidb64": "MQ",
        "token": "set-password",
        "lusha_id": "1",
        "field": "emails",
    }
    return reverse(name, kwargs={param: values[param] for param in portal_routes()[name]})


def test_the_access_table_covers_every_url_of_the_portal():
    assert set(portal_routes()) == set(ACCESS)


@pytest.fixture
def portal(db, sandbox):
    admin = UserFactory(username="root", role=Role.ADMIN)
    # A key the sandbox refuses: pages that call Lusha show its 401 message, never the key.
    connection_update(api_key=KEY, base_url=sandbox.url, updated_by=admin)
    objects = {
        Role.BDR: UserFactory(username="bea", role=Role.BDR),
        Role.MANAGER: UserFactory(username="max", role=Role.MANAGER),
        Role.ADMIN: admin,
        "target": UserFactory(username="target", role=Role.BDR),
    }
    bdr = objects[Role.BDR]
    objects["list"] = LeadList.objects.create(owner=bdr, name="Bea's", kind="contacts")
    objects["job"] = EnrichmentJob.objects.create(
        lead_list=objects["list"], created_by=bdr, kind="contacts"
    )
    objects["import"] = ImportJob.objects.create(
        created_by=bdr, lead_list=objects["list"], kind="contacts", filename="people.csv"
    )
    objects["watch"] = Watch.objects.create(
        lead_list=objects["list"], owner=bdr, signal_types=["promotion"]
    )
    objects["event"] = SignalEvent.objects.create(
        kind="contacts", lusha_id="1", signal_type="promotion", signal_date="2026-11-01",
        details={"signalDate": "2026-11-01"}, details_hash="0",
    )  # fmt: skip
    SignalEventList.objects.create(event=objects["event"], lead_list=objects["list"])
    objects["lookalike"] = LookalikeSearch.objects.create(
        kind="contacts", created_by=bdr, source_list=objects["list"], seed_ids=["1"] * 5
    )
    objects["buying_group"] = BuyingGroupSearch.objects.create(
        created_by=bdr, company_ids=["1"], contacts_limit=5, status="done"
    )
    # Results for their pages to show (the policy walk renders their tables too).
    company = Company.objects.create(lusha_id="1", name="Acme", domain="acme.example")
    contact = Contact.objects.create(lusha_id="1", first_name="Ada", company=company)
    LookalikePage.objects.create(
        search=objects["lookalike"], number=0, lusha_ids=["1"], fetched_at=timezone.now()
    )
    BuyingGroupMember.objects.create(
        search=objects["buying_group"], company=company, contact=contact, roles=["end_user"]
    )
    return objects


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_each_role_gets_what_it_may_and_never_the_key(client, portal, name, role, htmx):
    method, allowed = ACCESS[name]
    if role != ANONYMOUS:
        client.force_login(portal[role])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = getattr(client, method)(url_for(name, portal), **headers)

    if allowed == PUBLIC or role in allowed:
        assert response.status_code not in (401, 403)
        assert "/accounts/login/" not in response.get("Location", "") or name == "accounts:logout"
    elif role == ANONYMOUS and htmx:
        assert response.status_code == 200
        assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    elif role == ANONYMOUS:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == 403
        assert b"Your role does not give access" in response.content
    # Streamed answers (CSV reports) are read to the end: the key must be in none of it.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert KEY.encode() not in body
    assert KEY[:-4].encode() not in body


@pytest.mark.parametrize("role", [Role.BDR, Role.MANAGER])
def test_only_admins_reach_the_django_admin(client, portal, role):
    client.force_login(portal[role])
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/django-admin/login/")


def test_admins_reach_the_django_admin_without_seeing_the_key(client, portal):
    client.force_login(portal[Role.ADMIN])
    for path in ("/django-admin/", "/django-admin/accounts/lushaconnection/1/change/"):
        response = client.get(path)
        assert response.status_code == 200
        assert KEY.encode() not in response.content
