from typing import Any

from rapport.campaigns.models import Campaign, EmailTemplate, Recipient
from rapport.campaigns.services import campaign_create, recipient_opened, template_create
from rapport.contacts.models import Contact
from rapport.marketing.models import ConsentPurpose, ConsentStatus
from rapport.marketing.services import consent_record
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

HTML = (
    "<html><body><p>Hello {{ contact.first_name or 'there' }},</p>"
    '<p><a href="https://shop.example/spring?utm=1&amp;x=2">See the spring range</a></p>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'
)
TEXT = "Hello {{ contact.first_name or 'there' }}, see https://shop.example/spring\n"


def make_template(workspace: Workspace, actor: Any = None, **data: Any) -> EmailTemplate:
    data.setdefault("name", "Spring")
    data.setdefault("subject", "Spring news for {{ contact.company or 'you' }}")
    data.setdefault("body_html", HTML)
    data.setdefault("body_text", TEXT)
    with workspace_scope(workspace):
        return template_create(workspace=workspace, actor=actor, data=data)


def make_campaign(workspace: Workspace, actor: Any = None, **data: Any) -> Campaign:
    if "template_id" not in data:
        data["template_id"] = make_template(workspace, actor).pk
    data.setdefault("name", "Spring launch")
    data.setdefault("from_email", "news@acme.example")
    with workspace_scope(workspace):
        return campaign_create(workspace=workspace, actor=actor, data=data)


def campaign_receipt(workspace: Workspace, actor: Any, contact: Contact) -> Recipient:
    """`contact` received a campaign and opened it."""
    campaign = make_campaign(workspace, actor, name=f"For {contact.pk}")
    with workspace_scope(workspace):
        recipient = Recipient.objects.create(
            workspace=workspace, campaign=campaign, contact=contact, email=contact.email
        )
        recipient_opened(recipient=recipient)
    return recipient


def opt_in(workspace: Workspace, *contacts: Contact) -> None:
    """These contacts agreed to email marketing (sends reach only those who did)."""
    with workspace_scope(workspace):
        for contact in contacts:
            consent_record(
                workspace=workspace,
                actor=None,
                contact=contact,
                purpose=ConsentPurpose.EMAIL_MARKETING,
                status=ConsentStatus.OPTED_IN,
                source="signup form",
            )
