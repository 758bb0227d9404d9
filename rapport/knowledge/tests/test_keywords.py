from rapport.knowledge.keywords import keywords_of, words_of


def test_words_leave_out_stop_words_short_words_and_contractions():
    assert words_of("How do I export the customer's invoices? I can't find it, x") == [
        "export",
        "customer",
        "invoices",
        "find",
    ]


def test_searching_for_filler_words_still_works():
    assert words_of("help with teams") == ["help", "teams"]


def test_keywords_put_repeated_words_first_and_drop_request_filler():
    text = "Hello, please help: the printer jams. Printer shows error E4, printer restarts."
    assert keywords_of(text) == ["printer", "jams", "shows", "error", "restarts"]
    assert keywords_of(text, limit=2) == ["printer", "jams"]


def test_keywords_understand_other_alphabets():
    assert keywords_of("Rechnung für März fehlt") == ["rechnung", "für", "märz", "fehlt"]
