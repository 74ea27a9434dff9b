"""Security settings: login throttling (django-axes), password validators, secure cookies in
production, and personal ID numbers never written to the logs."""

import json
import logging

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from competitions.models import Award
from org.models import Membership
from skills_portal.identity import id_number_check_char
from tests.factories import UserFactory
from tests.skills_portal.test_settings import run_manage

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
FIRST17 = "53052319850615432"
ID_NUMBER = FIRST17 + id_number_check_char(FIRST17)


def login(client, username, password, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- login throttling ------------------------------------------------------------------------------
def test_five_failed_logins_lock_the_username_and_address_for_30_minutes(client):
    UserFactory(username="clerk_a")
    for attempt in range(5):
        response = login(client, "clerk_a", f"wrong-{attempt}")
        assert not logged_in(client)
    assert response.status_code == 429
    response = login(client, "clerk_a", PASSWORD)  # the right password, but locked out
    html = response.content.decode()
    assert response.status_code == 429 and not logged_in(client)
    assert "登录失败次数过多" in html and "30 分钟" in html
    # Another address, or another user from this address, is not locked.
    assert login(client, "clerk_a", PASSWORD, ip="10.0.0.2").status_code == 302
    assert logged_in(client)
    client.logout()
    UserFactory(username="clerk_b")
    assert login(client, "clerk_b", PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client):
    from axes.models import AccessAttempt

    UserFactory(username="clerk_c")
    for attempt in range(5):
        login(client, "clerk_c", f"wrong-{attempt}")
    assert login(client, "clerk_c", PASSWORD).status_code == 429
    AccessAttempt.objects.filter(username="clerk_c").update(
        attempt_time=AccessAttempt.objects.get(username="clerk_c").attempt_time
        - settings.AXES_COOLOFF_TIME)
    assert login(client, "clerk_c", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_count(client):
    UserFactory(username="clerk_d")
    for attempt in range(4):
        login(client, "clerk_d", f"wrong-{attempt}")
    assert login(client, "clerk_d", PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        login(client, "clerk_d", f"wrong-{attempt}")
    assert login(client, "clerk_d", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(client):
    UserFactory(username="staff_e", is_staff=True)
    for attempt in range(5):
        client.post("/admin/login/", {"username": "staff_e", "password": f"x{attempt}"},
                    REMOTE_ADDR="10.0.0.9")
    response = client.post("/admin/login/", {"username": "staff_e", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and not logged_in(client)


def test_a_forged_forwarded_for_header_does_not_escape_the_lock(client):
    UserFactory(username="clerk_f")
    for attempt in range(5):
        client.post("/accounts/login/", {"username": "clerk_f", "password": f"x{attempt}"},
                    REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}")
    response = client.post("/accounts/login/", {"username": "clerk_f", "password": PASSWORD},
                           REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_behind_a_declared_proxy_the_proxys_address_for_the_client_counts(rf, settings):
    from audit.security import client_ip

    settings.LOGIN_THROTTLE_PROXY_COUNT = 1
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.254",
                      HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"  # what the proxy appended, not the forgery
    settings.LOGIN_THROTTLE_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.254"


def test_the_test_clients_login_still_works(client):
    user = UserFactory()
    assert client.login(username=user.username, password=PASSWORD)


# --- passwords and cookies -------------------------------------------------------------------------
@pytest.mark.parametrize("password", ["short1", "12345678901", "password123", "clerk_g-2026"])
def test_weak_passwords_are_refused(password):
    user = UserFactory.build(username="clerk_g")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


def test_a_strong_password_is_accepted():
    validate_password("Wenzhou-Lucheng-7731", user=UserFactory.build(username="x"))


def test_production_cookies_are_secure_httponly_and_same_site():
    code = ("import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k)"
            " for k in ['SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
            " 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_COOKIE_SAMESITE',"
            " 'LANGUAGE_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'DEBUG',"
            " 'AXES_FAILURE_LIMIT', 'LOGIN_THROTTLE_PROXY_COUNT']}))")
    result = run_manage("shell", "-c", code,
                        DJANGO_SETTINGS_MODULE="skills_portal.settings.production",
                        SECRET_KEY="p" * 60 + "-a-long-enough-production-test-key", LOG_LEVEL="ERROR")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax", "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True, "CSRF_COOKIE_SAMESITE": "Lax",
        "LANGUAGE_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000, "DEBUG": False, "AXES_FAILURE_LIMIT": 5,
        "LOGIN_THROTTLE_PROXY_COUNT": 1,
    }


def test_session_cookie_is_httponly_on_login(client):
    UserFactory(username="clerk_h")
    response = login(client, "clerk_h", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


# --- ID numbers are never logged ---------------------------------------------------------------------
@pytest.fixture
def all_logs():
    """Every record of every logger, at every level, as text."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = [(lg, lg.level) for lg in loggers if isinstance(lg, logging.Logger)]
    for lg, _level in levels:
        if lg.name != "django.db.backends":  # SQL is logged only with DEBUG=True anyway
            lg.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(previous)
    for lg, level in levels:
        lg.setLevel(level)


def test_no_id_number_reaches_the_logs_on_award_create_update_and_import(client, longling,
                                                                            all_logs):
    from imports import services as imports
    from tests import xlsx_corpus as corpus

    clerk = UserFactory()
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    client.force_login(clerk)
    form = {"competition": "", "medal": "无", "honour_title": "技术能手", "honour_level": "县级",
            "recipient_kind": "individual", "recipient_name": "王芳",
            "recipient_id_number": ID_NUMBER, "employer": "龙陵县人民医院",
            "org_unit": longling.pk, "department": "", "awarded_on": "2024-03-12", "note": ""}
    assert client.post("/competitions/awards/new/", form).status_code == 302
    award = Award.objects.get(recipient_name="王芳")
    changed_first17 = FIRST17[:-1] + "9"
    form["recipient_id_number"] = changed_first17 + id_number_check_char(changed_first17)
    assert client.post(f"/competitions/awards/{award.pk}/edit/", form).status_code == 302
    # A wrong check digit: refused with a message that does not repeat the number.
    bad = FIRST17 + ("0" if ID_NUMBER[-1] != "0" else "1")
    form["recipient_id_number"] = bad
    response = client.post(f"/competitions/awards/{award.pk}/edit/", form)
    assert response.status_code == 200 and bad not in "".join(
        str(e) for e in response.context["form"].errors.values())
    # An import with an ID number typed where a unit belongs.
    data = corpus.training([ID_NUMBER, "2024-05", "企业职工", "岗位技能提升培训", "", "否", 5, 0, 0, 0])
    batch = imports.upload(user=clerk, kind="training", basis="month", file_name="id.xlsx",
                           data=data)
    assert batch.error_count
    client.get(f"/imports/{batch.pk}/")
    client.get("/competitions/awards/")
    client.get(f"/audit/record/competitions.award/{award.pk}/")
    assert all_logs  # the capture works: requests and services did log something
    text = "\n".join(all_logs)
    for number in (ID_NUMBER, form["recipient_id_number"], bad, ID_NUMBER[6:14]):
        assert number not in text
