"""Pages for first run, signing in, user management and the Lusha connection (spend and the
ledger are in the spend app)."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.connection import (
    ConnectionChangeRefusedError,
    connection_get,
    connection_key_remove,
    connection_mode,
    connection_test,
    connection_update,
)
from accounts.forms import (
    ActiveForm,
    FirstAdminForm,
    LushaConnectionForm,
    RoleForm,
    ThrottledAuthenticationForm,
    UserCreateForm,
)
from accounts.models import OidcIdentity, Role, User
from accounts.oidc import (
    SESSION_ID_TOKEN,
    SESSION_NEXT,
    OidcSignInError,
    oidc_authorize_redirect,
    oidc_callback_claims,
    oidc_enabled,
    oidc_logout_url,
)
from accounts.permissions import ADMINS, EVERYONE, role_required
from accounts.services import (
    FirstRunAlreadyDoneError,
    LastAdminError,
    OidcAccessRefusedError,
    first_admin_create,
    first_run_is_pending,
    oidc_user_sign_in,
    user_active_set,
    user_create,
    user_password_link_check,
    user_password_link_issue,
    user_role_change,
)
from accounts.throttling import login_device_cookie_set

logger = logging.getLogger(__name__)

# ---- first run and signing in ------------------------------------------------------------


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def first_run(request):
    """Create the first admin; exists only while the portal has no user."""
    if not first_run_is_pending():
        raise Http404("The portal is already set up.")
    form = FirstAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            admin = first_admin_create(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
            )
        except FirstRunAlreadyDoneError:
            messages.error(request, "Someone else finished setting up the portal: sign in.")
            return redirect("accounts:login")
        login(request, admin, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, "Welcome. Add your team under Settings → Users, then set the Lusha key."
        )
        return redirect("accounts:users")
    return render(request, "accounts/first_run.html", {"form": form})


class LoginView(auth_views.LoginView):
    """The password form and, when OIDC_ISSUER is set, the identity provider's button. With
    PASSWORD_SIGN_IN off only the button shows; the break-glass admin's form is at
    ?password=1 (a small link says so)."""

    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        passwords_on = settings.PASSWORD_SIGN_IN
        context.update(
            oidc_enabled=oidc_enabled(),
            oidc_button_label=settings.OIDC_BUTTON_LABEL,
            passwords_on=passwords_on,
            password_form_shown=passwords_on
            or self.request.method == "POST"
            or self.request.GET.get("password") == "1",
        )
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        # This browser is now one of the user's own: an attacker's failures elsewhere never
        # lock it out (accounts.throttling).
        login_device_cookie_set(
            response, request=self.request, username=form.get_user().get_username()
        )
        return response


class LogoutView(auth_views.LogoutView):
    """Sign out here and, after a sign-in through the provider, at the provider too where its
    discovery names an end_session_endpoint (RP-initiated logout)."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(SESSION_ID_TOKEN, "")
        response = super().post(request, *args, **kwargs)
        if id_token and oidc_enabled():
            back = _portal_url(request, reverse("accounts:login"))
            url = oidc_logout_url(id_token=id_token, post_logout_redirect_uri=back)
            if url:
                return redirect(url)
        return response


def _portal_url(request, path: str) -> str:
    """An absolute address of the portal: PORTAL_BASE_URL's when set (behind a proxy the
    request's own host may be an internal one), else the request's."""
    if settings.PORTAL_BASE_URL:
        return settings.PORTAL_BASE_URL.rstrip("/") + path
    return request.build_absolute_uri(path)


@never_cache
@require_GET
def oidc_start(request):
    """The provider's button: off to its sign-in page, with a state, a nonce and a PKCE
    challenge this session keeps."""
    if not oidc_enabled():
        raise Http404("Sign-in through an identity provider is not set up.")
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    request.session[SESSION_NEXT] = next_url
    try:
        return oidc_authorize_redirect(
            request, redirect_uri=_portal_url(request, reverse("accounts:oidc_callback"))
        )
    except OidcSignInError as error:
        messages.error(request, str(error))
        return redirect("accounts:login")


@never_cache
@require_GET
def oidc_callback(request):
    """Where the provider sends the browser back: check its answer, then sign the person in
    (accounts.services.oidc_user_sign_in decides whether, and with which role)."""
    if not oidc_enabled():
        raise Http404("Sign-in through an identity provider is not set up.")
    try:
        claims, id_token = oidc_callback_claims(request)
    except OidcSignInError as error:
        messages.error(request, str(error))
        return redirect("accounts:login")
    next_url = request.session.pop(SESSION_NEXT, "")
    try:
        user = oidc_user_sign_in(claims=claims)
    except OidcAccessRefusedError as refused:
        logout(request)  # whoever this browser was signed in as before, nobody is now
        return no_access(request, reason=str(refused))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_ID_TOKEN] = id_token
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


def no_access(request, *, reason: str):
    """The provider knows this person, the portal gives them no role: say whom to ask."""
    contact = settings.OIDC_ACCESS_CONTACT
    admins = []
    if not contact:
        admins = [
            admin.get_full_name() or admin.get_username()
            for admin in User.objects.filter(role=Role.ADMIN, is_active=True).order_by("username")[
                :5
            ]
        ]
    context = {"reason": reason, "contact": contact, "admins": admins}
    return render(request, "accounts/no_access.html", context, status=403)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


