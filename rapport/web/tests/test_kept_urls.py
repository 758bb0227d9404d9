"""URLs reversed once per process follow the script prefix and are what `reverse` gives."""

from django.urls import clear_script_prefix, reverse, set_script_prefix

from rapport.web.kept_urls import fixed_url, url_pattern


def test_kept_urls_are_reverses_per_script_prefix():
    try:
        for prefix in ("/", "/crm/", "/"):
            set_script_prefix(prefix)
            assert fixed_url("home") == reverse("home") == prefix
            assert fixed_url("contacts:company_names") == reverse("contacts:company_names")
            detail = url_pattern("contacts:contact_detail")
            assert detail(12) == reverse("contacts:contact_detail", args=[12])
            assert detail(345) == f"{prefix}contacts/345/"
    finally:
        clear_script_prefix()
