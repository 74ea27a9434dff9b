"""Issue #25 on SQLite: the embedded default as `scripts/serve` runs it (a file database,
gunicorn's threaded worker, the roll-up sweep on the server's thread) takes saves from several
clerks at once while a long roll-up runs beside it in another process: every save is
acknowledged (no 5xx, no reset), and every acknowledged save is in the database with its
value and audit entry once the sweeps are done."""

from __future__ import annotations

import subprocess
import time

import pytest
from django.db import connection

from bench import loadkit

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the embedded default is SQLite; PostgreSQL: tests/load/test_saves_under_rollup.py")

MONTHS = ["2025-09", "2025-08", "2023-06", "2021-11"]


def test_the_embedded_server_keeps_every_save_during_a_long_rollup(tmp_path):
    stack = loadkit.embedded(tmp_path)
    stack.prepare(demo=False)
    actors = stack.actors(clerks=6)
    assert len(actors["clerks"]) == 6
    stack.start()
    rollup = subprocess.Popen(
        [loadkit.PY, "manage.py", "rollup", "--from", "2021-01", "--to", "2025-12"],
        cwd=loadkit.ROOT, env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True)
    try:
        tally = loadkit.play(stack, actors, seconds=20, clerks=6, reviewers=0, officials=2,
                             months=MONTHS, review_month="2025-09")
        assert rollup.wait(timeout=600) == 0, rollup.stderr.read()[-2000:]
        deadline = time.time() + 300
        while time.time() < deadline and "MARKS 0" not in stack.manage(
                "shell", "-c", "from progress.models import RollupMark; "
                               "print('MARKS', RollupMark.objects.count())"):
            time.sleep(1)
        kept, acknowledged, detail = loadkit.kept(stack, tally)
    finally:
        rollup.kill()
        stack.stop()
    assert tally.errors == []
    # A shared CI machine may manage only a save every few seconds per clerk; a dozen cells
    # each saved and read back is enough to catch a lost one.
    assert acknowledged >= 12, "too few saves to say anything"
    assert kept == acknowledged, detail
    assert tally.dashboard_ms, "the officials' dashboard answered nothing"
