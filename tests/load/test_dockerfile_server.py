"""The production image's server options are the ones the month-end benchmark measures
(bench/load.py reads them from the Dockerfile's CMD): they must parse as gunicorn's own."""

from gunicorn.config import Config

from bench.loadkit import dockerfile_gunicorn_options


def test_the_dockerfile_runs_gunicorns_threaded_worker_with_options_gunicorn_accepts():
    options = dockerfile_gunicorn_options()
    parsed = Config().parser().parse_args([*options, "skills_portal.wsgi:application"])
    assert parsed.worker_class == "gthread"
    assert parsed.workers >= 2 and parsed.threads >= 2
    assert "--bind" not in options  # the benchmark binds to its own loopback port
