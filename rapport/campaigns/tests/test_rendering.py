import pytest

from rapport.campaigns.rendering import merge_context, render_parts, template_check
from rapport.contacts.tests.factories import make_company, make_contact
from rapport.core.errors import ServiceValidationError


def _render(contact, workspace, **parts):
    return render_parts(parts, merge_context(contact, workspace, "https://x.example/u/t/"))


def test_merge_fields_are_filled_and_missing_ones_fall_back(scoped, workspace):
    acme = make_company(workspace, name="Acme")
    ann = make_contact(workspace, first_name="Ann", company_ids=[acme.pk], custom_fields={})
    nameless = make_contact(workspace, first_name="", last_name="Lee")

    mail = _render(ann, workspace, subject="Hi {{ contact.first_name }} of {{ contact.company }}")
    other = _render(nameless, workspace, subject="Hi {{ contact.first_name or 'there' }}")

    assert mail.subject == "Hi Ann of Acme"
    assert other.subject == "Hi there"


def test_an_unknown_field_renders_empty_instead_of_failing(scoped, workspace):
    ann = make_contact(workspace)

    mail = _render(ann, workspace, body_text="[{{ contact.nickname }}][{{ contact.custom.tier }}]")

    assert mail.body_text == "[][]"


def test_the_html_body_escapes_merge_values_and_the_text_body_keeps_them(scoped, workspace):
    ann = make_contact(workspace, first_name="<script>alert(1)</script>")

    mail = _render(
        ann,
        workspace,
        body_html="<p>{{ contact.first_name }}</p>",
        body_text="{{ contact.first_name }}",
    )

    assert "<script>" not in mail.body_html
    assert "&lt;script&gt;" in mail.body_html
    assert mail.body_text == "<script>alert(1)</script>"


def test_a_template_cannot_reach_python_internals(scoped, workspace):
    ann = make_contact(workspace)

    with pytest.raises(ServiceValidationError) as caught:
        _render(ann, workspace, body_text="{{ contact.__class__.__mro__[1].__subclasses__() }}")

    assert caught.value.as_dict().keys() == {"body_text"}


def test_a_merge_value_cannot_add_a_header_line_to_the_subject(scoped, workspace):
    ann = make_contact(workspace, job_title="Boss\r\nBcc: everyone@example.com")

    mail = _render(ann, workspace, subject="For the {{ contact.job_title }}")

    assert "\n" not in mail.subject and "\r" not in mail.subject


def test_a_syntax_error_names_the_part_and_the_line():
    with pytest.raises(ServiceValidationError) as caught:
        template_check({"subject": "ok", "body_html": "<p>\n{{ contact.first_name </p>"})

    errors = caught.value.as_dict()
    assert list(errors) == ["body_html"]
    assert errors["body_html"][0].startswith("line 2")
