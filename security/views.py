"""Thin views of login security: sign-in with a second factor, password change, enrolment,
the idle ping and the policy page."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import views as core_views
from organization.managers import get_visible_or_404
from organization.models import Person
from organization.policy import as_actor
from security import selectors, services
from security.forms import SecurityPolicyForm, TokenForm
from security.middleware import SEEN_KEY
from security.policy import may_set_security_policy

PENDING = "security_pending"
ENROL_KEY = "security_enrol_key"
PENDING_SECONDS = 300


def _signed_in(request: HttpRequest, user: Any, *, by_identity_service: bool = False) -> None:
    """A person signed in through the pages: audited, and told when and where they last did
    (and, after a password, when it expires)."""
    last_at, last_ip = services.sign_in_recorded(request=request, user=user)
    if last_at is None:
        messages.info(request, _("Welcome: this is your first sign-in."))
    else:
        when = formats.date_format(timezone.localtime(last_at), "DATETIME_FORMAT")
        messages.info(
            request,
            _("Your last sign-in: %(when)s from %(ip)s.")
            % {"when": when, "ip": last_ip or _("an unknown address")},
        )
    if by_identity_service:
        return
    policy = selectors.policy_for_user(user)
    days = selectors.days_until_expiry(user, policy)
    if days is not None:
        messages.warning(
            request, _("Your password expires in %(days)d days; change it soon.") % {"days": days}
        )


def ask_for_code(
    request: HttpRequest, user: Any, target: str, *, by_identity_service: bool = False
) -> HttpResponse:
    """The first step passed: the account's authenticator-app code is asked on the next page."""
    request.session[PENDING] = {
        "user": user.pk,
        "backend": user.backend,
        "next": target,
        "at": int(time.time()),
        "tries": 0,
        "by_identity_service": by_identity_service,
    }
    return HttpResponseRedirect(reverse("security:verify"))


def sign_in_by_identity(
    request: HttpRequest, user: Any, target: str, *, ask_code: bool
) -> HttpResponse:
    """A sign-in through the college's identity service (CAS, OIDC): the same session rules,
    audit event and last-sign-in notice as a password, and the code when `ask_code` and the
    person has an authenticator app."""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    if ask_code and selectors.confirmed_device(user) is not None:
        return ask_for_code(request, user, target, by_identity_service=True)
    auth_login(request, user, backend=user.backend)
    request.session[selectors.SESSION_KEY] = selectors.session_rules(user, by_identity_service=True)
    _signed_in(request, user, by_identity_service=True)
    return HttpResponseRedirect(target)


def identity_refused(request: HttpRequest, *, inactive: bool) -> HttpResponse:
    """The identity service knows the person but this platform does not (or no longer): a page
    that says whom to ask, never an account made up on the spot."""
    return render(request, "security/identity_refused.html", {"inactive": inactive}, status=403)


class LoginView(core_views.LoginView):
    """Sign-in: the password first; an account with an authenticator app then gives its code
    on the next page before it is signed in."""

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        # A directory password (LDAP) is the identity service's, not the local one.
        by_identity = bool(getattr(user, "by_identity_service", False))
        if selectors.confirmed_device(user) is None:
            response = super().form_valid(form)
            if by_identity:
                self.request.session[selectors.SESSION_KEY] = selectors.session_rules(
                    user, by_identity_service=True
                )
            _signed_in(self.request, user, by_identity_service=by_identity)
            return response
        return ask_for_code(
            self.request, user, self.get_success_url(), by_identity_service=by_identity
        )

    def form_invalid(self, form: Any) -> HttpResponse:
        # The directory (LDAP) accepted the password but names nobody of this platform.
        refused = getattr(self.request, "identity_refused", None)
        if refused is not None:
            return identity_refused(self.request, inactive=refused == "inactive")
        return super().form_invalid(form)


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    pending = request.session.get(PENDING)
    if not pending or int(time.time()) - int(pending["at"]) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


