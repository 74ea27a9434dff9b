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

from skills_portal.records import add_errors, can_write, listing, require_writer

from . import rules, selectors, services
from .choices import VOUCHER_NEXT, VoucherStatus
from .filters import ClaimFilter, VoucherFilter
from .forms import ClaimForm, PayForm, RejectForm, VoucherIssueForm, VoucherStepForm


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
        "can_write": can_write(request.user), "today": selectors.today(),
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
    changeable = selectors.changeable(type(base.model()), request.user,
                                      [v.pk for v in vouchers])
    for voucher in vouchers:
        step = VOUCHER_NEXT.get(VoucherStatus(voucher.status))
        voucher.next_step = step if voucher.pk in changeable else None
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    return render(request, "subsidies/voucher_list.html", {
        "filter": filterset, "page": page, "vouchers": vouchers, "total": page.paginator.count,
        "querystring": querystring, "counts": selectors.voucher_counts(filtered),
        "can_write": can_write(request.user), "today": selectors.today(),
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
