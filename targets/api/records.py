"""Records entered one by one (training carriers, competitions, awards) over the API: the
serializer checks types and limits the choices, the app's service validates (full_clean),
checks the scope, saves, audits and marks the roll-up, as the record pages do."""

from __future__ import annotations

from rest_framework import status, viewsets
from rest_framework.response import Response

from org.api.common import ScopedMixin, service_errors
from org.api.writes import PreconditionMixin


class RecordViewSet(PreconditionMixin, ScopedMixin, viewsets.ModelViewSet):
    """Subclasses give `scoped_queryset(user)`, `save_record(user=, obj=)` and `delete_record(user=, obj=)`
    (the app's services)."""

    def save_record(self, *, user, obj):  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def delete_record(self, *, user, obj):  # pragma: no cover
        raise NotImplementedError

    def build(self, serializer, instance=None):
        """An unsaved instance carrying the validated values (nothing is saved here)."""
        model = serializer.Meta.model
        obj = instance if instance is not None else model()
        for field, value in serializer.validated_data.items():
            setattr(obj, field, value)
        return obj

    def _saved(self, obj, status_code):
        with service_errors():
            self.save_record(user=self.request.user, obj=obj)
        fresh = self.scoped_queryset(self.request.user).get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._saved(self.build(serializer), status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return self._saved(self.build(serializer, instance), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        with service_errors():
            self.delete_record(user=request.user, obj=instance)
        return Response(status=status.HTTP_204_NO_CONTENT)
