# The URL x role table's objects (a list, a job, an import, a watch, an event, the personas),
# behind the refused canary key of tests/test_access.py.
from tests.test_access import portal  # noqa: F401
