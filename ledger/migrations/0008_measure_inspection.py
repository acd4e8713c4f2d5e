"""The round on the measure (see `Measure.inspection`): added empty, filled from each measure's
finding in one statement, then made required and indexed with the organization and state."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    Measure = apps.get_model("ledger", "Measure")
    Finding = apps.get_model("ledger", "Finding")
    # The plain manager: a migration works on every organization's rows at once.
    Measure._base_manager.update(
        inspection_id=Subquery(
            Finding._base_manager.filter(pk=OuterRef("finding_id")).values("inspection_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0007_measure_unmatched_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="inspection",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.inspection",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="measure",
            name="inspection",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.inspection",
            ),
        ),
        migrations.AddIndex(
            model_name="measure",
            index=models.Index(
                fields=["organization", "inspection", "state"], name="ledger_meas_organiz_c8461f_idx"
            ),
        ),
    ]
