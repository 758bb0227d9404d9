# The name search's arms read off their indexes alone (docs/performance.md, perf24): the
# name as typed with the sort name and id beside it, and the primary company's contacts with
# their workspace, sort name and id. The primary company's own key index gives way to the
# second, which starts with the same column (company deletes still find their contacts by it).

import django.db.models.deletion
from django.db import migrations, models

from rapport.core.migration_ops import key_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_tag_unique_key"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["primary_company"],
                include=("workspace", "sort_name", "id"),
                name="contact_primary_company_idx",
            ),
        ),
        key_index_dropped(
            model_name="contact",
            name="primary_company",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="primary_contacts",
                to="contacts.company",
            ),
            table="contacts_contact",
            column="primary_company_id",
            index="contacts_contact_primary_company_id_2ae39353",
        ),
        migrations.RemoveIndex(model_name="contact", name="contact_search_name_idx"),
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                fields=["workspace", "search_name"],
                include=("sort_name", "id"),
                name="contact_search_name_idx",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ),
    ]
