"""Django's admin shows users, roles and the Lusha connection but changes none of them: every
such change goes through the portal's services, which audit it and keep the last admin."""

import pytest
from django.contrib import admin

from accounts.connection import connection_get, connection_update
from accounts.models import LushaConnection, Role, User
from privacy.models import AuditEvent


@pytest.fixture
def admin_client(client_for, alice):
    return client_for(alice)


def test_making_a_bdr_a_superuser_in_the_django_admin_is_refused(admin_client, bob):
    response = admin_client.post(
        f"/django-admin/accounts/user/{bob.pk}/change/",
        {"username": "bob", "role": Role.ADMIN, "is_superuser": "on", "is_staff": "on",
         "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )  # fmt: skip
    assert response.status_code == 403
    bob.refresh_from_db()
    assert (bob.role, bob.is_superuser, bob.is_staff) == (Role.BDR, False, False)


def test_the_last_admin_cannot_be_deleted_or_demoted_in_the_django_admin(admin_client, alice):
    delete = admin_client.post(f"/django-admin/accounts/user/{alice.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    bulk = admin_client.post(
        "/django-admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [alice.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert User.objects.filter(pk=alice.pk, role=Role.ADMIN, is_active=True).exists()


def test_no_user_is_added_and_no_password_set_through_the_django_admin(admin_client, bob):
    passwords = {"password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"}
    add = admin_client.post(
        "/django-admin/accounts/user/add/", {"username": "mallory", **passwords}
    )
    assert add.status_code == 403
    assert not User.objects.filter(username="mallory").exists()
    password = admin_client.post(f"/django-admin/accounts/user/{bob.pk}/password/", passwords)
    assert password.status_code == 403
    bob.refresh_from_db()
    assert not bob.check_password("a-long-passphrase-9")


def test_the_connection_cannot_be_deleted_in_the_django_admin(admin_client, alice):
    connection_update(api_key="lusha-key-admin-0001", base_url="", updated_by=alice)
    audited = AuditEvent.objects.count()
    url = "/django-admin/accounts/lushaconnection/1/delete/"
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 403
    assert connection_get().has_key
    assert AuditEvent.objects.count() == audited


def test_django_groups_are_not_offered_at_all(admin_client):
    assert admin_client.get("/django-admin/auth/group/add/").status_code == 404


def test_users_and_the_connection_are_still_shown(admin_client, bob):
    page = admin_client.get(f"/django-admin/accounts/user/{bob.pk}/change/")
    assert page.status_code == 200
    assert b"bob" in page.content
    assert b'name="_save"' not in page.content, "nothing to save"
    assert admin_client.get("/django-admin/accounts/user/").status_code == 200


@pytest.mark.parametrize("model", [User, LushaConnection])
def test_no_admin_registration_can_change_users_or_the_connection(rf, alice, model):
    request = rf.get("/django-admin/")
    request.user = alice
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
