"""A lead's campaign becomes a link to a campaign of its workspace.

The old text is kept as `campaign_name`; each lead whose text names a campaign of its own
workspace (case and surrounding spaces aside; the oldest campaign when several share the name)
is linked to it and its text cleared, so `campaign_name` is left holding only names that match
no campaign. Undoing it writes the linked campaign's name back as text.
"""

from collections.abc import Iterable

import django.db.models.deletion
from django.db import migrations, models


def _key(workspace_id: int, name: str) -> tuple[int, str]:
    return workspace_id, name.strip().casefold()


def campaign_links(
    campaigns: Iterable[tuple[int, int, str]], lead_names: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    """Which campaign each (workspace id, campaign text) of the leads links to.

    `campaigns` are (id, workspace id, name) rows; texts matching none are left out."""
    found: dict[tuple[int, str], int] = {}
    for pk, workspace_id, name in sorted(campaigns):
        found.setdefault(_key(workspace_id, name), pk)
    links = {}
    for workspace_id, text in lead_names:
        pk = found.get(_key(workspace_id, text))
        if text.strip() and pk is not None:
            links[(workspace_id, text)] = pk
    return links


def link_campaigns(apps, schema_editor):
    # `unscoped`: across workspaces, on the historical models as on the real ones (which the
    # migration's test runs this with).
    Campaign = apps.get_model("campaigns", "Campaign")
    Lead = apps.get_model("sales", "Lead")
    leads = Lead.unscoped.exclude(campaign_name="")
    names = leads.values_list("workspace_id", "campaign_name").distinct().order_by()
    campaigns = Campaign.unscoped.values_list("pk", "workspace_id", "name")
    for (workspace_id, text), pk in campaign_links(campaigns, names).items():
        leads.filter(workspace_id=workspace_id, campaign_name=text).update(
            campaign_id=pk, campaign_name=""
        )


def unlink_campaigns(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    Lead = apps.get_model("sales", "Lead")
    linked = Lead.unscoped.filter(campaign__isnull=False)
    ids = linked.values_list("campaign_id", flat=True).distinct().order_by()
    for pk, name in Campaign.unscoped.filter(pk__in=ids).values_list("pk", "name"):
        linked.filter(campaign_id=pk).update(campaign_name=name[:100])


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0003_soft_bounce'),
        ('sales', '0007_deal_board_index_with_id'),
    ]

    operations = [
        migrations.RenameField(
            model_name='lead',
            old_name='campaign',
            new_name='campaign_name',
        ),
        migrations.AlterField(
            model_name='lead',
            name='campaign_name',
            field=models.CharField(blank=True, editable=False, max_length=100),
        ),
        migrations.AddField(
            model_name='lead',
            name='campaign',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='campaigns.campaign'),
        ),
        migrations.AddIndex(
            model_name='lead',
            index=models.Index(fields=['workspace', 'campaign'], name='lead_campaign_idx'),
        ),
        migrations.RunPython(link_campaigns, unlink_campaigns),
    ]
