"""The audit trail names the records a merge entry refers to (a removed one reads "#12
(deleted)" until the merge is undone)."""

from rapport.audit.references import audit_reference
from rapport.contacts.references import company_names, contact_names

audit_reference("merged_contact", "merged_into_contact", "split_from_contact")(contact_names)
audit_reference("merged_company", "merged_into_company", "split_from_company")(company_names)
