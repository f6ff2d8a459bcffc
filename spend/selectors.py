"""Reads for the spend pages: the roll-ups (SpendDaily) for every total, the ledger (ApiCall)
only for its own page and export.

Every figure on the dashboard is a sum over SpendDaily, a few thousand rows a month, so the page
costs the same with a million ledger rows as with ten.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from accounts.models import UNCERTAIN_STATES, ApiCall, CallState, Purpose, User
from lists.models import EnrichmentJob, LeadList
from lusha_portal.compiled_sql import (
    SENTINEL_DAY,
    SENTINEL_FOURTH_DAY,
    SENTINEL_ID,
    SENTINEL_OTHER_DAY,
    SENTINEL_OTHER_ID,
    SENTINEL_THIRD_DAY,
    CompiledQuery,
)
from spend.alerts import budget_percent
from spend.budgets import month_of
from spend.models import NONE, Budget, BudgetHold, BudgetMonth, SpendDaily

GRANULARITIES = ("day", "week", "month")


# ---- calendar ---------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_before(first: datetime.date) -> datetime.date:
    """The first day of the month before `first` (itself a first day)."""
    return (first - datetime.timedelta(days=1)).replace(day=1)


def bucket_start(day: datetime.date, granularity: str) -> datetime.date:
    """The first day of the bucket `day` falls in (weeks start on Monday, as in ISO)."""
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return month_start(day)
    return day


def bucket_days(start: datetime.date, end: datetime.date, granularity: str) -> list:
    """Every bucket between start and end, both included, so empty ones show as gaps."""
    buckets, current = [], bucket_start(start, granularity)
    while current <= end:
        buckets.append(current)
        if granularity == "day":
            current += datetime.timedelta(days=1)
        elif granularity == "week":
            current += datetime.timedelta(days=7)
        else:
            current = (current.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return buckets


@functools.cache
def purpose_label(purpose: str) -> str:
    # Cached: Purpose.choices builds its list on every call, and a chart asks hundreds of times.
    return dict(Purpose.choices).get(purpose, purpose.replace("_", " ").capitalize())


# ---- the dashboard ----------------------------------------------------------------------------


def _rollups(
    *, start: datetime.date, end: datetime.date, user_id: int | None, list_id: int | None
) -> QuerySet:
    rows = SpendDaily.objects.filter(day__gte=start, day__lte=end)
    if user_id:
        rows = rows.filter(user_id=user_id)
    if list_id:
        rows = rows.filter(list_id=list_id)
    return rows


# The dashboard's figures, compiled once a process for each shape its filters give (by user or
# not, by list or not, and the chart's granularity): built and compiled by the ORM on every
# view, each of these small sums cost about a millisecond of CPU against a fifth of that to
# run. Their values (sums, truncated days) come back as the database gives them.


@functools.cache
def _series_query(granularity: str, *, by_user: bool, by_list: bool) -> CompiledQuery:
    def build(start, end, user_id=None, list_id=None) -> QuerySet:
        rows = _rollups(start=start, end=end, user_id=user_id, list_id=list_id)
        if granularity == "day":
            rows = rows.annotate(bucket=F("day"))
        else:
            truncate = TruncWeek if granularity == "week" else TruncMonth
            rows = rows.annotate(bucket=truncate("day"))
        return (
            rows.values("bucket", "purpose")
            .annotate(
                total=Sum("credits"),
                saved_count=Sum("saved_count"),
                saved_credits=Sum("saved_credits"),
            )
            .order_by()
        )

    return CompiledQuery(
        build, **_scope_sentinels(by_user, by_list), start=SENTINEL_DAY, end=SENTINEL_OTHER_DAY
    )


def _scope_sentinels(by_user: bool, by_list: bool) -> dict:
    return ({"user_id": SENTINEL_ID} if by_user else {}) | (
        {"list_id": SENTINEL_OTHER_ID} if by_list else {}
    )


@dataclass
class Saved:
    purpose: str
    label: str
    count: int
    credits: int


@dataclass
class Series:
    """Credits per bucket and purpose, in the order the chart stacks them, and what the
    portal's store and cache saved in the same range (read by the same query)."""

    buckets: list  # first day of each bucket
    purposes: list  # purposes that spent something, most expensive first
    credits: dict = field(default_factory=dict)  # (bucket, purpose) -> credits
    saved: list = field(default_factory=list)  # Saved, most credits first

    def total(self, bucket) -> int:
        return sum(self.credits.get((bucket, purpose), 0) for purpose in self.purposes)

    @property
    def grand_total(self) -> int:
        return sum(self.credits.values())


