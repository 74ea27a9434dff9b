"""Writes of the competitions app. Keyword-only, validated, atomic, scope-checked, and each
marks the (org unit, month) pairs whose figures it changes for the roll-up.

Nothing here logs or repeats a recipient's ID number."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from org.scoping import unscoped
from org.services import scoped_delete, scoped_save
from skills_portal import hooks

from .models import Award, Competition

Pair = tuple[int, dt.date]


def _mark(pairs) -> None:
    """Mark the months for the roll-up. Pairs are reduced to (unit, first of month) here:
    `mark_for_rollup` de-duplicates before truncating to the month, so two dates of one
    month would otherwise collide in its single upsert on PostgreSQL."""
    hooks.rollup.mark_for_rollup(pairs={(unit_id, day.replace(day=1)) for unit_id, day in pairs})


def _stored_pair(model, pk, unit_field: str, date_field: str) -> list[Pair]:
    """The (unit, date) a row counts at in the database now: for an update that moves a row,
    the month it leaves also changes."""
    if pk is None:
        return []
    row = unscoped(model).filter(pk=pk).values_list(unit_field, date_field).first()
    return [row] if row else []


def _award_pairs(competition_id) -> list[Pair]:
    """An award's `level` dimension is its competition's: changing the competition changes how
    its awards are counted."""
    if competition_id is None:
        return []
    return list(Award.unscoped.filter(competition_id=competition_id)
                .values_list("org_unit_id", "awarded_on"))


def save_competition(*, user, competition: Competition) -> Competition:
    """Create or update a competition inside `user`'s scope."""
    with transaction.atomic():
        creating = competition._state.adding or competition.pk is None
        pairs = [] if creating else _stored_pair(
            Competition, competition.pk, "organiser_unit_id", "start_date"
        )
        if creating:
            competition.created_by = user
        scoped_save(user=user, obj=competition)
        pairs.append((competition.organiser_unit_id, competition.start_date))
        if not creating:
            pairs += _award_pairs(competition.pk)
        _mark(pairs)
    return competition


def delete_competition(*, user, competition: Competition) -> None:
    """Delete a competition inside `user`'s scope. A competition with awards recorded against it
    is kept: delete or relink the awards first."""
    with transaction.atomic():
        pairs = _stored_pair(Competition, competition.pk, "organiser_unit_id", "start_date")
        try:
            scoped_delete(user=user, obj=competition)
        except ProtectedError as exc:
            raise ValidationError(
                _("This competition has awards recorded against it: delete those awards or "
                  "link them to another competition first."),
                code="protected",
            ) from exc
        _mark(pairs)


def save_award(*, user, award: Award) -> Award:
    """Create or update an award or honour inside `user`'s scope. The competition it names must
    be one the user may link to (in scope, or organised by a unit above theirs)."""
    with transaction.atomic():
        creating = award._state.adding or award.pk is None
        pairs = [] if creating else _stored_pair(Award, award.pk, "org_unit_id", "awarded_on")
        stored_competition = None if creating else (
            Award.unscoped.filter(pk=award.pk).values_list("competition_id", flat=True).first()
        )
        if award.competition_id is not None and award.competition_id != stored_competition and \
                not Competition.unscoped.linkable_for(user).filter(pk=award.competition_id).exists():
            raise PermissionDenied(
                _("You may not record an award at this competition: it is outside your scope.")
            )
        if creating:
            award.created_by = user
        scoped_save(user=user, obj=award)
        pairs.append((award.org_unit_id, award.awarded_on))
        _mark(pairs)
    return award


def delete_award(*, user, award: Award) -> None:
    with transaction.atomic():
        pairs = _stored_pair(Award, award.pk, "org_unit_id", "awarded_on")
        scoped_delete(user=user, obj=award)
        _mark(pairs)
