from django import forms

from rapport.service.forms import AttachmentsForm


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)


class PortalTicketForm(forms.Form):
    subject = forms.CharField(max_length=200, label="What do you need help with?")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 7}), max_length=20_000, label="Details"
    )


class PortalReplyForm(AttachmentsForm):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000, label="Your reply"
    )
    field_order = ["body", "attachments"]


class ArticleVoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes"
    )


class PortalSettingsForm(forms.Form):
    share_company_tickets = forms.BooleanField(
        required=False,
        label="Contacts also see their company's tickets",
        help_text="A contact signed in to the portal sees every ticket of their primary company, "
        "not only their own: for customers whose colleagues follow each other's requests.",
    )
