"""Benchmarks (not part of the test run). Each script puts the project on sys.path and calls
`setup()` before importing Django code."""

import os


def setup() -> None:
    """Django with the base settings, no roll-up sweeps on commit, quiet logs."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skills_portal.settings.base")
    os.environ["ROLLUP_SWEEP_ON_COMMIT"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def require_postgresql() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        import sys

        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL to a scratch database.")


def fresh_database() -> None:
    """The scratch database emptied, migrated and loaded with the five seed plans."""
    from pathlib import Path

    from django.core.management import call_command

    from targets.seeding import load_seed_plans

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    load_seed_plans(Path(__file__).resolve().parent.parent / "fixtures")


def median_time(fn, repeat: int) -> float:
    """The median wall time of `repeat` calls of `fn`, in seconds."""
    import statistics
    import time

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
