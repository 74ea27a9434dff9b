"""All demo figures of the seed plans: manual values (demo.values) and domain records
(demo.domain), each replacing its earlier demo rows and never touching real ones."""

from __future__ import annotations

import datetime as dt

from .domain import generate_domain_demo
from .values import DEMO_AS_OF, generate_manual_values

__all__ = ["DEMO_AS_OF", "generate_demo_figures"]


def generate_demo_figures(*, as_of: dt.date = DEMO_AS_OF) -> dict:
    """Replace all demo data (manual values and domain records) with freshly generated ones.
    Returns counts."""
    counts = generate_manual_values(as_of=as_of)
    counts.update(generate_domain_demo(as_of=as_of))
    return counts
