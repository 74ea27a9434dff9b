"""Writing through the API as through the admin (issue #18): create, change and delete with a
write serializer, saved by `scoped_save` (the model's own validation with its Chinese
messages, the caller's scope checked before and after, the change audited) and answered with
the read serializer. A record out of the caller's scope is a 404 when they cannot see it and
a 403 when they can; a record others refer to cannot be deleted (400).

No lost updates: a record's answer carries an `ETag` (a digest of what it reads as); a PUT,
PATCH or DELETE sent with `If-Match` is refused with 412 when the record has changed since
(two officials editing one target: the second is told, not overwritten)."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ..services import scoped_delete, scoped_save
from .common import service_errors
from .idempotency import idempotent


def writable_schema(write, read, example: dict | None = None, summary: str = ""):
    """The schema of a writable viewset: the write serializer in, the read one out; `example`
    a typical body of a POST (shown in the docs)."""
    examples = [OpenApiExample(summary or "Example", value=example, request_only=True)] \
        if example else None
    return extend_schema_view(
        create=extend_schema(request=write, responses={201: read}, examples=examples),
        update=extend_schema(request=write, responses=read),
        partial_update=extend_schema(request=write, responses=read),
    )


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record was changed since you read it (If-Match does not match its "
                       "ETag). Read it again and apply your change to what it is now.")
    default_code = "precondition_failed"


def etag(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str,
                                       ensure_ascii=False).encode()).hexdigest()[:32]
    return f'"{digest}"'


class PreconditionMixin:
    """`ETag` on every answer of one record, `If-Match` honoured on PUT, PATCH and DELETE
    (412 when stale). The tag is a digest of the record as a GET reads it; what a write
    answers beside the record (`warnings`) is not part of it, so the tag a write answers is
    the tag the next read gives."""

    etag_ignores = ("warnings",)
    tagged_actions = ("retrieve", "create", "update", "partial_update")

    def etag_for(self, data) -> str:
        return etag({k: v for k, v in data.items() if k not in self.etag_ignores})

    def current_data(self, instance) -> dict:
        """The record as a GET answers it."""
        return self.get_serializer(instance).data

    def check_precondition(self, instance) -> None:
        wanted = self.request.headers.get("If-Match")
        if not wanted or wanted.strip() == "*":
            return
        current = self.etag_for(self.current_data(instance))
        if current not in {tag.strip().removeprefix("W/") for tag in wanted.split(",")}:
            raise PreconditionFailed()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "action", None) in self.tagged_actions and \
                response.status_code in (200, 201) and isinstance(response.data, dict) and \
                "id" in response.data and not response.has_header("ETag"):
            response["ETag"] = self.etag_for(response.data)
        return response


class ScopedWriteMixin(PreconditionMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
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

    def tagged(self, data, **kwargs) -> Response:
        return Response(data, headers={"ETag": self.etag_for(data)}, **kwargs)

    def current_data(self, instance) -> dict:
        return self.answer(instance.pk)

    def retrieve(self, request, *args, **kwargs):
        return self.tagged(self.answer(self.get_object().pk))

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.tagged(self.save_record(serializer), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        return self.tagged(self.save_record(serializer, instance))

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        with service_errors():
            try:
                scoped_delete(user=self.request.user, obj=instance)
            except ProtectedError as exc:
                raise DjangoValidationError(self.protected_message) from exc