def spend_series(
    *,
    start: datetime.date,
    end: datetime.date,
    granularity: str,
    user_id: int | None = None,
    list_id: int | None = None,
) -> Series:
    """Credits spent per day, week or month, by purpose (what the chart stacks), and the
    credits saved by purpose over the whole range."""
    if granularity not in ("week", "month"):
        granularity = "day"
    scope = {"user_id": user_id} if user_id else {}
    scope |= {"list_id": list_id} if list_id else {}
    query = _series_query(granularity, by_user="user_id" in scope, by_list="list_id" in scope)
    credits: dict = {}
    by_purpose: dict = {}
    saved: dict = {}
    for row in query.dicts(start=start, end=end, **scope):
        purpose = row["purpose"]
        total, saved_count, saved_credits = (
            int(row[name] or 0) for name in ("total", "saved_count", "saved_credits")
        )
        if saved_count or saved_credits:
            count, worth = saved.get(purpose, (0, 0))
            saved[purpose] = (count + saved_count, worth + saved_credits)
        if not total:
            continue
        bucket = row["bucket"]
        if isinstance(bucket, datetime.datetime):  # DATE_TRUNC answers a timestamp
            bucket = bucket.date()
        credits[(bucket, purpose)] = credits.get((bucket, purpose), 0) + total
        by_purpose[purpose] = by_purpose.get(purpose, 0) + total
    purposes = sorted(by_purpose, key=lambda purpose: (-by_purpose[purpose], purpose))
    return Series(
        buckets=bucket_days(start, end, granularity),
        purposes=purposes,
        credits=credits,
        saved=sorted(
            (
                Saved(purpose, purpose_label(purpose), *figures)
                for purpose, figures in saved.items()
            ),
            key=lambda row: (-row.credits, row.purpose),
        ),
    )


@dataclass
class UserSpend:
    user_id: int
    name: str
    this_month: int
    last_month: int
    budget: int | None

    @property
    def percent_used(self) -> int | None:
        return budget_percent(spent=self.this_month, limit=self.budget)


def _month_sums(rows: QuerySet, today: datetime.date) -> dict:
    this_month = month_start(today)
    last_month = month_before(this_month)
    return rows.filter(day__gte=last_month, day__lte=today).aggregate(
        this_month=Sum("credits", filter=Q(day__gte=this_month), default=0),
        last_month=Sum("credits", filter=Q(day__lt=this_month), default=0),
    )


_BUDGETS = CompiledQuery(lambda: Budget.objects.values_list("user_id", "monthly_credits"))


def budgets_monthly() -> dict[int | None, int]:
    """Every monthly budget in one read: user id -> credits, and None -> the team's."""
    return dict(_BUDGETS.rows())


@functools.cache
def _by_user_query(*, by_list: bool) -> CompiledQuery:
    def build(last_month, today, this_month, this_month_again, list_id=None) -> QuerySet:
        rows = SpendDaily.objects.filter(day__gte=last_month, day__lte=today)
        if list_id:
            rows = rows.filter(list_id=list_id)
        return (
            rows.values("user_id")
            .annotate(
                this_month=Sum("credits", filter=Q(day__gte=this_month), default=0),
                last_month=Sum("credits", filter=Q(day__lt=this_month_again), default=0),
            )
            .order_by()
        )

    return CompiledQuery(
        build,
        **_scope_sentinels(False, by_list),
        last_month=SENTINEL_DAY,
        today=SENTINEL_OTHER_DAY,
        this_month=SENTINEL_THIRD_DAY,
        this_month_again=SENTINEL_FOURTH_DAY,
    )


