# The workspace keys' own indexes, which importedrecord_idx and importerror_idx start with
# (docs/performance.md, "Import, sixth round"): one entry fewer per imported record.

import django.db.models.deletion
from django.db import migrations, models

from rapport.core.migration_ops import key_index_dropped


def _workspace() -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name="+",
        to="tenancy.workspace",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("data", "0005_data_export_job"),
        ("tenancy", "0002_workspace_data_version"),
    ]

    operations = [
        key_index_dropped(
            model_name="importedrecord",
            name="workspace",
            field=_workspace(),
            table="data_importedrecord",
            column="workspace_id",
            index="data_importedrecord_workspace_id_cb2fc624",
        ),
        key_index_dropped(
            model_name="importrowerror",
            name="workspace",
            field=_workspace(),
            table="data_importrowerror",
            column="workspace_id",
            index="data_importrowerror_workspace_id_4a1b3250",
        ),
    ]
