"""Viewsets of the competitions API: competitions and awards, read through the selectors and
written through `save_competition` / `save_award` / `delete_*`, as the pages do."""

from __future__ import annotations

from targets.api.records import RecordViewSet

from .. import selectors, services
from ..filters import AwardApiFilter, CompetitionApiFilter
from .serializers import AwardSerializer, CompetitionSerializer


class CompetitionViewSet(RecordViewSet):
    """Competitions the caller may see, with the number of their awards the caller may see."""

    serializer_class = CompetitionSerializer
    filterset_class = CompetitionApiFilter
    ordering_fields = ["start_date", "name", "participants", "id"]
    ordering = ["-start_date", "name", "id"]

    def scoped_queryset(self, user):
        return selectors.competition_list(user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.attach_award_counts(page, self.request.user)
        return page

    def get_object(self):
        obj = super().get_object()
        selectors.attach_award_counts([obj], self.request.user)
        return obj

    def save_record(self, *, user, obj):
        return services.save_competition(user=user, competition=obj)

    def delete_record(self, *, user, obj):
        services.delete_competition(user=user, competition=obj)


class AwardViewSet(RecordViewSet):
    """Awards and honours. `recipient_id_number` is full only for the recipient's own unit
    (and system administrators), masked for everyone else; it is never searchable."""

    serializer_class = AwardSerializer
    filterset_class = AwardApiFilter
    ordering_fields = ["awarded_on", "recipient_name", "id"]
    ordering = ["-awarded_on", "recipient_name", "id"]

    def scoped_queryset(self, user):
        return selectors.award_list(user)

    def save_record(self, *, user, obj):
        return services.save_award(user=user, award=obj)

    def delete_record(self, *, user, obj):
        services.delete_award(user=user, award=obj)
