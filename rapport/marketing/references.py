"""How the audit trail links the segments and static lists it names to their pages."""

from rapport.audit.labels import audit_record_page

audit_record_page("marketing.segment", "marketing:segment_detail")
audit_record_page("marketing.staticlist", "marketing:list_detail")
