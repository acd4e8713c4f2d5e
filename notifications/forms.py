"""Forms for reminders, urging and notification settings. Services do the real validation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.choices import Channel, WebhookKind
from notifications.ladder import CODE_MAX_LENGTH, Audience
from notifications.services import MAX_TEXT
from organization.forms import BootstrapMixin

AUDIENCE_LABELS = {
    Audience.RESPONSIBLE_PERSONS: _("Responsible persons (责任人)"),
    Audience.RESPONSIBLE_LEADER: _("Responsible leader (责任领导)"),
    Audience.LIAISON_GROUP: _("Liaison group of the unit's grid"),
    Audience.UNIT_HEADS: _("Party secretary and administrative head of the unit"),
    Audience.TASK_FORCE: _("Task force of the theme"),
    Audience.OFFICE: _("Rectification office"),
}
AUDIENCE_CHOICES = [(a.value, AUDIENCE_LABELS[a]) for a in Audience]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PreferenceForm(BootstrapMixin, forms.Form):
    email_enabled = forms.BooleanField(label=_("Email"), required=False)
    daily_digest = forms.BooleanField(
        label=_("One daily digest email instead of an email per notification"), required=False
    )
    digest_hour = forms.TypedChoiceField(
        label=_("Send the digest at"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
    )
    webhook_enabled = forms.BooleanField(
        label=_("Mention me in the group robot's messages (WeCom / DingTalk)"), required=False
    )
    dingtalk_enabled = forms.BooleanField(
        label=_("DingTalk work notices (钉钉工作通知)"), required=False
    )
    dingtalk_userid = forms.CharField(
        label=_("My DingTalk user ID"),
        required=False,
        max_length=64,
        help_text=_("Your userid in the organization's DingTalk; the administrator can tell you."),
    )
    wecom_enabled = forms.BooleanField(
        label=_("WeCom app messages (企业微信应用消息)"), required=False
    )
    wecom_userid = forms.CharField(
        label=_("My WeCom user ID"),
        required=False,
        max_length=64,
        help_text=_("Your account (UserID) in the organization's WeCom."),
    )

    def __init__(
        self, *args: Any, channels: Sequence[str] = (), has_profile: bool = True, **kwargs: Any
    ) -> None:
        """Work-notice fields only for the channels the server's app is configured for; the
        user ids only for someone with a personal profile to keep them in."""
        super().__init__(*args, **kwargs)
        for channel in (Channel.DINGTALK, Channel.WECOM):
            if channel not in channels:
                del self.fields[f"{channel}_enabled"]
                del self.fields[f"{channel}_userid"]
            elif not has_profile:
                del self.fields[f"{channel}_userid"]

    def preference_values(self) -> dict[str, Any]:
        """The cleaned data as `preference_update` takes it."""
        data = dict(self.cleaned_data)
        ids = {name: data.pop(name) for name in ("dingtalk_userid", "wecom_userid") if name in data}
        return data | {"work_notice_ids": ids or None}


class UrgeForm(BootstrapMixin, forms.Form):
    message = forms.CharField(
        label=_("Message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="",
    )


class AnswerForm(BootstrapMixin, forms.Form):
    answer = forms.CharField(
        label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoticeForm(BootstrapMixin, forms.Form):
    requirements = forms.CharField(
        label=_("Requirements"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reply_deadline = forms.DateField(label=_("Reply in writing by"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reply_deadline"].initial = timezone.localdate() + dt.timedelta(days=7)

    def clean_reply_deadline(self) -> dt.date:
        value: dt.date = self.cleaned_data["reply_deadline"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("The reply deadline is in the past."))
        return value


class NoticeReplyForm(BootstrapMixin, forms.Form):
    reply = forms.CharField(
        label=_("Reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class LadderStepForm(BootstrapMixin, forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[a-z0-9_]+$",
        max_length=CODE_MAX_LENGTH,
        error_messages={"invalid": _("Lowercase letters, digits and underscores only.")},
    )
    offset_days = forms.IntegerField(
        label=_("Days from the due date"),
        min_value=-366,
        max_value=366,
        help_text=_("Negative: before the due date; 1: the first day overdue."),
    )
    audiences = forms.MultipleChoiceField(
        label=_("Who is told"), choices=AUDIENCE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    flag_for_supervision = forms.BooleanField(
        label=_("Flag for supervision (挂牌督办)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Bootstrap styles each checkbox itself; the list widget needs no form-control class.
        self.fields["audiences"].widget.attrs.pop("class", None)

    def to_config(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "offset_days": data["offset_days"],
            "audiences": list(data["audiences"]),
            "flag_for_supervision": bool(data.get("flag_for_supervision")),
        }


LadderFormSet = forms.formset_factory(LadderStepForm, extra=1, can_delete=True, max_num=12)


def ladder_config(formset: forms.BaseFormSet) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The ladder a valid formset describes, in firing order; blank and deleted rows left out."""
    steps = [
        form.to_config()
        for form in formset.forms
        if form.has_changed() and form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
    return sorted(steps, key=lambda step: step["offset_days"])


class SettingsForm(BootstrapMixin, forms.Form):
    webhook_url = forms.URLField(
        label=_("Group robot address"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "The webhook address of a WeCom or DingTalk group robot. Leave empty to use the "
            "server-wide address, if any."
        ),
    )
    webhook_kind = forms.ChoiceField(label=_("Group robot type"), choices=WebhookKind.choices)
    webhook_secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签)"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored secret."),
    )
    clear_secret = forms.BooleanField(label=_("Remove the stored secret"), required=False)
    notice_prefix = forms.CharField(
        label=_("Supervision notice number prefix"),
        max_length=20,
        help_text=_("Notices are numbered prefix〔year〕n号."),
    )
