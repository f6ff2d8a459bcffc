"""Signing in through the company's identity provider: a real OpenID Connect provider
(tests/oidc_server.py) over HTTP, the portal driven with Django's test client."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.jwk import RSAKey

from accounts.models import OidcIdentity, Role, User
from privacy.models import AuditEvent
from tests.oidc_server import provider_sign_in

pytestmark = pytest.mark.django_db


def start(client, next_url=""):
    """Press the provider's button: the address of the provider's sign-in page."""
    answer = client.get("/accounts/oidc/start/", {"next": next_url} if next_url else {})
    assert answer.status_code == 302, answer.content[:500]
    return answer["Location"]


def sign_in(client, provider, account_id, next_url=""):
    """The whole round trip; the portal's answer at its callback."""
    callback = provider_sign_in(start(client, next_url), account_id)
    return client.get(callback)


def test_a_new_person_in_a_mapped_group_gets_a_user_with_its_role(client, oidc, alice):
    oidc.set_account("nina", email="nina@example.com", name="Nina Nash", groups=["sales-managers"])

    answer = sign_in(client, oidc, "nina", next_url="/prospecting/")

    assert answer.status_code == 302
    assert answer["Location"] == "/prospecting/"
    nina = User.objects.get(email="nina@example.com")
    assert nina.role == Role.MANAGER
    assert not nina.has_usable_password()
    assert OidcIdentity.objects.get(user=nina).subject == "nina"
    assert client.get("/prospecting/").status_code == 200
    assert AuditEvent.objects.filter(summary__contains="created with role manager").exists()


def test_the_sign_in_page_at_the_provider_is_asked_with_pkce_state_and_nonce(client, oidc, alice):
    query = parse_qs(urlsplit(start(client)).query)

    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["client_id"] == [oidc.client_id]
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/callback/"]


def nonce_of(authorize_url):
    return parse_qs(urlsplit(authorize_url).query)["nonce"][0]


def signed_in_user(client):
    return client.get("/prospecting/").wsgi_request.user


def test_a_person_moved_to_another_group_gets_its_role_at_the_next_sign_in(client, oidc, alice):
    oidc.set_account("sam", email="sam@example.com", groups=["sales"])
    sign_in(client, oidc, "sam")
    oidc.set_account("sam", email="sam@example.com", groups=["sales", "sales-managers"])

    sign_in(client, oidc, "sam")

    assert User.objects.get(email="sam@example.com").role == Role.MANAGER
    assert AuditEvent.objects.filter(
        summary__contains="role set to manager by the identity"
    ).exists()


def test_someone_removed_from_the_groups_is_refused_next_time_and_all_their_sessions_end(
    client, oidc, alice
):
    from django.test import Client

    oidc.set_account("rita", email="rita@example.com", groups=["sales"])
    other_browser = Client()
    sign_in(other_browser, oidc, "rita")
    assert signed_in_user(other_browser).is_authenticated
    oidc.set_account("rita", email="rita@example.com", groups=["marketing"])

    answer = sign_in(client, oidc, "rita")

    assert answer.status_code == 403
    assert b"not in a group that has access" in answer.content
    assert b"alice" in answer.content  # whom to ask: the portal's admins
    assert not signed_in_user(client).is_authenticated
    assert not signed_in_user(other_browser).is_authenticated
    assert not User.objects.get(email="rita@example.com").is_active
    assert AuditEvent.objects.filter(summary__contains="rita@example.com: deactivated").exists()


def test_someone_put_back_in_a_group_is_let_in_again(client, oidc, alice):
    oidc.set_account("rita", email="rita@example.com", groups=["sales"])
    sign_in(client, oidc, "rita")
    oidc.set_account("rita", email="rita@example.com", groups=[])
    sign_in(client, oidc, "rita")
    oidc.set_account("rita", email="rita@example.com", groups=["sales"])

    answer = sign_in(client, oidc, "rita")

    assert answer.status_code == 302
    assert signed_in_user(client).username == "rita@example.com"
    assert AuditEvent.objects.filter(summary__contains="reactivated by the identity").exists()


def test_someone_an_admin_deactivated_stays_out_whatever_their_groups(client, oidc, alice):
    from accounts.services import user_active_set

    oidc.set_account("rita", email="rita@example.com", groups=["sales"])
    sign_in(client, oidc, "rita")
    rita = User.objects.get(email="rita@example.com")
    user_active_set(user=rita, active=False, changed_by=alice)

    answer = sign_in(client, oidc, "rita")

    assert answer.status_code == 403
    assert b"An admin of the portal turned your account off" in answer.content


