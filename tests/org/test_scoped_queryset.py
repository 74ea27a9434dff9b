"""org.scoping: on the request path a scoped model's queryset reaches the database only once
`for_user` has scoped it, through a record in hand, or through the named `unscoped` manager."""

import pytest
from django.db.models import Count

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from org.scoping import RELATION, SYSTEM, USER, UnscopedQueryError, request_path, unscoped
from targets.models import Plan, Target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("reach", [
    lambda: list(Target.objects.all()),
    lambda: Target.objects.count(),
    lambda: Target.objects.filter(code="x").exists(),
    lambda: Target.objects.aggregate(n=Count("id")),
    lambda: OrgUnit.objects.get(name="龙陵县"),
    lambda: Target.objects.first(),
    lambda: list(Target.objects.values_list("pk", flat=True)),
    lambda: list(Target.objects.iterator()),
    lambda: Target.objects.filter(code="none-such").update(code="y"),
    lambda: Target.objects.filter(code="none-such").delete(),
])
def test_an_unscoped_query_on_the_request_path_is_refused_naming_the_model(reach):
    with request_path(), pytest.raises(UnscopedQueryError, match=r"targets.Target|org.OrgUnit"):
        reach()


def test_scoped_related_unscoped_and_empty_queries_are_allowed(admin_user):
    clerk = UserFactory()
    with request_path():
        assert Target.objects.for_user(admin_user).count() > 0
        assert Target.objects.for_user(clerk).count() == 0  # no membership: nothing
        assert Target.objects.for_user(admin_user).filter(code="x").scope == USER
        plan = Plan.unscoped.filter(is_reference=False).first()
        assert Target.unscoped.all().scope == SYSTEM and Target.unscoped.count() > 0
        assert plan.targets.all().scope in (RELATION, SYSTEM) and plan.targets.count() > 0
        assert list(Target.objects.none()) == []
        assert unscoped(Target) is Target.unscoped
        assert unscoped(OrgUnitClosure) is OrgUnitClosure.objects  # nothing about it is scoped
        assert Target._default_manager is Target.unscoped


def test_off_the_request_path_nothing_is_checked():
    assert Target.objects.count() == Target.unscoped.count() > 0


def test_a_view_that_forgets_the_scope_fails_instead_of_showing_every_unit(client, admin_user,
                                                                           settings):
    """Through the middleware, as a real page would."""
    from django.http import HttpResponse
    from django.urls import path

    def careless(request):
        return HttpResponse(str(Target.objects.count()))

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("careless/", careless)]})
    client.force_login(admin_user)
    with pytest.raises(UnscopedQueryError):
        client.get("/careless/")
