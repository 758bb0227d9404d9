"""How a merge moves the contacts app's own rows: a contact's emails, phones, company links
and tags; a company's subsidiaries, contacts, contact links and tags."""

from rapport.contacts.models import Company, Contact, ContactCompany, ContactEmail, ContactPhone
from rapport.merge.registry import RelationMove, merge_handler_register

for handler in (
    RelationMove(ContactEmail, "contact", label="emails", unique_with=("email",)),
    RelationMove(ContactPhone, "contact", label="phones", unique_with=("number",)),
    RelationMove(ContactCompany, "contact", label="company links", unique_with=("company",)),
    RelationMove(Contact.tags.through, "contact", label="tags", unique_with=("tag",)),
    RelationMove(Company, "parent", label="subsidiaries"),
    RelationMove(Contact, "primary_company", label="contacts (primary company)"),
    # A contact linked to both companies keeps one link, primary if either was.
    RelationMove(
        ContactCompany,
        "company",
        label="linked contacts",
        unique_with=("contact",),
        keep_flag="is_primary",
    ),
    RelationMove(Company.tags.through, "company", label="tags", unique_with=("tag",)),
):
    merge_handler_register(handler)
