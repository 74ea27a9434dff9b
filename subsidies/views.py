"""Pages of the subsidies app: schemes (rule summary, remaining budget), claims (filters, hand
entry, approve / reject / pay) and training vouchers (issue, next step). Views only route: the
services validate, check the scope, lock and audit.

A record outside the user's view scope is a 404; a refused action comes back as a message in
Chinese saying why, with nothing changed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from org.records import add_errors, can_write, changeable_ids, for_change, listing, require_writer
from skills_portal import clock

from . import rules, selectors, services
from .choices import VOUCHER_NEXT, VoucherStatus
from .filters import (
    ClaimFilter,
    HireFilter,
    PersonCertificateFilter,
    StartupProjectFilter,
    VoucherFilter,
)
from .forms import (
    ClaimForm,
    HireForm,
    PayForm,
    PersonCertificateForm,
    RejectForm,
    StartupProjectForm,
    VoucherIssueForm,
    VoucherStepForm,
)
from .models import Hire, PersonCertificate, StartupProject


def _back(request, default: str):
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(default)


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You do not have permission to do this.")


# --------------------------------------------------------------------------------------------
# Schemes
# --------------------------------------------------------------------------------------------
@login_required
def scheme_list(request):
    schemes = selectors.scheme_list(request.user)
    return render(request, "subsidies/scheme_list.html", {
        "rows": selectors.scheme_overview(request.user, schemes),
        "can_write": can_write(request.user),
    })


@login_required
@require_POST
def scheme_generate(request, pk):
    require_writer(request.user)
    try:
        scheme = selectors.scheme_for(request.user, pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    report = services.generate_claims(scheme=scheme, user=request.user)
    messages.success(request, " ".join(report.lines()[:1]))
    for line in report.lines()[1:6]:
        messages.info(request, _("Not claimed: %(reason)s") % {"reason": line})
    return redirect(f"{reverse('subsidies:claim_list')}?scheme={scheme.pk}")


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------
@login_required
def claim_list(request):
    base = selectors.claim_list(request.user).order_by("-submitted_on", "-pk")
    filterset = ClaimFilter(request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    claims = selectors.with_id_display(request.user, page.object_list)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return render(request, "subsidies/claim_list.html", {
        "filter": filterset, "page": page, "claims": claims, "total": page.paginator.count,
        "querystring": querystring, "totals": selectors.claim_totals(filtered),
        "decidable": selectors.decidable_ids(request.user, claims),
        "can_write": can_write(request.user), "today": clock.today(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def claim_create(request):
    require_writer(request.user)
    form = ClaimForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = services.create_claim(
                user=request.user, scheme=data["scheme"], period=data.get("period"),
                amount=data.get("amount"), note=data.get("note") or "", **form.basis())
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, ValidationError):
                add_errors(form, exc)
            else:
                form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Claim recorded: %(amount)s yuan. %(explanation)s") % {
                "amount": rules.yuan(claim.amount), "explanation": claim.explanation})
            return redirect("subsidies:claim_list")
    return render(request, "subsidies/claim_form.html", {"form": form})


@login_required
@require_POST
def claim_decide(request, pk, action):
    try:
        claim = selectors.claim_for(request.user, pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    default = reverse("subsidies:claim_list")
    try:
        if action == "approve":
            services.approve_claim(user=request.user, claim=claim)
            done = _("Approved: %(claim)s, %(amount)s yuan.")
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Say why the claim is rejected."))
            services.reject_claim(user=request.user, claim=claim,
                                  reason=form.cleaned_data["reason"])
            done = _("Rejected: %(claim)s.")
        elif action == "pay":
            form = PayForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Give the payment date (YYYY-MM-DD)."))
            services.pay_claim(user=request.user, claim=claim,
                               paid_on=form.cleaned_data["paid_on"],
                               reference=form.cleaned_data["reference"])
            done = _("Paid: %(claim)s, %(amount)s yuan.")
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"{claim.payee_name}：{_error_text(exc)}")
    else:
        messages.success(request, done % {"claim": claim.payee_name,
                                          "amount": rules.yuan(claim.amount)})
    return _back(request, default)


# --------------------------------------------------------------------------------------------
# Vouchers
# --------------------------------------------------------------------------------------------
@login_required
def voucher_list(request):
    base = selectors.voucher_list(request.user).order_by("-issued_on", "-pk")
    filterset = VoucherFilter(request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    vouchers = selectors.with_id_display(request.user, page.object_list)
    changeable = changeable_ids(base.model, request.user, vouchers)
    today = clock.today()
    for voucher in vouchers:
        step = VOUCHER_NEXT.get(VoucherStatus(voucher.status))
        # Past its expiry date a voucher cannot move on; the nightly task voids it.
        voucher.overdue = step is not None and voucher.expires_on < today
        voucher.next_step = step if voucher.pk in changeable and not voucher.overdue else None
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return render(request, "subsidies/voucher_list.html", {
        "filter": filterset, "page": page, "vouchers": vouchers, "total": page.paginator.count,
        "querystring": querystring, "counts": selectors.voucher_counts(filtered),
        "can_write": can_write(request.user), "today": today,
        "ENROLLED": VoucherStatus.ENROLLED, "CERTIFIED": VoucherStatus.CERTIFIED,
    })


@login_required
@require_http_methods(["GET", "POST"])
def voucher_issue(request):
    require_writer(request.user)
    form = VoucherIssueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            voucher = services.issue_voucher(
                user=request.user, scheme=data["scheme"], org_unit=data["org_unit"],
                person_name=data["person_name"], id_number=data["id_number"],
                occupation=data["occupation"], issued_on=data["issued_on"],
                expires_on=data["expires_on"])
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Voucher %(number)s issued.") % {"number": voucher.number})
            return redirect("subsidies:voucher_list")
    return render(request, "subsidies/voucher_form.html", {"form": form})


@login_required
@require_POST
def voucher_step(request, pk):
    try:
        voucher = selectors.voucher_for(request.user, pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    form = VoucherStepForm(request.POST)
    to_status = request.POST.get("to_status", "")
    try:
        if to_status not in VoucherStatus.values:
            raise ValidationError(_("Choose the step to record."))
        if not form.is_valid():
            raise ValidationError(_("Give the date of the step (YYYY-MM-DD)."))
        data = form.cleaned_data
        certificate = None
        if to_status == VoucherStatus.CERTIFIED:
            certificate = selectors.certificate_for_voucher(request.user, voucher,
                                                            data["certificate_number"])
            if certificate is None and data["certificate_number"]:
                raise ValidationError(_("No certificate with number %(number)s is on record in "
                                        "your scope.") % {"number": data["certificate_number"]})
        services.advance_voucher(user=request.user, voucher=voucher, to_status=to_status,
                                 on=data["on"], institution=data["institution"],
                                 certificate=certificate)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"{voucher.number}：{_error_text(exc)}")
    else:
        messages.success(request, _("%(number)s: %(status)s recorded.") % {
            "number": voucher.number, "status": VoucherStatus(to_status).label})
    return _back(request, reverse("subsidies:voucher_list"))


# --------------------------------------------------------------------------------------------
# Records the rules look at: certificate holders, hires, start-up projects
# --------------------------------------------------------------------------------------------
def _records():
    """The three record kinds: model, form, filter and how a row is shown (evaluated per
    request, so that the labels are in the user's language)."""
    return {
        "certificates": {
            "model": PersonCertificate, "form": PersonCertificateForm,
            "filter": PersonCertificateFilter, "order": ("-issued_on", "person_name", "pk"),
            "title": _("Certificate holders"), "new": _("Record a certificate holder"),
            "related": ("org_unit",),
            "help": _("Named holders of certificates: the basis of monthly allowances and "
                      "training subsidies, and the certificate a voucher is redeemed against. "
                      "When a holder leaves the post or the area, enter the day: allowances "
                      "stop from that month."),
            "columns": (_("Name"), _("ID number"), _("Certificate"), _("Issued on"),
                        _("Org unit"), _("Eligible for allowances until")),
            "cells": lambda r, user: (
                r.person_name, r.id_number_for(user),
                f"{r.get_certificate_type_display()} · {r.occupation} {r.get_level_display()} · "
                f"{r.certificate_number}", r.issued_on, r.org_unit.name, r.allowance_ends_on),
        },
        "hires": {
            "model": Hire, "form": HireForm, "filter": HireFilter,
            "order": ("-hired_on", "enterprise_name", "pk"),
            "title": _("Hires of certified persons"), "new": _("Record a hire"),
            "related": ("org_unit", "certificate"),
            "help": _("Certified persons newly hired by an enterprise. A hire kept long enough "
                      "with social insurance paid becomes a claim of the hiring subsidy; the "
                      "cap per enterprise is checked when it is approved."),
            "columns": (_("Enterprise"), _("Unified social credit code"), _("Employee"),
                        _("Hired on"), _("Left on"), _("Months of social insurance")),
            "cells": lambda r, user: (
                r.enterprise_name, r.enterprise_code, r.certificate.person_name, r.hired_on,
                r.left_on, r.insured_months),
        },
        "projects": {
            "model": StartupProject, "form": StartupProjectForm, "filter": StartupProjectFilter,
            "order": ("-started_on", "name", "pk"), "title": _("Start-up projects"),
            "new": _("Record a start-up project"), "related": ("org_unit",),
            "help": _("Start-up projects applying for a one-off grant. The officers decide the "
                      "amount within the scheme's range when they enter the claim."),
            "columns": (_("Project"), _("Founder"), _("ID number"), _("Enterprise"),
                        _("Started on"), _("Org unit")),
            "cells": lambda r, user: (
                r.name, r.founder_name, r.id_number_for(user), r.enterprise_name or "—",
                r.started_on, r.org_unit.name),
        },
    }


def _record_kind(kind):
    spec = _records().get(kind)
    if spec is None:
        raise Http404
    return spec


@login_required
def record_list(request, kind):
    spec = _record_kind(kind)
    model = spec["model"]
    base = model.objects.for_user(request.user).select_related(*spec["related"]).order_by(
        *spec["order"])
    filterset = spec["filter"](request.GET or None, queryset=base, request=request)
    page, querystring = listing(request, filterset, base)
    records = list(page.object_list)
    editable = changeable_ids(model, request.user, records)
    rows = [(r, spec["cells"](r, request.user), r.pk in editable) for r in records]
    return render(request, "subsidies/record_list.html", {
        "spec": spec, "kind": kind, "filter": filterset, "page": page, "rows": rows,
        "total": page.paginator.count, "querystring": querystring,
        "can_write": can_write(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request, kind, pk=None):
    spec = _record_kind(kind)
    model = spec["model"]
    instance = None
    if pk is None:
        require_writer(request.user)
    else:
        instance = for_change(
            lambda user, key, action: model.objects.for_user(user, action).get(pk=key),
            request.user, pk)
    form = spec["form"](request.POST or None, instance=instance, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_record(user=request.user, obj=form.save(commit=False))
        except ValidationError as exc:
            add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("subsidies:record_list", kind=kind)
    return render(request, "subsidies/record_form.html", {
        "spec": spec, "kind": kind, "form": form, "record": instance})
