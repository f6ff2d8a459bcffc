import factory

from accounts.models import Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    role = Role.BDR
    password = factory.django.Password(PASSWORD)
    is_staff = factory.LazyAttribute(lambda user: user.role == Role.ADMIN)
    is_superuser = factory.LazyAttribute(lambda user: user.role == Role.ADMIN)


class ApiCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.ApiCall"

    purpose = "contact_search"
    endpoint = "contacts.search"
    method = "POST"
    path = "/v3/contacts/search"
    http_status = 200
    records_requested = 10
    records_returned = 8
    credits_charged = 8