@never_cache
@sensitive_post_parameters("token", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def set_password(request):
    """The one-time link an admin hands to a new user (or after a reset). The link's token is
    after "#": the page's script (static/js/portal.js) puts it in the form, which posts it, so
    it is never in a URL a server or proxy logs."""
    uid, token = request.POST.get("uid", ""), request.POST.get("token", "")
    form = SetPasswordForm(None)
    if request.method == "POST":
        user = user_password_link_check(uidb64=uid, token=token)
        if user is None:
            context = {"validlink": False, "hours": settings.SET_PASSWORD_LINK_HOURS}
            return render(request, "accounts/set_password.html", context, status=400)
        form = SetPasswordForm(user, request.POST)
        if form.is_valid():
            form.save()
            logger.info("user %s set a password through their link", user.pk)
            return redirect("accounts:set_password_done")
    context = {"validlink": True, "form": form, "uid": uid, "token": token}
    return render(
        request, "accounts/set_password.html", context, status=400 if form.errors else 200
    )


@never_cache
def set_password_done(request):
    return render(request, "accounts/set_password_done.html")


# ---- settings: users ---------------------------------------------------------------------


@role_required(*EVERYONE)
def settings_index(request):
    return render(request, "accounts/settings.html")


def _users_page(request, *, form, status=200):
    users = User.objects.order_by("-is_active", "username").annotate(
        signs_in_with_provider=Exists(OidcIdentity.objects.filter(user=OuterRef("pk")))
    )
    context = {
        "users": users,
        "form": form,
        "role_choices": User._meta.get_field("role").choices,
        "roles_from_provider": bool(settings.OIDC_ROLE_GROUPS),
    }
    return render(request, "accounts/users.html", context, status=status)


def _password_link_page(request, *, user, heading):
    link = request.build_absolute_uri(user_password_link_issue(user=user, issued_by=request.user))
    context = {
        "managed_user": user,
        "link": link,
        "heading": heading,
        "hours": settings.SET_PASSWORD_LINK_HOURS,
    }
    response = render(request, "accounts/password_link.html", context)
    add_never_cache_headers(response)  # the link is shown once: no cache keeps a copy
    return response


@role_required(*ADMINS)
@require_http_methods(["GET", "POST"])
def users(request):
    """List users and create one (who then gets a set-password link, shown once)."""
    form = UserCreateForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _users_page(request, form=form, status=400)
        user = user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            role=form.cleaned_data["role"],
            created_by=request.user,
        )
        return _password_link_page(request, user=user, heading=f"{user.username} was created")
    return _users_page(request, form=form)


def _user_row(request, user, *, error=""):
    """The changed row for htmx; without htmx, back to the users page with a message."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"{user.username} was updated.")
        return redirect("accounts:users")
    # 200 even with an error: htmx swaps only successful answers, and the row shows the error.
    user.signs_in_with_provider = OidcIdentity.objects.filter(user=user).exists()
    context = {
        "u": user,
        "role_choices": User._meta.get_field("role").choices,
        "error": error,
        "roles_from_provider": bool(settings.OIDC_ROLE_GROUPS),
    }
    return render(request, "accounts/users.html#user-row", context)


@role_required(*ADMINS)
@require_POST
def user_role(request, user_id: int):
    user = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _user_row(request, user, error="Choose one of the listed roles.")
    try:
        user = user_role_change(user=user, role=form.cleaned_data["role"], changed_by=request.user)
    except LastAdminError as error:
        return _user_row(request, user, error=str(error))
    return _user_row(request, user)


@role_required(*ADMINS)
@require_POST
def user_active(request, user_id: int):
    user = get_object_or_404(User, pk=user_id)
    form = ActiveForm(request.POST)
    form.is_valid()  # a missing box means "inactive", as an unticked checkbox does
    try:
        user = user_active_set(
            user=user, active=form.cleaned_data["active"], changed_by=request.user
        )
    except LastAdminError as error:
        return _user_row(request, user, error=str(error))
    return _user_row(request, user)


@role_required(*ADMINS)
@require_POST
def user_password_link(request, user_id: int):
    """A fresh set-password link for a user who lost theirs or forgot their password."""
    user = get_object_or_404(User, pk=user_id)
    return _password_link_page(request, user=user, heading=f"New password link for {user}")


# ---- settings: the Lusha connection -------------------------------------------------------


@sensitive_variables("form")
@sensitive_post_parameters("api_key")
@role_required(*ADMINS)
@require_http_methods(["GET", "POST"])
def lusha_connection(request):
    """Set or replace the key and base URL, or test them; the page only shows the key's mask."""
    action = request.POST.get("action") if request.method == "POST" else ""
    if action == "remove":
        connection_key_remove(removed_by=request.user)
        messages.success(request, "The Lusha key was removed.")
        return redirect("accounts:lusha_connection")
    if action == "test":
        connection = connection_test(user=request.user)
        if request.htmx:
            context = {"connection": connection, "lusha_mode": connection_mode()}
            return render(request, "accounts/lusha_connection.html#connection-check", context)
        return redirect("accounts:lusha_connection")
    connection = connection_get()
    initial = {"base_url": connection.base_url}
    form = LushaConnectionForm(request.POST or None, initial=initial, connection=connection)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                connection_update(
                    api_key=form.cleaned_data["api_key"],
                    base_url=form.cleaned_data["base_url"],
                    updated_by=request.user,
                )
            except ConnectionChangeRefusedError as refused:  # changed by someone else meanwhile
                form.add_error(None, str(refused))
            else:
                messages.success(request, "The Lusha connection was saved. Test it below.")
                return redirect("accounts:lusha_connection")
        status = 400
    context = {"form": form, "connection": connection, "sandbox_url": settings.LUSHA_SANDBOX_URL}
    return render(request, "accounts/lusha_connection.html", context, status=status)
