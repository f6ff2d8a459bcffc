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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A row as the ledger writes it (accounts/ledger.py): counted in its day's roll-up and
        # the month's budget counts in the same transaction, which the spend pages read.
        from spend.services import spend_call_record

        created_at = kwargs.pop("created_at", None)  # auto_now_add: set after the insert
        call = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=call.pk).update(created_at=created_at)
            call.created_at = created_at
        spend_call_record(
            user_id=call.user_id, list_id=call.list_id, purpose=call.purpose,
            credits=call.credits_charged, when=call.created_at,
        )  # fmt: skip
        return call