def spend_by_user(
    *,
    today: datetime.date,
    list_id: int | None = None,
    budgets: dict[int | None, int] | None = None,
    names: dict[int, str] | None = None,
) -> list[UserSpend]:
    """This month's and last month's credits per user, with each one's budget; users with a
    budget appear even before they spend. Calls nobody caused (scheduled checks) are "system".
    `budgets` (budgets_monthly) and `names` (user id -> name) when the caller read them."""
    this_month = month_start(today)
    scope = {"list_id": list_id} if list_id else {}
    rows = _by_user_query(by_list=bool(scope)).dicts(
        last_month=month_before(this_month),
        today=today,
        this_month=this_month,
        this_month_again=this_month,
        **scope,
    )
    sums = {
        row["user_id"]: {"this_month": int(row["this_month"]), "last_month": int(row["last_month"])}
        for row in rows
        if row["this_month"] or row["last_month"]
    }
    if budgets is None:
        budgets = budgets_monthly()
    budgets = {user_id: credits for user_id, credits in budgets.items() if user_id is not None}
    ids = set(sums) | set(budgets)
    if names is None:
        names = dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))
    table = []
    for user_id in ids:
        row = sums.get(user_id, {})
        name = names.get(user_id) or ("system" if user_id == NONE else f"removed user {user_id}")
        table.append(
            UserSpend(
                user_id=user_id,
                name=name,
                this_month=row.get("this_month", 0),
                last_month=row.get("last_month", 0),
                budget=budgets.get(user_id),
            )
        )
    return sorted(table, key=lambda spend: (-spend.this_month, -spend.last_month, spend.name))


@dataclass
class TeamSpend:
    this_month: int
    last_month: int
    budget: int | None

    @property
    def percent_used(self) -> int | None:
        return budget_percent(spent=self.this_month, limit=self.budget)


def spend_team(
    *,
    today: datetime.date,
    by_user: list[UserSpend] | None = None,
    budgets: dict[int | None, int] | None = None,
) -> TeamSpend:
    """The whole team's credits this month and last, against the team budget if one is set.
    `by_user`, when it covers every list, already holds the sums, and `budgets`
    (budgets_monthly) the team's budget: no second query for either."""
    if by_user is None:
        sums = _month_sums(SpendDaily.objects.all(), today)
    else:
        sums = {
            "this_month": sum(row.this_month for row in by_user),
            "last_month": sum(row.last_month for row in by_user),
        }
    if budgets is not None:
        return TeamSpend(**sums, budget=budgets.get(None))
    budget = Budget.objects.filter(user__isnull=True).values_list("monthly_credits", flat=True)
    return TeamSpend(**sums, budget=budget.first())


@dataclass
class ListSpend:
    list_id: int
    name: str
    credits: int
    calls: int


@functools.cache
def _by_list_query(limit: int, *, by_user: bool) -> CompiledQuery:
    def build(start, end, user_id=None) -> QuerySet:
        return (
            _rollups(start=start, end=end, user_id=user_id, list_id=None)
            .exclude(list_id=NONE)
            .values("list_id")
            .annotate(total=Sum("credits"), calls=Sum("calls"))
            .filter(total__gt=0)
            .order_by("-total", "list_id")[:limit]
        )

    return CompiledQuery(
        build, **_scope_sentinels(by_user, False), start=SENTINEL_DAY, end=SENTINEL_OTHER_DAY
    )


def spend_by_list(
    *,
    start: datetime.date,
    end: datetime.date,
    user_id: int | None = None,
    limit: int = 20,
    names: dict[int, str] | None = None,
) -> list[ListSpend]:
    """The lists that cost the most in the range (calls for no list left out); `names` (list
    id -> name) when the caller read them."""
    scope = {"user_id": user_id} if user_id else {}
    rows = _by_list_query(limit, by_user=bool(scope)).dicts(start=start, end=end, **scope)
    if names is None:
        names = dict(
            LeadList.objects.filter(pk__in=[r["list_id"] for r in rows]).values_list("pk", "name")
        )
    return [
        ListSpend(
            list_id=row["list_id"],
            name=names.get(row["list_id"], f"deleted list {row['list_id']}"),
            credits=int(row["total"]),
            calls=int(row["calls"]),
        )
        for row in rows
    ]


def jobs_most_expensive(
    *,
    start: datetime.date,
    end: datetime.date,
    user_id: int | None = None,
    list_id: int | None = None,
    limit: int = 10,
) -> QuerySet:
    """Enrichment jobs started in the range that cost the most."""
    start_at, end_at = day_bounds(start, end)
    jobs = EnrichmentJob.objects.filter(
        created_at__gte=start_at, created_at__lt=end_at, credits_spent__gt=0
    )
    if user_id:
        jobs = jobs.filter(created_by_id=user_id)
    if list_id:
        jobs = jobs.filter(lead_list_id=list_id)
    # Only what the dashboard's table shows of each job, its list and who started it.
    shown = ("credits_spent", "created_at", "status", "lead_list__name", "created_by__username")
    return (
        jobs.select_related("lead_list", "created_by")
        .only(*shown)
        .order_by("-credits_spent", "-pk")[:limit]
    )


