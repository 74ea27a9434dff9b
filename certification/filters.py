from org.filters import FigureFilter
from targets.filters import UnitMonthFilterSet

from .models import CertificateFigure


class CertificateFigureFilter(FigureFilter, UnitMonthFilterSet):
    class Meta:
        model = CertificateFigure
        fields = ["unit", "month_from", "month_to", "certificate_type", "level", "occupation",
                  "industry"]
