"""A second process for the shared-limit test: N calls to one endpoint through the client and
the Redis limiter, as fast as the limiter lets them go.

    python -m tests.lusha.limit_hammer BASE_URL REDIS_URL CALLS
"""

import sys

import redis

from lusha_portal.lusha.client import TASK_RETRY, CallContext, LushaClient
from lusha_portal.lusha.ratelimit import RedisRateLimiter


def main(base_url: str, redis_url: str, calls: int) -> None:
    client = LushaClient(
        credentials=lambda: (base_url, "sbx-limit-test"),
        limiter=RedisRateLimiter(redis.Redis.from_url(redis_url)),
        context=CallContext(purpose="filter_catalog"),
        retry=TASK_RETRY,
    )
    for _ in range(calls):
        client.contact_filter_types()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