# ---- a BDR's own page -------------------------------------------------------------------------


@dataclass
class MySpend:
    this_month: int
    last_month: int
    budget: int | None
    by_purpose: list  # (label, this month, last month)

    @property
    def percent_used(self) -> int | None:
        return budget_percent(spent=self.this_month, limit=self.budget)

    @property
    def left(self) -> int | None:
        return max(0, self.budget - self.this_month) if self.budget else None


def spend_of_user(*, user: User, today: datetime.date) -> MySpend:
    """One user's own spend: never anyone else's rows."""
    this_month = month_start(today)
    last_month = month_before(this_month)
    rows = SpendDaily.objects.filter(user_id=user.pk, day__gte=last_month, day__lte=today)
    by_purpose = (
        rows.values("purpose")
        .annotate(
            this_month=Sum("credits", filter=Q(day__gte=this_month), default=0),
            last_month=Sum("credits", filter=Q(day__lt=this_month), default=0),
        )
        .order_by("-this_month", "-last_month", "purpose")
    )
    budget = Budget.objects.filter(user=user).values_list("monthly_credits", flat=True).first()
    return MySpend(
        **_month_sums(rows, today),
        budget=budget,
        by_purpose=[
            (purpose_label(row["purpose"]), row["this_month"], row["last_month"])
            for row in by_purpose
            if row["this_month"] or row["last_month"]
        ],
    )


# ---- the ledger -------------------------------------------------------------------------------

LEDGER_OUTCOMES = {
    "ok": Q(error_code="", state=CallState.ANSWERED),
    "failed": ~Q(error_code=""),
    # Lusha may have charged for these, and the ledger cannot know how much.
    "uncertain": Q(state__in=UNCERTAIN_STATES),
    "in_flight": Q(state=CallState.SENT),
}


def day_bounds(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """[start of `start`, start of the day after `end`) in the portal's time zone."""
    tz = timezone.get_current_timezone()

    def midnight(day):
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)

    return (
        midnight(start) if start else None,
        midnight(end + datetime.timedelta(days=1)) if end else None,
    )


def _by_purpose_user_list(rows: QuerySet, *, purpose: str, user_id, list_id) -> QuerySet:
    """The ledger's and its daily roll-ups' shared filters (an unknown purpose is ignored)."""
    if purpose in Purpose.values:
        rows = rows.filter(purpose=purpose)
    if user_id:
        rows = rows.filter(user_id=user_id)
    if list_id:
        rows = rows.filter(list_id=list_id)
    return rows


