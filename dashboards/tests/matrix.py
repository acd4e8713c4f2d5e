from django.urls import reverse

from tests.matrix import EVERYONE, READERS, Case, read_only, roles

CASES = read_only(
    Case("dashboards:overview", lambda w: reverse("dashboards:overview"), roles(*EVERYONE)),
    Case(
        "dashboards:overview",
        lambda w: reverse("dashboards:overview") + "?inspection=999999",
        roles(*EVERYONE, status=404),
        note="unknown-inspection",
    ),
    Case("dashboards:people", lambda w: reverse("dashboards:people"), roles(*READERS)),
)
