"""Reads of the competitions app. Every function that serves a user takes the user for scoping."""

from __future__ import annotations

from django.db.models import Count

from org.access import VIEW

from .models import Award, Competition


def competition_list(user):
    """Competitions the user may see (`attach_award_counts` counts a page's awards)."""
    return Competition.objects.for_user(user).select_related(
        "organiser_unit", "organiser_department")


def attach_award_counts(competitions, user) -> list[Competition]:
    """Set `award_count` on a page of competitions: how many of their awards the user may
    see, in one grouped query over these competitions only (annotating the whole list's query
    counted every award of 38,629 competitions before a page was cut from it)."""
    competitions = list(competitions)
    counts = dict(Award.unscoped.filter(
        pk__in=Award.objects.for_user(user).values("pk"),
        competition__in=[c.pk for c in competitions]).order_by().values(
        "competition_id").annotate(n=Count("pk")).values_list("competition_id", "n"))
    for competition in competitions:
        competition.award_count = counts.get(competition.pk, 0)
    return competitions


def competition_for(user, pk: int, action: str = VIEW) -> Competition:
    """Raises Competition.DoesNotExist outside the user's scope."""
    return Competition.objects.for_user(user, action).select_related(
        "organiser_unit", "organiser_department"
    ).get(pk=pk)


def award_list(user):
    return Award.objects.for_user(user).select_related(
        "competition", "org_unit", "department"
    )


def award_for(user, pk: int, action: str = VIEW) -> Award:
    """Raises Award.DoesNotExist outside the user's scope."""
    return Award.objects.for_user(user, action).select_related(
        "competition", "org_unit", "department"
    ).get(pk=pk)


def linkable_competitions(user):
    """Competitions an award entered by `user` may name."""
    return Competition.objects.linkable_for(user).select_related("organiser_unit")


def with_id_display(user, awards):
    """Set `id_display` on each award: the full ID number for the recipient's own unit (and
    system administrators), masked for everyone else."""
    awards = list(awards)
    for award in awards:
        award.id_display = award.id_number_for(user)
    return awards