def ledger_calls(
    *,
    purpose: str = "",
    user_id: int | None = None,
    list_id: int | None = None,
    job_id: int | None = None,
    outcome: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet:
    """Ledger rows, newest first, narrowed by the filters that are set (unknown ones ignored)."""
    calls = ApiCall.objects.select_related("user").order_by("-created_at", "-id")
    calls = _by_purpose_user_list(calls, purpose=purpose, user_id=user_id, list_id=list_id)
    if job_id:
        calls = calls.filter(job_id=job_id)
    if outcome in LEDGER_OUTCOMES:
        calls = calls.filter(LEDGER_OUTCOMES[outcome])
    start_at, end_at = day_bounds(start, end)
    if start_at:
        calls = calls.filter(created_at__gte=start_at)
    if end_at:
        calls = calls.filter(created_at__lt=end_at)
    return calls


@dataclass
class LedgerTotals:
    credits: int  # what Lusha said it charged
    uncertain: int  # calls whose answer was lost or unreadable
    uncertain_most: int  # the most those may have cost
    in_flight: int


def ledger_totals(calls: QuerySet) -> LedgerTotals:
    """The page's sums: what was charged, and what lost answers may have cost on top."""
    uncertain = Q(state__in=UNCERTAIN_STATES)
    sums = calls.aggregate(
        credits=Sum("credits_charged", default=0),
        uncertain=Count("id", filter=uncertain),
        uncertain_most=Sum("credits_most", filter=uncertain, default=0),
        in_flight=Count("id", filter=Q(state=CallState.SENT)),
    )
    return LedgerTotals(**sums)


def ledger_figures(
    *,
    purpose: str = "",
    user_id: int | None = None,
    list_id: int | None = None,
    job_id: int | None = None,
    outcome: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> tuple[int, LedgerTotals]:
    """(how many calls, their totals) for ledger_calls with the same filters. Filtered only by
    purpose, user, list and dates, the calls and credits come from the daily roll-ups (every
    ledger write keeps them, in its transaction), so the page costs the same over a ledger of
    a million rows; the few calls still in flight or with a lost answer come from the `state`
    index. A job or an outcome filter narrows the ledger itself: those are summed from it."""
    calls = ledger_calls(
        purpose=purpose, user_id=user_id, list_id=list_id, job_id=job_id, outcome=outcome,
        start=start, end=end,
    ).order_by()  # fmt: skip
    uncertain = Q(state__in=UNCERTAIN_STATES)
    if job_id or outcome in LEDGER_OUTCOMES:
        sums = calls.aggregate(
            count=Count("id"),
            credits=Sum("credits_charged", default=0),
            uncertain=Count("id", filter=uncertain),
            uncertain_most=Sum("credits_most", filter=uncertain, default=0),
            in_flight=Count("id", filter=Q(state=CallState.SENT)),
        )
        return sums.pop("count"), LedgerTotals(**sums)
    rollups = _by_purpose_user_list(
        SpendDaily.objects.all(), purpose=purpose, user_id=user_id, list_id=list_id
    )
    if start:
        rollups = rollups.filter(day__gte=start)
    if end:
        rollups = rollups.filter(day__lte=end)
    rolled = rollups.aggregate(count=Sum("calls", default=0), credits=Sum("credits", default=0))
    open_calls = calls.filter(Q(state__in=(*UNCERTAIN_STATES, CallState.SENT))).aggregate(
        uncertain=Count("id", filter=uncertain),
        uncertain_most=Sum("credits_most", filter=uncertain, default=0),
        in_flight=Count("id", filter=Q(state=CallState.SENT)),
    )
    return rolled["count"], LedgerTotals(credits=rolled["credits"], **open_calls)


_USERS_NAMED = CompiledQuery(
    lambda: User.objects.order_by("username").values_list("pk", "username")
)
_LISTS_NAMED = CompiledQuery(
    lambda: LeadList.objects.order_by("name", "pk").values_list("pk", "name")
)


def ledger_users() -> list[tuple[int, str]]:
    """Every user as (id, username), for the filters of the ledger and the dashboard: a user
    with no calls is a valid (empty) filter."""
    return _USERS_NAMED.rows()


def dashboard_lists() -> list[tuple[int, str]]:
    """Every list as (id, name), by name, for the dashboard's filter and its table's names."""
    return _LISTS_NAMED.rows()


@dataclass
class BudgetRow:
    """One line of the budgets page: whose, the budget, and this month's use of it."""

    user_id: int | None  # None: the team
    name: str
    monthly_credits: int | None
    spent: int
    held: int

    @property
    def percent_used(self) -> int | None:
        # The banner's figure too (spend/alerts.py): the two never disagree.
        return budget_percent(spent=self.spent, limit=self.monthly_credits)

    @property
    def left(self) -> int | None:
        if self.monthly_credits is None:
            return None
        return max(0, self.monthly_credits - self.spent - self.held)


def budgets_table() -> tuple[list[BudgetRow], BudgetRow]:
    """Every active user's budget and this month's spend against it, and the team's. Spend is
    what the budgets count (BudgetMonth), so the page agrees with what a refusal says."""
    month = month_of()
    budgets = {
        b.user_id or NONE: b.monthly_credits
        for b in Budget.objects.all().only("user", "monthly_credits")
    }
    spent = dict(BudgetMonth.objects.filter(month=month).values_list("user_id", "spent"))
    holds = BudgetHold.objects.filter(month=month, expires_at__gt=timezone.now())
    held = dict(holds.values_list("user_id").annotate(total=Sum("credits")).order_by())
    rows = [
        BudgetRow(
            user_id=user.pk,
            name=user.get_username(),
            monthly_credits=budgets.get(user.pk),
            spent=spent.get(user.pk, 0),
            held=held.get(user.pk, 0),
        )
        for user in User.objects.filter(is_active=True).order_by("username")
    ]
    team = BudgetRow(
        user_id=None,
        name="The whole team",
        monthly_credits=budgets.get(NONE),
        spent=spent.get(NONE, 0),
        held=sum(held.values()),
    )
    return rows, team
