from django.urls import reverse

from tests.matrix import (
    ALL_OF_ORG,
    EVERYONE,
    MANAGERS,
    SIGNED_IN,
    Case,
    fields_of,
    once,
    post_only,
    read_only,
    roles,
)

# Who reaches the scoped measure of branch 1 (task force 1's theme, grid 1), and who does not.
SEES = ("leader", "office", "taskforce", "liaison", "branch", "staff")
URGERS = ("office", "liaison")
UNIT = ("branch", "staff")


def _measure(w):  # type: ignore[no-untyped-def]
    from ledger.models import Measure

    return Measure.objects.get(pk=once(w, "scoped", lambda: w.scoped_measure().pk))


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


def _unread_of_actor(w):  # type: ignore[no-untyped-def]
    """One unread notification for whoever is acting, so reading them all changes something."""
    from notifications.models import Notification

    if w.actor is not None:
        once(
            w,
            "unread",
            lambda: Notification.objects.create(
                recipient=w.actor,
                organization=w.actor.person.organization,
                kind="urge",
                title="Unread",
            ),
        )
    return reverse("notifications:mark_all_read")


def _actor_unread(w):  # type: ignore[no-untyped-def]
    from notifications.models import Notification

    if w.actor is None:
        return None
    return Notification.objects.filter(recipient=w.actor, read_at__isnull=True).count()


def _actor_preference(w):  # type: ignore[no-untyped-def]
    from notifications.models import Preference

    if w.actor is None:
        return None
    row = Preference.objects.filter(user=w.actor).values("daily_digest", "calendar_token").first()
    return tuple(row.values()) if row else None


def _actor_digest(w):  # type: ignore[no-untyped-def]
    from notifications.models import Preference

    user = w.actor or w.user("branch1")
    return Preference.objects.filter(user=user, daily_digest=True).exists()


def _urges(w):  # type: ignore[no-untyped-def]
    from notifications.models import Urge

    return Urge.objects.filter(measure=_measure(w)).count()


def _urge_answer(w):  # type: ignore[no-untyped-def]
    from notifications.models import Urge

    return fields_of(Urge, once(w, "urge", lambda: _urge(w).pk), "answer")


def _notices(w):  # type: ignore[no-untyped-def]
    from notifications.models import SupervisionNotice

    return SupervisionNotice.objects.filter(measure=_measure(w)).count()


def _notice_reply(w):  # type: ignore[no-untyped-def]
    from notifications.models import SupervisionNotice

    return fields_of(SupervisionNotice, once(w, "notice", lambda: _notice(w).pk), "reply")


def _settings(w):  # type: ignore[no-untyped-def]
    from notifications.models import NotificationSettings

    row = NotificationSettings.objects.filter(organization=w.org).values("notice_prefix").first()
    return tuple(row.values()) if row else None


def _delivery(w):  # type: ignore[no-untyped-def]
    from notifications.models import Delivery

    pk = once(w, "delivery", lambda: _failed_delivery(w).pk)
    return fields_of(Delivery, pk, "status", "attempts")


OWN = (*SIGNED_IN,)  # everyone acts on their own inbox, preferences and calendar


CASES = [
    *read_only(
        Case("notifications:inbox", lambda w: reverse("notifications:inbox"), roles(*ALL_OF_ORG)),
        Case(
            "notifications:open",
            lambda w: reverse("notifications:open", args=[_notification(w).pk]),
            {"branch": 302},
            default=404,
            note="only the recipient",
        ),
        Case(
            "notifications:calendar_feed",
            lambda w: reverse("notifications:calendar_feed", args=[_token(w)]),
            roles(*ALL_OF_ORG),
            anonymous=200,
            public=True,
            stranger=200,
            note="the token is the credential",
        ),
        Case(
            "notifications:calendar_feed",
            lambda w: reverse(
                "notifications:calendar_feed", args=["not-a-valid-token-at-all-0000"]
            ),
            {},
            default=404,
            anonymous=404,
            public=True,
            stranger=404,
            note="bad-token",
        ),
        Case(
            "notifications:notice_list",
            lambda w: reverse("notifications:notice_list"),
            roles(*EVERYONE),
        ),
        Case(
            "notifications:notice_detail",
            lambda w: reverse("notifications:notice_detail", args=[_notice(w).pk]),
            roles(*SEES) | {"outsider": 404},
        ),
        Case(
            "notifications:deliveries",
            lambda w: reverse("notifications:deliveries"),
            roles("office"),
        ),
    ),
    *post_only(
        Case(
            "notifications:mark_all_read",
            _unread_of_actor,
            roles(*ALL_OF_ORG, status=302),
            method="post",
            stranger=302,
            effect=_actor_unread,
            changes=OWN,
        ),
        Case(
            "notifications:calendar_regenerate",
            lambda w: reverse("notifications:calendar_regenerate"),
            roles(*ALL_OF_ORG, status=302),
            method="post",
            stranger=302,
            effect=_actor_preference,
            changes=OWN,
        ),
        Case(
            "notifications:urge_answer",
            lambda w: reverse(
                "notifications:urge_answer", args=[once(w, "urge", lambda: _urge(w).pk)]
            ),
            roles(*UNIT, status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {"answer": "Done by Friday."},
            effect=_urge_answer,
        ),
        Case(
            "notifications:notice_reply",
            lambda w: reverse(
                "notifications:notice_reply", args=[once(w, "notice", lambda: _notice(w).pk)]
            ),
            roles(*UNIT, status=302) | {"outsider": 404},
            method="post",
            data=lambda w: {"reply": "Fixed."},
            effect=_notice_reply,
        ),
        Case(
            "notifications:delivery_retry",
            lambda w: reverse("notifications:delivery_retry"),
            roles("office", status=302),
            method="post",
            data=lambda w: {"ids": [once(w, "delivery", lambda: _failed_delivery(w).pk)]},
            effect=_delivery,
        ),
    ),
    Case(
        "notifications:preferences",
        lambda w: reverse("notifications:preferences"),
        roles(*ALL_OF_ORG),
    ),
    Case(
        "notifications:preferences",
        lambda w: reverse("notifications:preferences"),
        roles(*ALL_OF_ORG, status=302),
        method="post",
        form=lambda w: {"daily_digest": None if _actor_digest(w) else "on"},
        form_as="actor",
        stranger=302,
        effect=_actor_preference,
        changes=OWN,
    ),
    Case("notifications:urge", lambda w: reverse("notifications:urge"), roles(*URGERS)),
    Case(
        "notifications:urge",
        lambda w: reverse("notifications:urge"),
        roles(*URGERS, status=302),
        method="post",
        data=lambda w: {"ids": [_measure(w).pk], "message": "Please report progress."},
        effect=_urges,
        note="post",
    ),
    Case(
        "notifications:notice_create",
        lambda w: reverse("notifications:notice_create", args=[_flagged(w).pk]),
        roles(*MANAGERS),
    ),
    Case(
        "notifications:notice_create",
        lambda w: reverse("notifications:notice_create", args=[_flagged(w).pk]),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {
            "requirements": "请于五个工作日内书面报告。",
            "reply_deadline": "2099-01-01",
        },
        effect=_notices,
    ),
    Case(
        "notifications:settings",
        lambda w: reverse("notifications:settings"),
        roles(*MANAGERS),
    ),
    Case(
        "notifications:settings",
        lambda w: reverse("notifications:settings"),
        roles(*MANAGERS, status=302),
        method="post",
        form=lambda w: {"notice_prefix": "督办函"},
        effect=_settings,
    ),
]
