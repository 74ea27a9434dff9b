"""Monthly figures (training, certificates) over the API, written through the entry grid's
service.

A figure row is one cell of a monthly report page (unit, department, month and the page's
slice dimensions; a row and a column of the grid; the measured numbers). The API writes one
cell at a time: it saves just that cell through the app's grid service (`save_training_month`,
`save_certificate_month`, with `only=` that cell; the page's other cells keep the numbers
stored when the service locks the page), as if the clerk had typed the number into the
grid. So the per-cell checks, model validation, validation rules, scope, reporting lock, audit
and roll-up marks are the grid's. Setting every number of a cell to 0 removes it, as on the grid.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from org import options
from org.api.common import MonthField, ScopedMixin, UnitRefSerializer, drf_error
from org.api.idempotency import idempotent
from org.api.writes import PreconditionMixin
from org.models import Department, OrgUnit
from org.selectors import writable_departments, writable_units
from targets.grid import GridRejected, GridSpec, parse_grid


class FigureSerializer(serializers.ModelSerializer):
    """Base for figure rows: unit and department by id, month as YYYY-MM, the grid's numbers
    as whole numbers. Subclasses set Meta.model/fields and `spec`."""

    spec: GridSpec
    # The slice dimensions besides unit, department and month (fixed per grid page).
    slice_fields: tuple[str, ...] = ()

    org_unit = serializers.PrimaryKeyRelatedField(queryset=OrgUnit.objects.none())
    org_unit_detail = UnitRefSerializer(source="org_unit", read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.none(),
                                                    allow_null=True, required=False)
    period = MonthField()
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True,
                                              allow_null=True)
    warnings = serializers.SerializerMethodField(
        help_text="Warnings of the save (validation rules of importance 'warning', outliers); "
                  "empty when reading.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = request.user if request else None
        # Only a serializer given data (DRF keeps it as `initial_data`) validates it: one that
        # shows a stored row (the list, the answer to a save) skips the caller's writable scope.
        if user is not None and hasattr(self, "initial_data"):
            # Units and departments the caller may not report for are "not found" (400); the
            # grid service checks the scope again when it saves.
            self.fields["org_unit"].queryset = writable_units(user)
            self.fields["department"].queryset = writable_departments(user)
        for block in self.spec.blocks:
            self.fields[block.field] = serializers.IntegerField(
                min_value=0, required=False, default=0, label=block.label)

    def get_warnings(self, obj) -> list[str]:
        return list(self.context.get("warnings", []))

    def key_fields(self) -> tuple[str, ...]:
        return ("org_unit", "department", "period", *self.slice_fields,
                self.spec.rows.field, self.spec.cols.field)

    def validate(self, attrs):
        if self.instance is not None:
            for key in self.key_fields():
                if key in attrs and attrs[key] != getattr(self.instance, key):
                    raise ValidationError({key: _(
                        "The unit, department, month and dimensions of a stored figure do not "
                        "change: set its numbers to 0 and record the figure again.")})
        else:
            problems = self.Meta.model.option_errors(attrs, attrs.get("period"))
            if problems:
                raise ValidationError(problems)
            row, col = attrs.get(self.spec.rows.field), attrs.get(self.spec.cols.field)
            if row is not None and col is not None and not self.spec.cell_enabled(row, col):
                raise ValidationError({self.spec.cols.field: _(
                    "%(row)s has no %(col)s cell on the monthly report.") % {"row": row,
                                                                             "col": col}})
        return attrs


class FigureViewSet(PreconditionMixin, ScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin,
                    viewsets.GenericViewSet):
    """POST records a cell (creating it, or replacing the numbers of the same cell); PUT/PATCH
    change a stored cell's numbers; DELETE clears it. Each goes through the grid service."""

    spec: GridSpec
    clears_on_zero = True  # a write of all zeros answers 204 (the schema says so)

    def slice_of(self, key: dict):
        """The app's slice object for the grid service."""
        raise NotImplementedError  # pragma: no cover

    def save_page(self, *, key: dict, slice_, data, only: set[tuple[str, str]]):
        raise NotImplementedError  # pragma: no cover

    # --- the one write path ------------------------------------------------------------
    def _write(self, key: dict, numbers: dict):
        with options.as_of(key["period"]):  # the lists as they stand for the month (#26)
            return self._write_month(key, numbers)

    def _write_month(self, key: dict, numbers: dict):
        spec = self.spec
        slice_ = self.slice_of(key)
        row, col = key[spec.rows.field], key[spec.cols.field]
        # Only this cell's inputs: the grid's per-cell checks apply to it, and the service
        # changes only this cell (the others are read under its lock, not here).
        data = parse_grid(spec, {spec.name(block.field, row, col): str(numbers.get(block.field, 0))
                                 for block in spec.blocks})
        try:
            outcome = self.save_page(key=key, slice_=slice_, data=data, only={(row, col)})
        except GridRejected as rejected:
            raise self._rejection(rejected.data, row, col) from rejected
        except DjangoValidationError as exc:
            raise drf_error(exc) from exc
        # The cell's row as the save left it (None: cleared), and whether it was stored before.
        return outcome.after.get((row, col)), outcome.warnings, (row, col) in outcome.before

    def _rejection(self, data, row, col) -> ValidationError:
        """The grid's errors as the API's: this cell's errors under their field names; an
        error on another cell of the page (a rule, a stored inconsistency) and messages not
        tied to a cell under non_field_errors."""
        spec = self.spec
        detail: dict[str, list[str]] = {}
        own = {spec.name(b.field, row, col): b.field for b in spec.blocks}
        for name, message in data.errors.items():
            if name in own:
                detail.setdefault(own[name], []).append(message)
            else:
                detail.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).append(
                    f"{spec.describe(name)}：{message}")
        if data.messages:
            detail.setdefault(api_settings.NON_FIELD_ERRORS_KEY, []).extend(data.messages)
        return ValidationError(detail)

    def _respond(self, stored, warnings, created: bool):
        if stored is None:  # every number 0: the cell is cleared, as on the grid
            return Response(status=status.HTTP_204_NO_CONTENT)
        context = {**self.get_serializer_context(), "warnings": warnings}
        data = self.get_serializer_class()(stored, context=context).data
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attrs = serializer.validated_data
        key = {k: attrs.get(k) for k in serializer.key_fields()}
        stored, warnings, existed = self._write(key, {b.field: attrs.get(b.field, 0)
                                                      for b in self.spec.blocks})
        return self._respond(stored, warnings, created=not existed)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        serializer = self.get_serializer(instance, data=request.data,
                                         partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        key = {k: getattr(instance, k) for k in serializer.key_fields()}
        # PUT fills omitted numbers with 0 (the field default); PATCH keeps the stored ones.
        numbers = {b.field: serializer.validated_data.get(b.field, getattr(instance, b.field))
                   for b in self.spec.blocks}
        stored, warnings, _existed = self._write(key, numbers)
        return self._respond(stored, warnings, created=False)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_precondition(instance)
        key = {k: getattr(instance, k) for k in self.get_serializer().key_fields()}
        self._write(key, {b.field: 0 for b in self.spec.blocks})
        return Response(status=status.HTTP_204_NO_CONTENT)
