"""A deal records the campaign that sourced or touched it.

Deals converted from a lead before this take their lead's campaign, as a conversion now does;
undoing it drops the column (attribution then reads the lead's campaign again).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_lead_campaigns(apps, schema_editor):
    # `unscoped`: across workspaces (a lead and its deal share one). One UPDATE, however many.
    Deal = apps.get_model("sales", "Deal")
    Lead = apps.get_model("sales", "Lead")
    linked = Lead.unscoped.filter(campaign__isnull=False, converted_deal__isnull=False)
    sourced = linked.filter(converted_deal_id=OuterRef("pk")).order_by("id")
    Deal.unscoped.filter(pk__in=linked.values("converted_deal_id")).update(
        campaign_id=Subquery(sourced.values("campaign_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_soft_bounce"),
        ("sales", "0008_lead_campaign_link"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="campaigns.campaign",
            ),
        ),
        migrations.RunPython(copy_lead_campaigns, migrations.RunPython.noop, elidable=True),
    ]
