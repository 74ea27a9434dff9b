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
