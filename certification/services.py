"""Writes of the certification app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from targets.grid import GridData, SaveOutcome, save_grid

from .forms import CERTIFICATE_GRID


@dataclass(frozen=True)
class CertificateSlice:
    department: object | None = None
    occupation: str = ""
    industry: str = ""

    def fixed(self, org_unit, period: dt.date) -> dict:
        return {"org_unit": org_unit, "department": self.department, "period": period,
                "occupation": self.occupation, "industry": self.industry}


def save_certificate_month(*, user, org_unit, period: dt.date, slice_: CertificateSlice,
                           data: GridData, only: set[tuple[str, str]] | None = None,
                           expected: dict | None = None
                           ) -> SaveOutcome:
    return save_grid(user=user, spec=CERTIFICATE_GRID, fixed=slice_.fixed(org_unit, period),
                     data=data, extra={"entered_by": user, "is_demo": False}, only=only,
                     expected=expected)
