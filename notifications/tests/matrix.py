from django.urls import reverse

from tests.matrix import EVERYONE, MANAGERS, Case, roles

# Who reaches the scoped measure of branch 1 (task force 1's theme, grid 1), and who does not.
SEES = ("admin", "leader", "office", "taskforce", "liaison", "branch", "staff")
URGERS = ("admin", "office", "liaison")
UNIT = ("branch", "staff")


def _measure(w):  # type: ignore[no-untyped-def]
    return w.scoped_measure()


def _notification(w):  # type: ignore[no-untyped-def]
    from notifications.models import Notification

    m = _measure(w)
    return Notification.objects.create(
        recipient=w.user("branch1"),
        organization=w.org,
        measure=m,
        kind="urge",
        title="Urged",
        url=reverse("ledger:measure_detail", args=[m.pk]),
    )


def _urge(w):  # type: ignore[no-untyped-def]
    from notifications.models import Urge

    return Urge.objects.create(measure=_measure(w), by=w.user("office"), message="Hurry up.")


def _flagged(w):  # type: ignore[no-untyped-def]
    m = _measure(w)
    type(m).objects.filter(pk=m.pk).update(is_flagged=True)
    return m


def _notice(w):  # type: ignore[no-untyped-def]
    import datetime as dt

    from notifications.models import SupervisionNotice

    return SupervisionNotice.objects.create(
        organization=w.org,
        measure=_flagged(w),
        year=2021,
        seq=1,
        number="督办〔2021〕1号",
        requirements="Report by Friday.",
        reply_deadline=dt.date(2099, 1, 1),
        issued_by=w.user("office"),
    )


def _token(w):  # type: ignore[no-untyped-def]
    from notifications.models import Preference

    return Preference.objects.get_or_create(user=w.user("branch1"))[0].calendar_token


def _failed_delivery(w):  # type: ignore[no-untyped-def]
    from notifications.models import Delivery

    return Delivery.objects.create(
        organization=w.org, channel="email", to="x@example.edu.cn", status="failed", attempts=5
    )


CASES = [
    Case("notifications:inbox", lambda w: reverse("notifications:inbox"), roles(*EVERYONE)),
    Case(
        "notifications:open",
        lambda w: reverse("notifications:open", args=[_notification(w).pk]),
        {"branch": 302},
        default=404,
        note="only the recipient",
    ),
    Case(
        "notifications:mark_all_read",
        lambda w: reverse("notifications:mark_all_read"),
        roles(*EVERYONE, status=302),
        method="post",
    ),
    Case(
        "notifications:preferences",
        lambda w: reverse("notifications:preferences"),
        roles(*EVERYONE),
    ),
    Case(
        "notifications:calendar_regenerate",
        lambda w: reverse("notifications:calendar_regenerate"),
        roles(*EVERYONE, status=302),
        method="post",
    ),
    Case(
        "notifications:calendar_feed",
        lambda w: reverse("notifications:calendar_feed", args=[_token(w)]),
        roles(*EVERYONE),
        anonymous=200,
        note="the token is the credential",
    ),
    Case(
        "notifications:calendar_feed",
        lambda w: reverse("notifications:calendar_feed", args=["not-a-valid-token-at-all-0000"]),
        {},
        default=404,
        anonymous=404,
        note="bad-token",
    ),
    Case("notifications:urge", lambda w: reverse("notifications:urge"), roles(*URGERS)),
    Case(
        "notifications:urge",
        lambda w: reverse("notifications:urge"),
        roles(*URGERS, status=302),
        method="post",
        data=lambda w: {"ids": [_measure(w).pk], "message": "Please report progress."},
        note="post",
    ),
    Case(
        "notifications:urge_answer",
        lambda w: reverse("notifications:urge_answer", args=[_urge(w).pk]),
        roles(*UNIT, status=302) | {"outsider": 404},
        method="post",
        data=lambda w: {"answer": "Done by Friday."},
    ),
    Case(
        "notifications:notice_list",
        lambda w: reverse("notifications:notice_list"),
        roles(*EVERYONE),
    ),
    Case(
        "notifications:notice_create",
        lambda w: reverse("notifications:notice_create", args=[_flagged(w).pk]),
        roles(*MANAGERS),
    ),
    Case(
        "notifications:notice_detail",
        lambda w: reverse("notifications:notice_detail", args=[_notice(w).pk]),
        roles(*SEES) | {"outsider": 404},
    ),
    Case(
        "notifications:notice_reply",
        lambda w: reverse("notifications:notice_reply", args=[_notice(w).pk]),
        roles(*UNIT, status=302) | {"outsider": 404},
        method="post",
        data=lambda w: {"reply": "Fixed."},
    ),
    Case("notifications:settings", lambda w: reverse("notifications:settings"), roles(*MANAGERS)),
    Case("notifications:deliveries", lambda w: reverse("notifications:deliveries"), roles("admin")),
    Case(
        "notifications:delivery_retry",
        lambda w: reverse("notifications:delivery_retry"),
        roles("admin", status=302),
        method="post",
        data=lambda w: {"ids": [_failed_delivery(w).pk]},
    ),
]
