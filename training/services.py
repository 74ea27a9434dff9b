"""Writes of the training app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from org.services import scoped_delete, scoped_save
from skills_portal import hooks
from targets.grid import GridData, SaveOutcome, save_grid

from .forms import TRAINING_GRID
from .models import Programme, TrainingCarrier


@dataclass(frozen=True)
class TrainingSlice:
    """The dimensions fixed for one page of the training grid."""

    department: object | None = None
    programme: Programme | None = None
    subsidised: bool = False
    industry: str = ""

    def fixed(self, org_unit, period: dt.date) -> dict:
        return {"org_unit": org_unit, "department": self.department, "period": period,
                "programme": self.programme, "subsidised": self.subsidised,
                "industry": self.industry}


def save_training_month(*, user, org_unit, period: dt.date, slice_: TrainingSlice,
                        data: GridData, only: set[tuple[str, str]] | None = None,
                        expected: dict | None = None
                        ) -> SaveOutcome:
    """Replace one page of a unit's monthly training figures. All or nothing. A programme
    must be one of a plan covering the unit (issued at it or above it)."""
    programme = slice_.programme
    if programme is not None and \
            not Programme.unscoped.available_at(org_unit).filter(pk=programme.pk).exists():
        raise ValidationError({"programme": _(
            "%(programme)s is not a programme of a plan covering %(unit)s.")
            % {"programme": programme.name, "unit": org_unit.name}})
    return save_grid(user=user, spec=TRAINING_GRID, fixed=slice_.fixed(org_unit, period),
                     data=data, extra={"entered_by": user, "is_demo": False}, only=only,
                     expected=expected)


def _carrier_months(carrier) -> list[tuple[int, dt.date]]:
    """The months whose stock of carriers this record changes: where it opens and closes."""
    dates = [carrier.established_on] + ([carrier.closed_on] if carrier.closed_on else [])
    return [(carrier.org_unit_id, d) for d in dates if d]


def save_carrier(*, user, carrier: TrainingCarrier) -> TrainingCarrier:
    """Create or update a training carrier inside `user`'s scope."""
    with transaction.atomic():
        before = TrainingCarrier.unscoped.filter(pk=carrier.pk).first() if carrier.pk else None
        scoped_save(user=user, obj=carrier)
        hooks.rollup.mark_for_rollup(
            pairs=_carrier_months(carrier) + (_carrier_months(before) if before else []))
    return carrier


def delete_carrier(*, user, carrier: TrainingCarrier) -> None:
    with transaction.atomic():
        pairs = _carrier_months(carrier)
        scoped_delete(user=user, obj=carrier)
        hooks.rollup.mark_for_rollup(pairs=pairs)
