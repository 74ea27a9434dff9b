"""Pages for records entered one by one (competitions, awards, training carriers): the shared
list / edit / delete cycle. Views only route: forms limit the choices, services validate,
check the scope and save.

A record outside the user's view scope is a 404; one they may see but not change is a 403."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .access import CHANGE, VIEW
from .selectors import writable_units

PAGE_SIZE = 50


def for_change(getter, user, pk):
    """The record if the user may change it; 404 if they may not even see it; 403 otherwise.
    `getter(user, pk, action)` raises DoesNotExist outside the scope of `action`."""
    try:
        return getter(user, pk, CHANGE)
    except ObjectDoesNotExist:
        pass
    try:
        getter(user, pk, VIEW)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    raise PermissionDenied(_("You may not change this record: it is outside your scope."))


def can_write(user) -> bool:
    return writable_units(user).exists()


def require_writer(user) -> None:
    if not can_write(user):
        raise PermissionDenied(_("You do not have permission to do this."))


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def listing(request, filterset, base):
    """(page, querystring without the page) for a filtered, paginated list."""
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def changeable_ids(model, user, objects) -> set[int]:
    ids = [o.pk for o in objects]
    return set(model.objects.for_user(user, CHANGE).filter(pk__in=ids).values_list("pk", flat=True))


def edit_record(request, *, form_class, instance, save, template, success_url, context):
    form = form_class(request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            save(user=request.user, obj=form.save(commit=False))
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(success_url)
    return render(request, template, {**context, "form": form})


def delete_record(request, *, obj, delete, template, success_url, context):
    error = None
    if request.method == "POST":
        try:
            delete(user=request.user, obj=obj)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Deleted."))
            return redirect(success_url)
    return render(request, template, {**context, "object": obj, "error": error},
                  status=400 if error else 200)