def test_a_person_in_no_allowed_group_gets_no_user_and_a_page_saying_whom_to_ask(
    client, oidc, alice, settings
):
    settings.OIDC_ACCESS_CONTACT = "the IT service desk (it@example.com)"
    oidc.set_account("pat", email="pat@example.com", groups=["marketing"])

    answer = sign_in(client, oidc, "pat")

    assert answer.status_code == 403
    assert b"ask the IT service desk (it@example.com)" in answer.content
    assert not User.objects.filter(email="pat@example.com").exists()


def test_an_allowed_domain_gets_the_default_role(client, oidc, alice, settings):
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["example.com"]
    settings.OIDC_DEFAULT_ROLE = "bdr"
    oidc.set_account("dee", email="dee@Example.com", groups=[])

    sign_in(client, oidc, "dee")

    assert User.objects.get(email="dee@Example.com").role == Role.BDR


def test_an_allowed_domain_without_a_default_role_gets_no_access(client, oidc, alice, settings):
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["example.com"]
    oidc.set_account("dee", email="dee@example.com", groups=[])

    assert sign_in(client, oidc, "dee").status_code == 403


def test_the_highest_role_of_several_groups_wins(client, oidc, alice):
    oidc.set_account("ada", email="ada@example.com", groups=["sales", "portal-admins"])

    sign_in(client, oidc, "ada")

    ada = User.objects.get(email="ada@example.com")
    assert ada.role == Role.ADMIN
    assert ada.is_staff


def test_an_existing_user_with_the_same_email_is_linked_not_duplicated(client, oidc, alice, bob):
    oidc.set_account("bob-at-idp", email=bob.email.upper(), groups=["sales"])

    sign_in(client, oidc, "bob-at-idp")
    sign_in(client, oidc, "bob-at-idp")

    assert User.objects.filter(email__iexact=bob.email).count() == 1
    assert signed_in_user(client) == bob
    assert OidcIdentity.objects.get(subject="bob-at-idp").user == bob
    links = AuditEvent.objects.filter(summary__contains=f"{bob.username}: linked")
    assert links.count() == 1


def test_another_subject_with_a_linked_users_email_is_not_given_that_user(client, oidc, alice, bob):
    oidc.set_account("bob-at-idp", email=bob.email, groups=["sales"])
    sign_in(client, oidc, "bob-at-idp")
    client.logout()
    oidc.set_account("new-bob", email=bob.email, groups=["sales"])

    answer = sign_in(client, oidc, "new-bob")

    assert answer.status_code == 403
    assert b"belongs to another portal account" in answer.content
    assert not signed_in_user(client).is_authenticated


def test_the_break_glass_admin_is_never_linked_to_the_provider(client, oidc, alice, settings):
    settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME = "alice"
    oidc.set_account("alice-at-idp", email=alice.email, groups=["sales"])

    answer = sign_in(client, oidc, "alice-at-idp")

    assert answer.status_code == 403
    assert not OidcIdentity.objects.exists()
    assert User.objects.get(pk=alice.pk).role == Role.ADMIN


# ---- answers that must not sign anyone in -------------------------------------------------


def id_token_claims(oidc, authorize_url, **changes):
    now = int(time.time())
    claims = {
        "iss": oidc.issuer,
        "aud": oidc.client_id,
        "sub": "nina",
        "email": "nina@example.com",
        "groups": ["sales"],
        "nonce": nonce_of(authorize_url),
        "iat": now,
        "exp": now + 300,
    }
    claims.update(changes)
    return claims


def callback_with_id_token(client, oidc, make_token):
    """The real flow up to the callback, then an ID token of the test's making in the token
    response; the portal's answer at its callback, followed."""
    oidc.set_account("nina", email="nina@example.com", groups=["sales"])
    authorize_url = start(client)
    callback = provider_sign_in(authorize_url, "nina")
    oidc.next_id_token(make_token(authorize_url))
    return client.get(callback, follow=True)


def assert_refused_unverified(answer):
    assert answer.status_code == 200
    assert answer.redirect_chain[-1][0] == "/accounts/login/"
    assert b"could not be verified, so nobody was signed in" in answer.content
    assert not answer.wsgi_request.user.is_authenticated
    assert not User.objects.filter(email="nina@example.com").exists()


def test_an_id_token_signed_with_another_key_is_refused(client, oidc, alice):
    forger = RSAKey.generate_key(2048, parameters={"kid": oidc.key.kid}, private=True)

    answer = callback_with_id_token(
        client, oidc, lambda url: oidc.sign(id_token_claims(oidc, url), key=forger)
    )

    assert_refused_unverified(answer)


def test_an_id_token_signed_with_a_key_the_provider_never_published_is_refused(client, oidc, alice):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "somebody-else"}, private=True)

    answer = callback_with_id_token(
        client, oidc, lambda url: oidc.sign(id_token_claims(oidc, url), key=stranger)
    )

    assert_refused_unverified(answer)


