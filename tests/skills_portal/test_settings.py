import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DJANGO_SETTINGS_MODULE="skills_portal.settings.production",
        SECRET_KEY="x7!" + "k" * 60 + "-production-test-key-with-enough-entropy-1234567890",
        ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="skills_portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_defaults():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert ("en", "English") in settings.LANGUAGES


def test_without_redis_tasks_run_in_process_and_say_so():
    result = run_manage("check", REDIS_URL="", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "REDIS_URL is not set" in result.stderr


def test_beat_schedule_is_in_code():
    from skills_portal.celery import app

    assert "progress.tasks.verify_org_unit_closure" in {
        entry["task"] for entry in app.conf.beat_schedule.values()
    }


def test_every_ui_string_has_a_chinese_translation():
    po = (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]  # the first block is the header
    untranslated = [e for e in entries if "#, fuzzy" in e or e.rstrip().endswith('msgstr ""')
                    or 'msgstr[0] ""' in e.rstrip()[-14:]]
    assert untranslated == []
    # The compiled catalogue is committed: it must hold every entry of the .po file.
    import gettext

    with (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    assert len([k for k in catalog if k]) >= len(entries)
