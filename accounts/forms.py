"""Forms for sign-in, first run, user management and the Lusha connection."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from accounts.connection import connection_change_problem
from accounts.models import Role, User
from accounts.throttling import login_attempt_start, login_attempt_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form where every try first takes a slot from the sign-in throttle
    (accounts.throttling); only a real sign-in gives it back."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": (
            "Too many failed sign-in attempts for this account. Try again in %(minutes)d "
            "minute(s), or ask an admin for a new password link."
        ),
    }

    def clean(self):
        # The raw value when the field itself is invalid (too long, say): that try counts too.
        username = self.cleaned_data.get("username") or str(self.data.get("username", ""))
        attempt = login_attempt_start(request=self.request, username=username)
        if attempt.locked_for:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, -(-attempt.locked_for // 60))},
            )
        # A wrong password raises here, a blank one leaves user_cache empty: either way the
        # slot taken above stays spent.
        cleaned = super().clean()
        if self.user_cache is not None:
            login_attempt_succeeded(attempt)
        return cleaned


class FirstAdminForm(UserCreationForm):
    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserCreateForm(forms.ModelForm):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.BDR)

    class Meta:
        model = User
        fields = ("username", "email", "first_name", "last_name", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ActiveForm(forms.Form):
    active = forms.BooleanField(required=False)


class LushaConnectionForm(forms.Form):
    api_key = forms.CharField(
        label="API key",
        required=False,
        strip=True,
        max_length=200,
        # Never rendered back: the page shows only the mask.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Leave empty to keep the current key.",
    )
    base_url = forms.URLField(
        label="API base URL",
        required=False,
        assume_scheme="https",
        help_text=(
            "Empty means the default from LUSHA_API_BASE_URL. The key is sent only to the hosts "
            "the server's LUSHA_ALLOWED_HOSTS names; changing the URL needs the key again."
        ),
    )

    def __init__(self, *args, connection, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = connection
        self.has_key = connection.has_key

    def clean_api_key(self):
        api_key = self.cleaned_data["api_key"]
        if not api_key and not self.has_key:
            raise forms.ValidationError("Enter the API key from your Lusha account.")
        if api_key and any(character.isspace() for character in api_key):
            raise forms.ValidationError("A Lusha API key has no spaces; check what was pasted.")
        if api_key and not (api_key.isascii() and api_key.isprintable()):
            # HTTP headers cannot carry it: every call to Lusha would fail.
            raise forms.ValidationError(
                "A Lusha API key is plain letters, digits and dashes; this one holds another "
                "character (a curly quote or a long dash pasted from a document?)."
            )
        return api_key

    def clean_base_url(self):
        return self.cleaned_data["base_url"].rstrip("/")

    def clean(self):
        cleaned = super().clean()
        if "api_key" in cleaned and "base_url" in cleaned:
            problem = connection_change_problem(
                api_key=cleaned["api_key"], base_url=cleaned["base_url"], connection=self.connection
            )
            if problem:
                field = "api_key" if problem.startswith("Enter the API key") else "base_url"
                self.add_error(field, problem)
        return cleaned
