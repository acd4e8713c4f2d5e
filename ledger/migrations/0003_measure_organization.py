"""Keep each measure's organization on the measure itself, so the scope filter needs no join."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    Measure = apps.get_model("ledger", "Measure")
    Finding = apps.get_model("ledger", "Finding")
    for finding in Finding.objects.select_related("inspection").iterator():
        Measure.objects.filter(finding_id=finding.pk).update(
            organization_id=finding.inspection.organization_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_trigram_search"),
        ("organization", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="organization",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="measures",
                to="organization.organization",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="measure",
            name="organization",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="measures",
                to="organization.organization",
            ),
        ),
    ]
