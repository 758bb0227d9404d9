"""Column suggestions for German, French and Spanish files, accents and case aside; a bare
"Name" ("Nom") beside a first name is the last name."""

import pytest

from rapport.data.importers import importer_get, mapping_suggest

GERMAN = ["Vorname", "Nachname", "E-Mail", "Telefon", "Firma", "Straße", "PLZ", "Ort", "Land"]
FRENCH = [
    "Prénom",
    "Nom de famille",
    "Courriel",
    "Téléphone",
    "Société",
    "Adresse",
    "Code postal",
    "Ville",
    "Pays",
]
SPANISH = [
    "Nombre",
    "Apellidos",
    "Correo electrónico",
    "Teléfono",
    "Empresa",
    "Dirección",
    "Código postal",
    "Ciudad",
    "País",
]
CONTACT_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "street",
    "postal_code",
    "city",
    "country",
]


@pytest.mark.parametrize("headers", [GERMAN, FRENCH, SPANISH], ids=["de", "fr", "es"])
def test_a_contact_files_headers_are_suggested_in_three_languages(headers):
    mapping = mapping_suggest(importer_get("contacts"), headers)

    assert [mapping.get(h) for h in headers] == CONTACT_FIELDS


@pytest.mark.parametrize(
    "header", ["prénom", "PRENOM", "Prenom", "prénom ", "VORNAME", "nombre de pila"]
)
def test_headers_match_whatever_their_accents_and_case(header):
    assert mapping_suggest(importer_get("contacts"), [header]) == {header: "first_name"}


def test_german_strasse_matches_with_or_without_the_sharp_s():
    mapping = mapping_suggest(importer_get("contacts"), ["STRASSE", "Postleitzahl"])
    assert mapping == {"STRASSE": "street", "Postleitzahl": "postal_code"}


@pytest.mark.parametrize(
    ("first", "bare"), [("Vorname", "Name"), ("Prénom", "Nom"), ("First name", "Name")]
)
def test_a_bare_name_beside_a_first_name_is_the_last_name(first, bare):
    mapping = mapping_suggest(importer_get("contacts"), [first, bare, "E-Mail"])
    assert mapping == {first: "first_name", bare: "last_name", "E-Mail": "email"}


def test_a_bare_name_alone_is_still_the_whole_name_and_apellido_the_last():
    contacts = importer_get("contacts")
    assert mapping_suggest(contacts, ["Nom", "Courriel"])["Nom"] == "full_name"
    assert mapping_suggest(contacts, ["Nombre", "Apellido"]) == {
        "Nombre": "first_name",
        "Apellido": "last_name",
    }
    # A whole name stated as such stays whole beside a first name.
    assert mapping_suggest(contacts, ["Vorname", "Vollständiger Name"])["Vollständiger Name"] == (
        "full_name"
    )


@pytest.mark.parametrize(
    "headers",
    [
        ["Firma", "Webseite", "Branche", "Ort", "Land"],
        ["Société", "Site web", "Secteur", "Ville", "Pays"],
        ["Empresa", "Sitio web", "Sector", "Ciudad", "País"],
    ],
    ids=["de", "fr", "es"],
)
def test_a_company_files_headers_are_suggested_in_three_languages(headers):
    mapping = mapping_suggest(importer_get("companies"), headers)

    assert [mapping.get(h) for h in headers] == ["name", "domain", "industry", "city", "country"]


@pytest.mark.parametrize("header", ["Nom", "Nombre", "Firmenname", "Raison sociale"])
def test_a_companies_bare_name_in_french_or_spanish_is_its_name(header):
    assert mapping_suggest(importer_get("companies"), [header, "Pays"])[header] == "name"
