"""Column headers of German, French and Spanish files, by what they name: more aliases for
the import's suggestions, which compare them as `header_key`s (case, accents, spaces and
punctuation aside: "Straße", "STRASSE" and "strasse" are one; "Teléfono" is "telefono")."""

TRANSLATED: dict[str, tuple[str, ...]] = {
    "full_name": ("vollständiger name", "nom complet", "nombre completo"),
    "first_name": ("vorname", "prénom", "nombre", "nombre de pila"),
    "last_name": ("nachname", "familienname", "nom de famille", "apellido", "apellidos"),
    "email": (
        "e-mail-adresse",
        "mail",
        "courriel",
        "adresse e-mail",
        "adresse électronique",
        "correo",
        "correo electrónico",
    ),
    "phone": (
        "telefon",
        "telefonnummer",
        "mobiltelefon",
        "handy",
        "numéro de téléphone",
        "portable",
        "teléfono",
        "número de teléfono",
        "móvil",
        "celular",
    ),
    "job_title": ("berufsbezeichnung", "funktion", "fonction", "poste", "cargo"),
    # The company's name: a contact's company, a company's own name.
    "company": (
        "firma",
        "firmenname",
        "unternehmen",
        "société",
        "entreprise",
        "raison sociale",
        "empresa",
        "compañía",
        "razón social",
    ),
    "street": ("straße", "anschrift", "adresse", "rue", "dirección", "calle", "domicilio"),
    "postal_code": ("plz", "postleitzahl", "code postal", "cp", "código postal"),
    "city": ("ort", "stadt", "wohnort", "ville", "commune", "ciudad", "localidad", "población"),
    "region": ("bundesland", "région", "département", "provincia", "comunidad autónoma"),
    "country": ("land", "pays", "país"),
    "domain": ("webseite", "homepage", "site web", "site internet", "sitio web", "página web"),
    "industry": ("branche", "secteur", "secteur d'activité", "industria", "sector"),
    "tags": ("schlagwörter", "étiquettes", "etiquetas"),
}
