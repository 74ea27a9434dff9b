"""Pages of the competitions app: lists (filterable, paginated) and entry forms. Views only
route: the forms limit the choices, the services validate, check the scope and save.

A record outside the user's view scope is a 404; one the user may see but not change is a 403."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from org.records import (
    can_write,
    changeable_ids,
    delete_record,
    edit_record,
    for_change,
    listing,
    require_writer,
)

from . import selectors, services
from .filters import AwardFilter, CompetitionFilter
from .forms import AwardForm, CompetitionForm
from .models import Award, Competition


# --------------------------------------------------------------------------------------------
# Competitions
# --------------------------------------------------------------------------------------------
@login_required
def competition_list(request):
    base = selectors.competition_list(request.user).order_by("-start_date", "name", "pk")
    filterset = CompetitionFilter(request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    selectors.attach_award_counts(page.object_list, request.user)
    return render(request, "competitions/competition_list.html", {
        "filter": filterset, "page": page, "total": page.paginator.count,
        "querystring": querystring,
        "changeable": changeable_ids(Competition, request.user, page.object_list),
        "can_write": can_write(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def competition_create(request):
    require_writer(request.user)
    return edit_record(
        request, form_class=CompetitionForm, instance=None,
        save=lambda user, obj: services.save_competition(user=user, competition=obj),
        template="competitions/competition_form.html",
        success_url="competitions:competition_list", context={"creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def competition_edit(request, pk):
    competition = for_change(selectors.competition_for, request.user, pk)
    return edit_record(
        request, form_class=CompetitionForm, instance=competition,
        save=lambda user, obj: services.save_competition(user=user, competition=obj),
        template="competitions/competition_form.html",
        success_url="competitions:competition_list",
        context={"creating": False, "competition": competition},
    )


@login_required
@require_http_methods(["GET", "POST"])
def competition_delete(request, pk):
    competition = for_change(selectors.competition_for, request.user, pk)
    return delete_record(
        request, obj=competition,
        delete=lambda user, obj: services.delete_competition(user=user, competition=obj),
        template="competitions/competition_confirm_delete.html",
        success_url="competitions:competition_list", context={},
    )


# --------------------------------------------------------------------------------------------
# Awards and honours
# --------------------------------------------------------------------------------------------
@login_required
def award_list(request):
    base = selectors.award_list(request.user).order_by("-awarded_on", "recipient_name", "pk")
    filterset = AwardFilter(request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    awards = selectors.with_id_display(request.user, page.object_list)
    return render(request, "competitions/award_list.html", {
        "filter": filterset, "page": page, "awards": awards, "total": page.paginator.count,
        "querystring": querystring,
        "changeable": changeable_ids(Award, request.user, awards),
        "can_write": can_write(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def award_create(request):
    require_writer(request.user)
    initial_competition = request.GET.get("competition")
    instance = None
    if initial_competition and initial_competition.isdigit():
        competition = selectors.linkable_competitions(request.user).filter(
            pk=int(initial_competition)
        ).first()
        if competition is not None:
            instance = Award(competition=competition)
    return edit_record(
        request, form_class=AwardForm, instance=instance,
        save=lambda user, obj: services.save_award(user=user, award=obj),
        template="competitions/award_form.html",
        success_url="competitions:award_list", context={"creating": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_edit(request, pk):
    award = for_change(selectors.award_for, request.user, pk)
    return edit_record(
        request, form_class=AwardForm, instance=award,
        save=lambda user, obj: services.save_award(user=user, award=obj),
        template="competitions/award_form.html",
        success_url="competitions:award_list", context={"creating": False, "award": award},
    )


@login_required
@require_http_methods(["GET", "POST"])
def award_delete(request, pk):
    award = for_change(selectors.award_for, request.user, pk)
    return delete_record(
        request, obj=award,
        delete=lambda user, obj: services.delete_award(user=user, award=obj),
        template="competitions/award_confirm_delete.html",
        success_url="competitions:award_list", context={},
    )

