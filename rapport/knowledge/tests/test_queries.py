from rapport.knowledge.queries import article_get, article_search, article_suggestions
from rapport.knowledge.tests.factories import make_article
from rapport.tenancy.access import workspace_scope


def titles(articles):
    return [a.title for a in articles]


def test_search_ranks_title_matches_above_body_matches(scoped, owner):
    make_article(scoped, owner, title="Billing overview", body_markdown="Invoices are monthly.")
    make_article(scoped, owner, title="Export your invoices", body_markdown="Download a CSV.")
    make_article(scoped, owner, title="Plans", body_markdown="Each plan has a price.")
    assert titles(article_search(q="invoices", public_only=False)) == [
        "Export your invoices",
        "Billing overview",
    ]


def test_search_needs_every_word_and_ignores_case_and_stop_words(scoped, owner):
    make_article(scoped, owner, title="Reset your PASSWORD", body_markdown="Use the email link.")
    make_article(scoped, owner, title="Change your email", body_markdown="In settings.")
    assert titles(article_search(q="how do I reset the password", public_only=False)) == [
        "Reset your PASSWORD"
    ]
    assert article_search(q="the and of", public_only=False) == []
    assert article_search(q="", public_only=False) == []


def test_public_search_never_returns_internal_or_draft_articles(scoped, owner):
    make_article(scoped, owner, title="Refund policy", visibility="public")
    make_article(scoped, owner, title="Refund escalation (agents)", visibility="internal")
    make_article(scoped, owner, title="Refund FAQ draft", status="draft", visibility="public")
    assert titles(article_search(q="refund", public_only=True)) == ["Refund policy"]
    assert sorted(titles(article_search(q="refund", public_only=False))) == [
        "Refund escalation (agents)",
        "Refund policy",
    ]
    assert article_get(slug="refund-escalation-agents", public_only=True) is None
    assert article_get(slug="refund-escalation-agents", public_only=False) is not None


def test_helpful_votes_break_ties(scoped, owner):
    from rapport.knowledge.services import article_vote

    make_article(scoped, owner, title="Printing A", body_markdown="x")
    liked = make_article(scoped, owner, title="Printing B", body_markdown="x")
    article_vote(workspace=scoped, article=liked, voter_key="user:1", helpful=True)
    assert titles(article_search(q="printing", public_only=False)) == ["Printing B", "Printing A"]


def test_suggestions_follow_what_the_ticket_is_about(scoped, owner):
    make_article(
        scoped,
        owner,
        title="Two-factor login codes",
        body_markdown="If your authenticator app shows the wrong code, sync its clock.",
    )
    make_article(
        scoped, owner, title="Login troubleshooting", body_markdown="Clear cookies and retry."
    )
    make_article(
        scoped, owner, title="Mobile app", body_markdown="Install from the store; login there."
    )
    make_article(scoped, owner, title="Invoices", body_markdown="Monthly billing.")
    text = "Hi, I can't login: the app says my code is wrong. Please help, the code never works."
    assert titles(article_suggestions(text=text, public_only=False)) == [
        "Two-factor login codes",  # title hits: login, code; body hits: app, code, wrong
        "Mobile app",  # title: app; body: login
        "Login troubleshooting",  # title: login; no body hit
    ]


def test_suggestions_respect_the_limit_and_need_real_words(scoped, owner):
    for n in range(7):
        make_article(scoped, owner, title=f"Printer setup {n}", body_markdown="printer")
    assert len(article_suggestions(text="printer broken", public_only=True)) == 5
    assert len(article_suggestions(text="printer broken", public_only=True, limit=2)) == 2
    assert article_suggestions(text="hi, please help!", public_only=True) == []


def test_customers_get_only_public_suggestions(scoped, owner):
    make_article(scoped, owner, title="VPN access", visibility="internal")
    make_article(scoped, owner, title="VPN client download", visibility="public")
    text = "VPN does not connect"
    assert titles(article_suggestions(text=text, public_only=True)) == ["VPN client download"]


def test_another_workspace_articles_are_never_found(workspace, owner, other_workspace):
    make_article(other_workspace, None, title="Secret roadmap", body_markdown="roadmap")
    make_article(workspace, owner, title="Public roadmap", body_markdown="roadmap")
    with workspace_scope(workspace):
        assert titles(article_search(q="roadmap", public_only=False)) == ["Public roadmap"]
        assert titles(article_suggestions(text="roadmap", public_only=False)) == ["Public roadmap"]
        assert article_get(slug="secret-roadmap", public_only=False) is None
