"""Hot queries the ORM builds and compiles once a process, then runs with each request's values.

Building and compiling a queryset costs far more CPU than PostgreSQL takes to answer a small
query: an empty list's five member counts were 3.0 ms to build, compile and run through the
ORM and 0.25 ms run from the SQL compiled once; a lookup for "runs under way" that finds none
was over a millisecond a page. The SQL still comes from the ORM (the models, their lookups and
the Q definitions the rest of the code uses), so it cannot drift from them.

    RUN_IDS = CompiledQuery(
        lambda list_id, since: AddAllRun.objects.filter(lead_list_id=list_id, created_at__gte=since)
        .values_list("pk")[:3],
        list_id=SENTINEL_ID,
        since=SENTINEL_MOMENT,
    )
    RUN_IDS.rows(list_id=7, since=timezone.now() - timedelta(days=7))  # [(12,), (9,)]

Each value named is marked by a sentinel that the compiled parameters must hold exactly once;
the rows are the database's own tuples (ids, counts, dates: no model instances, no JSON
decoding), so it suits scalars; `instances` makes model instances of rows that are a model's
every column (`columns_of(Model)`), none of them JSON. A queryset with a variable-length
`__in` cannot be compiled once (its placeholders grow with the list).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model, QuerySet

# Values no row holds: no id is negative, nothing happened in 1901.
SENTINEL_ID = -7_300_001
SENTINEL_OTHER_ID = -7_300_002
# For a field that cannot be negative (Django compiles a negative value there away): an int4
# no page number, count or position reaches.
SENTINEL_NUMBER = 2_100_000_001
SENTINEL_MOMENT = datetime.datetime(1901, 1, 1, tzinfo=datetime.UTC)
SENTINEL_DAY = datetime.date(1901, 1, 1)
SENTINEL_OTHER_DAY = datetime.date(1901, 1, 2)
SENTINEL_THIRD_DAY = datetime.date(1901, 1, 3)
SENTINEL_FOURTH_DAY = datetime.date(1901, 1, 4)
SENTINEL_TEXT = "\x1fcompiled-sql-sentinel\x1f"
SENTINEL_OTHER_TEXT = "\x1fcompiled-sql-sentinel-2\x1f"


def _same(param, sentinel) -> bool:
    # isinstance: inside an expression Django passes psycopg's Int4 (an int) for an int. A
    # datetime is a date too, but never equal to one.
    return isinstance(param, type(sentinel)) and param == sentinel


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], **sentinels):
        self._build = build
        self._sentinels = sentinels

    @functools.cached_property
    def _compiled(self) -> tuple[str, tuple, dict[int, str]]:
        sql, params = self._build(**self._sentinels).query.sql_with_params()
        slots = {}
        for name, sentinel in self._sentinels.items():
            found = [i for i, param in enumerate(params) if _same(param, sentinel)]
            if len(found) != 1:
                raise ValueError(f"{name} must be one parameter of the compiled SQL: {sql}")
            slots[found[0]] = name
        return sql, tuple(params), slots

    def rows(self, **values) -> list[tuple]:
        """The query's rows for these values (one for each sentinel named)."""
        return self._run(values)[1]

    def dicts(self, **values) -> list[dict]:
        """The rows as dicts keyed by their columns' names, as a values() queryset gives them
        (with the database's own types: a SUM of integers is a Decimal, a DATE_TRUNC a
        datetime)."""
        names, rows = self._run(values)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _run(self, values: dict) -> tuple[list[str], list[tuple]]:
        sql, params, slots = self._compiled
        if set(values) != set(self._sentinels):
            raise TypeError(f"give exactly {sorted(self._sentinels)}")
        bound = [values[slots[i]] if i in slots else param for i, param in enumerate(params)]
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            return [column.name for column in cursor.description], cursor.fetchall()

    def instances(self, model: type[Model], **values) -> list[Model]:
        """The rows as instances of `model`, as the ORM would load them (Model.from_db): the
        query's values_list must be `columns_of(model)`."""
        names = columns_of(model)
        return [model.from_db(DEFAULT_DB_ALIAS, names, row) for row in self.rows(**values)]


def columns_of(model: type[Model]) -> list[str]:
    """Every column of the model, in its order: what `instances` reads."""
    return [field.attname for field in model._meta.concrete_fields]
