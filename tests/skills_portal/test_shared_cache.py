"""Issue #25: the embedded default serves from two processes (scripts/serve), which share a
file cache (CACHE_DIR) instead of each keeping its own in memory: an Idempotency-Key's answer
and the dashboard's one-builder guard must hold across processes."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from skills_portal.cache import SharedFileCache

ROOT = Path(__file__).resolve().parents[2]


def _contend(directory: str, keys: list[str], start, results) -> None:
    cache = SharedFileCache(directory, {})
    start.wait()
    results.put([key for key in keys if cache.add(key, os.getpid(), 60)])


def test_shared_file_cache_add_is_won_once_per_key_across_processes(tmp_path):
    keys = [f"idempotency:running:{n}" for n in range(60)]
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=_contend, args=(str(tmp_path), keys, start, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    won = [key for _ in workers for key in results.get(timeout=120)]
    for worker in workers:
        worker.join(60)
    assert sorted(won) == sorted(keys)  # every key added once, by exactly one process
    cache = SharedFileCache(str(tmp_path), {})
    assert {cache.get(key) for key in keys} <= {worker.pid for worker in workers}


def test_shared_file_cache_is_seen_by_another_process(tmp_path):
    SharedFileCache(str(tmp_path), {}).set("dashboard:latest:x", b"payload", 60)
    code = ("from skills_portal.cache import SharedFileCache; import sys; "
            f"sys.stdout.write(repr(SharedFileCache({str(tmp_path)!r}, {{}}).get("
            "'dashboard:latest:x')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**os.environ,
                                          "DJANGO_SETTINGS_MODULE": "skills_portal.settings.base"})
    assert out.stdout == "b'payload'"


def test_cache_dir_gives_the_shared_cache_and_without_it_each_process_its_own(tmp_path):
    code = ("import django; django.setup(); from django.core.cache import caches; "
            "print(type(caches['default']).__name__)")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_DIR")}
    env["DJANGO_SETTINGS_MODULE"] = "skills_portal.settings.base"
    shared = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, env={**env, "CACHE_DIR": str(tmp_path)})
    own = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=env)
    assert shared.stdout.split() == ["SharedFileCache"]
    assert own.stdout.split() == ["LocMemCache"]
