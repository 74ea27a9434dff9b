import pytest
from django.conf import settings
from django.db.backends.signals import connection_created

from targets.seeding import load_seed_plans


def _shared_cache_reads_without_table_locks(sender, connection, **kwargs):
    """The SQLite test database lives in memory with a shared cache, where a reader takes a
    lock on each table it reads and a writer's lock makes it fail at once ("database table is
    locked"), unlike a file database, whose readers never block a writer nor wait for one
    (WAL). Tests that run a Celery worker or a server thread beside the test's own reads would
    fail on that alone: reading uncommitted, as SQLite offers for a shared cache only, takes
    no such locks. Writers still take turns."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        connection.connection.execute("PRAGMA read_uncommitted = 1")


connection_created.connect(_shared_cache_reads_without_table_locks,
                           dispatch_uid="tests.shared_cache_reads")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The five seed plans are loaded once per test session; each test runs in a transaction
    that is rolled back, so tests see them unchanged."""
    with django_db_blocker.unblock():
        load_seed_plans(settings.FIXTURES_DIR)


@pytest.fixture
def seeded(transactional_db):
    """Live-server tests run outside the rolled-back transaction, in a database that earlier
    transactional tests may have flushed: load the seed plans again (idempotent)."""
    load_seed_plans(settings.FIXTURES_DIR)


def unit(path: str):
    from org.models import OrgUnit

    node = None
    for name in path.split("/"):
        node = OrgUnit.objects.get(parent=node, name=name)
    return node


@pytest.fixture
def wenzhou():
    return unit("全国/浙江省/温州市")


@pytest.fixture
def longling():
    return unit("全国/云南省/保山市/龙陵县")


@pytest.fixture
def lucheng():
    return unit("全国/浙江省/温州市/鹿城区")


@pytest.fixture
def longwan():
    return unit("全国/浙江省/温州市/龙湾区")


@pytest.fixture(autouse=True)
def _fresh_option_lists():
    """Option sets are cached per process for a few seconds (org.options): a test starts from
    the database's lists, not from values an earlier test added and rolled back. Likewise
    whether a user's units hold demo figures (targets.context_processors), and the schedules
    and validation rules every save reads (skills_portal.memo)."""
    from org import options
    from skills_portal import memo
    from targets import context_processors

    options.forget()
    context_processors.forget()
    memo.forget_all()
    yield
    options.forget()
    context_processors.forget()
    memo.forget_all()


@pytest.fixture(autouse=True)
def _no_sweep_on_commit(settings):
    """Saving figures asks Celery for a roll-up sweep after commit, and changing a definition
    for a roll-up request; tests that exercise them switch them back on."""
    settings.ROLLUP_SWEEP_ON_COMMIT = False
    settings.ROLLUP_SWEEP_IN_BACKGROUND = False  # a test that sweeps on commit sweeps in line
    # Changing a target or an indicator queues no roll-up request (#26); the tests of that
    # path switch it on.
    settings.ROLLUP_ON_DEFINITION_CHANGE = False
    # A test that rolls up again reads the new snapshot at once (the month-end grace of the
    # dashboard's cache has its own test).
    settings.DASHBOARD_STALE_SECONDS = 0
    # No sweep is left "queued" by an earlier test that sent one no worker took.
    from django.core.cache import cache

    from progress.tasks import SWEEP_QUEUED_KEY

    cache.delete(SWEEP_QUEUED_KEY)
