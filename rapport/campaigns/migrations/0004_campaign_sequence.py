import django.db.models.deletion
from django.db import migrations, models


def sequences_named(apps, schema_editor):
    """The campaigns of the sequences' current email steps belong to their sequence."""
    Campaign = apps.get_model("campaigns", "Campaign")
    Sequence = apps.get_model("sequences", "Sequence")
    for sequence in Sequence.objects.exclude(step_campaigns={}).iterator():
        ids = [int(pk) for pk in sequence.step_campaigns.values()]
        Campaign.objects.filter(pk__in=ids, workspace_id=sequence.workspace_id).update(
            sequence=sequence
        )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_soft_bounce"),
        ("sequences", "0003_enter_list"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="sequence",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sequences.sequence",
            ),
        ),
        migrations.RunPython(sequences_named, migrations.RunPython.noop),
    ]