def test_an_expired_id_token_is_refused(client, oidc, alice):
    an_hour_ago = int(time.time()) - 3600

    answer = callback_with_id_token(
        client,
        oidc,
        lambda url: oidc.sign(id_token_claims(oidc, url, iat=an_hour_ago - 300, exp=an_hour_ago)),
    )

    assert_refused_unverified(answer)


def test_an_id_token_for_another_audience_is_refused(client, oidc, alice):
    answer = callback_with_id_token(
        client, oidc, lambda url: oidc.sign(id_token_claims(oidc, url, aud="another-app"))
    )

    assert_refused_unverified(answer)


def test_an_id_token_for_another_audience_naming_the_portal_as_its_party_is_refused(
    client, oidc, alice
):
    answer = callback_with_id_token(
        client,
        oidc,
        lambda url: oidc.sign(id_token_claims(oidc, url, aud="another-app", azp=oidc.client_id)),
    )

    assert_refused_unverified(answer)


def test_an_id_token_from_another_issuer_is_refused(client, oidc, alice):
    answer = callback_with_id_token(
        client,
        oidc,
        lambda url: oidc.sign(id_token_claims(oidc, url, iss="https://idp.attacker.example")),
    )

    assert_refused_unverified(answer)


def test_an_id_token_with_another_nonce_is_refused(client, oidc, alice):
    answer = callback_with_id_token(
        client, oidc, lambda url: oidc.sign(id_token_claims(oidc, url, nonce="not-this-one"))
    )

    assert_refused_unverified(answer)


def test_an_id_token_made_right_by_the_test_signs_in(client, oidc, alice):
    # The control for the refusals above: the same token with nothing wrong is accepted.
    answer = callback_with_id_token(client, oidc, lambda url: oidc.sign(id_token_claims(oidc, url)))

    assert answer.wsgi_request.user.email == "nina@example.com"


def test_a_replayed_callback_is_refused(client, oidc, alice):
    oidc.set_account("nina", email="nina@example.com", groups=["sales"])
    callback = provider_sign_in(start(client), "nina")
    client.get(callback)
    client.logout()

    answer = client.get(callback, follow=True)

    assert b"expired or was already used" in answer.content
    assert not answer.wsgi_request.user.is_authenticated


def test_a_state_this_browser_never_started_is_refused(client, oidc, alice):
    from django.test import Client

    oidc.set_account("nina", email="nina@example.com", groups=["sales"])
    callback = provider_sign_in(start(Client()), "nina")  # another browser's sign-in

    answer = client.get(callback, follow=True)

    assert b"expired or was already used" in answer.content
    assert not answer.wsgi_request.user.is_authenticated
    assert not User.objects.filter(email="nina@example.com").exists()


def test_a_refusal_from_the_provider_is_said_on_the_login_page(client, oidc, alice):
    state = parse_qs(urlsplit(start(client)).query)["state"][0]

    answer = client.get(
        "/accounts/oidc/callback/", {"error": "access_denied", "state": state}, follow=True
    )

    assert b"The company sign-in was cancelled or refused" in answer.content


def test_a_provider_that_cannot_be_reached_gets_a_message_not_an_error(
    client, oidc, alice, settings
):
    from tests.sandbox_server import free_port

    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"

    answer = client.get("/accounts/oidc/start/", follow=True)

    assert answer.status_code == 200
    assert b"could not be reached" in answer.content


def test_without_a_group_mapping_the_role_an_admin_gives_stands(client, oidc, alice, settings):
    from accounts.services import user_role_change

    settings.OIDC_ROLE_GROUPS = {}
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["example.com"]
    settings.OIDC_DEFAULT_ROLE = "bdr"
    oidc.set_account("gus", email="gus@example.com", groups=[])
    sign_in(client, oidc, "gus")
    gus = User.objects.get(email="gus@example.com")
    assert gus.role == Role.BDR
    user_role_change(user=gus, role=Role.MANAGER, changed_by=alice)

    sign_in(client, oidc, "gus")

    assert User.objects.get(pk=gus.pk).role == Role.MANAGER
    assert signed_in_user(client) == gus


def test_a_password_user_in_no_allowed_group_is_refused_but_not_linked_or_deactivated(
    client, oidc, alice, mona
):
    oidc.set_account("mona-at-idp", email=mona.email, groups=["marketing"])

    answer = sign_in(client, oidc, "mona-at-idp")

    assert answer.status_code == 403
    assert not OidcIdentity.objects.exists()
    assert User.objects.get(pk=mona.pk).is_active
