"""The Celery broker transport: kombu's Redis transport, with one repair so a worker rides out
a Redis restart while tasks are running."""

from kombu.transport import redis as kombu_redis
from redis import exceptions as redis_exceptions


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        # Celery 5.7.0's consumer, after losing the broker, collects the connection (which
        # detaches the transport from it) and then closes it again; that second close restores
        # the unacknowledged messages of running acks_late tasks through the detached
        # transport, and the AttributeError it met killed the worker. Say what it is: a
        # connection error, which the close ignores and the consumer reconnects after.
        if self.connection.client is None:
            raise redis_exceptions.ConnectionError("the broker connection was already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
