import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_login_page_is_chinese_and_pages_need_login(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    assert client.get("/plans/").status_code == 302


def test_login_with_wrong_password_says_so_in_chinese(client):
    UserFactory(username="clerk")
    page = client.post("/accounts/login/", {"username": "clerk", "password": "wrong"})
    assert page.status_code == 200
    assert "用户名或密码" in page.content.decode()


def test_home_lists_the_five_plans(admin_client):
    html = admin_client.get("/").content.decode()
    for doc in ("宁人社发〔2021〕151号", "温人社发〔2021〕32号", "宛开办〔2022〕5号",
                "龙政发〔2022〕64号"):
        assert doc in html
    assert "技能贵州" in html


def test_plan_page_shows_targets_tasks_and_coverage(admin_client):
    html = admin_client.get("/plans/wenzhou-2021/").content.decode()
    assert "温人社发〔2021〕32号" in html
    assert "按地区 100%" in html.replace("\n", " ") or "100%" in html
    assert "分解完整" in html
    assert "扩大培训考核一批" in html


def test_longling_page_shows_the_chain_and_its_programmes_as_listed(admin_client):
    html = admin_client.get("/plans/longling-2022/").content.decode()
    assert "保政发〔2022〕9号" in html and "云政发〔2021〕28号" in html
    # Five 其中 programmes, 8,600 of 10,000: parts listed, not a shortfall (#26).
    assert "其中已列示" in html and "分解不足" not in html
    assert "县林业和草原局" in html


def test_target_page_shows_each_part(admin_client):
    html = admin_client.get("/plans/wenzhou-2021/targets/new-skilled-2021/").content.decode()
    assert "市应急管理局" in html and "22,000" in html
    assert "鹿城区" in html and "80,000" in html


def test_decomposition_page_lists_longlings_programmes(admin_client):
    html = admin_client.get("/decompositions/").content.decode()
    assert "其中已列示" in html and "8,600" in html


def test_bad_filters_are_an_error_message_not_a_crash(admin_client):
    page = admin_client.get("/targets/?unit=abc&year=x&plan=nope")
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()


def test_unknown_plan_is_404(admin_client):
    assert admin_client.get("/plans/no-such-plan/").status_code == 404
    assert admin_client.get("/plans/wenzhou-2021/targets/nope/").status_code == 404


def test_chinese_by_default_english_on_request(admin_client):
    # The browser's Accept-Language does not switch the portal; the selector does.
    html = admin_client.get("/plans/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "文号" in html
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/plans/"})
    html = admin_client.get("/plans/").content.decode()
    assert "Document number" in html


def test_admin_is_chinese_with_coverage_column(admin_client):
    html = admin_client.get("/admin/targets/target/?q=new-skilled-2021").content.decode()
    assert "分解覆盖率" in html
    assert "100" in html
    for url in ("/admin/", "/admin/org/orgunit/", "/admin/org/department/",
                "/admin/targets/indicator/", "/admin/targets/plan/", "/admin/targets/plantask/",
                "/admin/targets/datavalue/", "/admin/org/membership/",
                "/admin/org/orgunit/add/", "/admin/targets/target/add/"):
        assert admin_client.get(url).status_code == 200, url
