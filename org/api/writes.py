"""Writing through the API as through the admin (issue #18): create, change and delete with a
write serializer, saved by `scoped_save` (the model's own validation with its Chinese
messages, the caller's scope checked before and after, the change audited) and answered with
the read serializer. A record out of the caller's scope is a 404 when they cannot see it and
a 403 when they can; a record others refer to cannot be deleted (400)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from ..services import scoped_delete, scoped_save
from .common import service_errors


def writable_schema(write, read):
    """The schema of a writable viewset: the write serializer in, the read one out."""
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}),
        update=extend_schema(request=write, responses=read),
        partial_update=extend_schema(request=write, responses=read),
    )


class ScopedWriteMixin(mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       mixins.DestroyModelMixin):
    write_serializer_class = None
    protected_message = _("This record cannot be deleted: other records refer to it.")

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.write_serializer_class
        return super().get_serializer_class()

    def apply(self, obj, data: dict):
        """Set the validated values on the record (many-to-many fields after the save)."""
        later = {}
        for name, value in data.items():
            field = obj._meta.get_field(name)
            if field.many_to_many:
                later[name] = value
            else:
                setattr(obj, name, value)
        return (lambda saved: [getattr(saved, n).set(v) for n, v in later.items()]) \
            if later else None

    def save_record(self, serializer, instance=None):
        obj = instance or serializer.Meta.model()
        after_save = self.apply(obj, serializer.validated_data)
        with service_errors():
            scoped_save(user=self.request.user, obj=obj, after_save=after_save)
        return self.answer(obj.pk)

    def answer(self, pk):
        obj = self.get_queryset().get(pk=pk)
        return self.serializer_class(obj, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(self.save_record(serializer), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return Response(self.save_record(serializer, instance))

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        with service_errors():
            try:
                scoped_delete(user=self.request.user, obj=instance)
            except ProtectedError as exc:
                raise DjangoValidationError(self.protected_message) from exc
