import math

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Log

# A probability is stored to 4 decimals: 1.0 means at least 0.99995, these log2 odds.
ROUNDED_TO_ONE = math.log2(0.99995 / 0.00005)


def weights_from_probabilities(apps, schema_editor):
    """Pairs found before the weight was kept: the log2 odds of their stored probability
    (the next detection run stores the exact weight)."""
    pairs = apps.get_model("dedupe", "DuplicatePair").objects
    pairs.filter(probability__gt=0, probability__lt=1).update(
        match_weight=Log(Value(2.0), F("probability") / (Value(1.0) - F("probability")))
    )
    pairs.filter(probability__gte=1).update(match_weight=ROUNDED_TO_ONE)


class Migration(migrations.Migration):

    dependencies = [
        ('dedupe', '0001_initial'),
        ('tenancy', '0002_workspace_data_version'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='duplicatepair',
            name='duplicatepair_queue_idx',
        ),
        migrations.AddField(
            model_name='duplicatepair',
            name='match_weight',
            field=models.FloatField(default=0.0),
        ),
        migrations.RunPython(weights_from_probabilities, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='duplicatepair',
            index=models.Index(fields=['workspace', 'status', '-match_weight', 'id'], name='duplicatepair_weight_queue_idx'),
        ),
    ]