@login_not_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: the code from the person's authenticator app."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(reverse("home"))
    found = _pending_user(request)
    if found is None:
        if request.method == "POST":
            messages.warning(request, _("Sign in again: the sign-in has timed out."))
        return HttpResponseRedirect(reverse("login"))
    user, pending = found
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        device = selectors.confirmed_device(user)
        # django-otp slows guessing down: after a wrong code the next waits a little.
        allowed = device is not None and device.verify_is_allowed()[0]
        if (
            form.is_valid()
            and device is not None
            and allowed
            and device.verify_token(form.cleaned_data["token"])
        ):
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            if pending.get("by_identity_service"):
                request.session[selectors.SESSION_KEY] = selectors.session_rules(
                    user, by_identity_service=True
                )
            _signed_in(request, user, by_identity_service=bool(pending.get("by_identity_service")))
            target = pending.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = reverse("home")
            return HttpResponseRedirect(target)
        services.second_factor_failed(user=user, request=request)
        pending["tries"] = int(pending["tries"]) + 1
        if pending["tries"] >= selectors.policy_for_user(user).lockout_limit:
            del request.session[PENDING]
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return HttpResponseRedirect(reverse("login"))
        request.session[PENDING] = pending
        if form.is_valid():
            form.add_error(
                "token",
                _("The code is not correct. Check the time on your phone.")
                if allowed
                else _("Too many codes in a short time: wait a few seconds and try again."),
            )
    return render(
        request,
        "security/verify.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            services.sign_out_recorded(user=request.user)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rules = self.request.session.get(selectors.SESSION_KEY) or {}
        if rules.get("gate") == selectors.GATE_PASSWORD:
            context["reason"] = (
                _("Your password has expired. Choose a new one to continue.")
                if rules.get("expired")
                else _("An administrator set your password. Choose your own before you continue.")
            )
        context["policy"] = selectors.policy_for_user(self.request.user)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = self.request.user
        services.password_changed_by_owner(user=user, session=self.request.session)
        self.request.session[selectors.SESSION_KEY] = selectors.session_rules(user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _otp_url(user: Any, key: str) -> str:
    return str(TOTPDevice(user=user, key=key, name="TOTP").config_url)


def two_factor(request: HttpRequest) -> HttpResponse:
    """The person's second factor: enrol an authenticator app (QR code and secret), or see
    that one is enrolled."""
    user = request.user
    device = selectors.confirmed_device(user)
    required = selectors.second_factor_required(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and device is None:
        key = request.session.get(ENROL_KEY)
        if key and form.is_valid():
            try:
                services.second_factor_enrol(user=user, key=key, token=form.cleaned_data["token"])
            except ValidationError as exc:
                form.add_error("token", exc)
            else:
                request.session.pop(ENROL_KEY, None)
                request.session[selectors.SESSION_KEY] = selectors.session_rules(user)
                messages.success(request, _("Your authenticator app is enrolled."))
                return HttpResponseRedirect(reverse("security:two_factor"))
        elif not key:
            form.add_error(None, _("Start the enrolment again."))
    elif request.method == "POST":
        return HttpResponseRedirect(reverse("security:two_factor"))
    context: dict[str, Any] = {"device": device, "required": required, "form": form}
    if device is None:
        key = request.session.get(ENROL_KEY) or secrets.token_hex(20)
        request.session[ENROL_KEY] = key
        url = _otp_url(user, key)
        context["qr_svg"] = segno.make(url, error="m").svg_inline(scale=5, dark="#212529")
        context["secret"] = base64.b32encode(bytes.fromhex(key)).decode()
        context["otp_url"] = url
    status = 400 if request.method == "POST" else 200
    return render(request, "security/two_factor.html", context, status=status)


@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    if services.second_factor_remove(user=request.user):
        request.session[selectors.SESSION_KEY] = selectors.session_rules(request.user)
        messages.success(request, _("Your authenticator app was removed."))
    return HttpResponseRedirect(reverse("security:two_factor"))


@require_POST
def ping(request: HttpRequest) -> HttpResponse:
    """The page's "stay signed in": the request itself is the activity."""
    rules = request.session.get(selectors.SESSION_KEY) or {}
    request.session[SEEN_KEY] = int(time.time())
    return JsonResponse({"left": rules.get("idle")})


def policy_edit(request: HttpRequest) -> HttpResponse:
    actor = as_actor(request.user)
    if not may_set_security_policy(request.user):
        raise PermissionDenied(_("Only the security administrator sets the security policy."))
    organization = actor_organization(actor)
    policy = selectors.policy_of(organization)
    form = SecurityPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        services.security_policy_update(
            actor=request.user,
            organization=organization,
            data={f: form.cleaned_data[f] for f in services.POLICY_FIELDS},
        )
        messages.success(request, _("Security policy saved."))
        return HttpResponseRedirect(reverse("security:policy"))
    context = {
        "form": form,
        "policy": policy,
        "enrolled": selectors.people_with_second_factor(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "security/policy.html", context, status=status)


@require_POST
def person_second_factor_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The security administrator removes someone's authenticator app (a lost phone)."""
    if not may_set_security_policy(request.user):
        raise PermissionDenied(_("Only the security administrator sets the security policy."))
    person = get_visible_or_404(Person, request.user, pk=pk)
    if services.second_factor_remove(user=person.user, actor=request.user):
        messages.success(
            request, _("The authenticator app of %(name)s was removed.") % {"name": person}
        )
    return HttpResponseRedirect(reverse("security:policy"))


def actor_organization(actor: Any) -> Any:
    from organization.models import Organization

    return Organization.objects.visible_to(actor).get(pk=actor.organization_id)
