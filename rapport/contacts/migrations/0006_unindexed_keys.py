# The one-column indexes of foreign keys that a composite index already starts with
# (docs/performance.md, "Import, sixth round"): each cost every imported contact, email,
# phone and company link an index entry and served no query the composite does not.

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


def _contact(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="contacts.contact",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0005_contact_sort_index_covers_name_search"),
        ("tenancy", "0002_workspace_data_version"),
    ]

    operations = [
        # served by company_name_idx, company_sort_idx, company_domain_idx, ...
        key_index_dropped(
            model_name="company",
            name="workspace",
            field=_workspace(),
            table="contacts_company",
            column="workspace_id",
            index="contacts_company_workspace_id_70c9264b",
        ),
        # served by contact_sort_idx, contact_updated_idx, contact_owner_idx, ...
        key_index_dropped(
            model_name="contact",
            name="workspace",
            field=_workspace(),
            table="contacts_contact",
            column="workspace_id",
            index="contacts_contact_workspace_id_c425fb7f",
        ),
        # served by contactcompany_unique (contact_id, company_id)
        key_index_dropped(
            model_name="contactcompany",
            name="contact",
            field=_contact("company_links"),
            table="contacts_contactcompany",
            column="contact_id",
            index="contacts_contactcompany_contact_id_4f7a8f2c",
        ),
        # served by contactemail_unique (contact_id, email)
        key_index_dropped(
            model_name="contactemail",
            name="contact",
            field=_contact("emails"),
            table="contacts_contactemail",
            column="contact_id",
            index="contacts_contactemail_contact_id_8dd35e56",
        ),
        # served by contactemail_email_idx (workspace_id, email)
        key_index_dropped(
            model_name="contactemail",
            name="workspace",
            field=_workspace(),
            table="contacts_contactemail",
            column="workspace_id",
            index="contacts_contactemail_workspace_id_f531da1a",
        ),
        # served by contactphone_unique (contact_id, number)
        key_index_dropped(
            model_name="contactphone",
            name="contact",
            field=_contact("phones"),
            table="contacts_contactphone",
            column="contact_id",
            index="contacts_contactphone_contact_id_4e09e055",
        ),
        # served by contactphone_number_idx (workspace_id, number)
        key_index_dropped(
            model_name="contactphone",
            name="workspace",
            field=_workspace(),
            table="contacts_contactphone",
            column="workspace_id",
            index="contacts_contactphone_workspace_id_4e61377c",
        ),
    ]
