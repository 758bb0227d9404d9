import datetime as dt
import re

from django.core.management import call_command
from django.db.models import Min
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult

from rapport.activities.models import Activity
from rapport.audit.models import AuditEntry
from rapport.campaigns.models import Campaign, Suppression, TrackingEvent
from rapport.contacts.models import Company, Contact
from rapport.data.models import ImportBatch
from rapport.dedupe.models import DuplicatePair
from rapport.demo.duplicates_data import COMPANY_TWINS, CONTACT_TWINS
from rapport.demo.feedback_data import MIXED_COMMENTS, NEGATIVE_COMMENTS, POSITIVE_COMMENTS
from rapport.feedback.models import SurveyInvite
from rapport.feedback.queries import csat_summary, nps_summary
from rapport.feedback.sentiment import sentiment_score
from rapport.knowledge.models import Article, ArticleVote, Category
from rapport.knowledge.rendering import render_markdown
from rapport.marketing.models import ConsentEvent, Segment, StaticList
from rapport.marketing.queries import consent_allowed_q
from rapport.sales.models import Deal, ForecastSnapshot, Lead, Order
from rapport.sequences.models import Sequence
from rapport.sequences.queries import step_figures
from rapport.service.models import Ticket, TicketMessage
from rapport.tenancy.access import workspace_scope
from rapport.tenancy.models import Workspace

SMALL = [
    "--contacts",
    "40",
    "--companies",
    "8",
    "--activities",
    "120",
    "--deals",
    "60",
    "--orders",
    "300",
    "--leads",
    "60",
    "--tickets",
    "80",
    "--nps-contacts",
    "25",
]


def test_the_demo_loads_once_through_the_services(db):
    call_command("demo", "--if-empty", *SMALL)
    call_command("demo", "--if-empty", *SMALL)
    ws = Workspace.objects.get(slug="demo-company")
    assert ws.memberships.count() == 3
    with scopes_disabled():
        # The generated records and the few entered twice for the duplicate queue.
        assert Contact.objects.filter(workspace=ws).count() == 40 + CONTACT_TWINS
        assert Company.objects.filter(workspace=ws).count() == 8 + COMPANY_TWINS
        # The generated activities, and a few more on most deals, within the deal's life.
        on_deals = Activity.objects.filter(workspace=ws, deal_links__isnull=False).distinct()
        follow_ups = Activity.objects.filter(workspace=ws, body__contains="Welcome series")
        assert Activity.objects.filter(workspace=ws).count() == (
            120 + on_deals.count() + follow_ups.count()
        )
        assert on_deals.count() >= 60
        for activity in on_deals.prefetch_related("deal_links__deal")[:30]:
            deal = activity.deal_links.all()[0].deal
            assert activity.occurred_at <= (deal.closed_at or timezone.now())
        assert set(Activity.objects.values_list("kind", flat=True)) == {
            "note",
            "call",
            "email",
            "meeting",
            "task",
        }
        # Activities happen in working hours on working days (UTC).
        for at in Activity.objects.filter(workspace=ws).values_list("occurred_at", flat=True):
            assert at.weekday() < 5 and 8 <= at.hour < 18
        # A company's site is named after it, and most of its people write from it.
        for company in Company.objects.filter(workspace=ws).order_by("pk"):
            stem = company.domain.removesuffix(".com").rstrip("0123456789")
            assert stem and stem[:4] in re.sub(r"[^a-z]", "", company.name.lower())
        at_company = Contact.objects.filter(workspace=ws, primary_company__isnull=False)
        own = [
            c
            for c in at_company.select_related("primary_company")
            if c.email.endswith("@" + c.primary_company.domain)
        ]
        assert len(own) > at_company.count() / 2
        # Old tasks are done; an open task is at most three weeks late, as in a working team.
        tasks = Activity.objects.filter(workspace=ws, kind="task")
        assert tasks.filter(done_at__isnull=False).exists()
        three_weeks_ago = timezone.now() - dt.timedelta(days=22)
        assert not tasks.filter(done_at__isnull=True, due_at__lt=three_weeks_ago).exists()
        entries = AuditEntry.objects.filter(workspace=ws, entity="contacts.contact")
        assert entries.filter(action="create").count() == 40 + CONTACT_TWINS
        # Whoever paid for an order is a customer, moved there (audited) on the first one.
        paid = Order.objects.filter(workspace=ws, status__in=["paid", "fulfilled"])
        buyers = Contact.objects.filter(workspace=ws, orders__in=paid).distinct()
        assert buyers.exists()
        assert not buyers.filter(lifecycle_stage__in=["subscriber", "lead", "opportunity"])
        moves = entries.filter(action="update", changes__lifecycle_stage__1="customer")
        assert moves.exists()
        for move in moves:
            first = paid.filter(contact_id=move.object_id).aggregate(first=Min("ordered_at"))
            assert move.at == first["first"]
        # Detection ran: the twins wait in the review queue.
        pairs = DuplicatePair.objects.filter(workspace=ws, status="open")
        assert pairs.filter(entity="contact").count() >= CONTACT_TWINS - 1
        assert pairs.filter(entity="company").count() >= 1
        assert set(entries.values_list("source", flat=True)) == {"cli"}
        deals = Deal.objects.filter(workspace=ws)
        assert deals.count() == 60
        assert {"won", "lost", "open"} <= set(deals.values_list("outcome", flat=True))
        # Each deal's history starts with no previous stage and ends in its current stage.
        for deal in deals[:20]:
            history = list(deal.stage_changes.order_by("changed_at", "id"))
            assert history[0].from_stage is None
            assert history[-1].to_stage_id == deal.stage_id
            assert deal.created_at <= history[-1].changed_at
        # Records carry their past: a contact is entered before its first activity, and its
        # "created" audit entry says when.
        for contact in Contact.objects.filter(workspace=ws).order_by("pk")[:40]:
            first = contact.activity_links.aggregate(first=Min("activity__occurred_at"))["first"]
            assert first is None or contact.created_at < first
            made = AuditEntry.objects.get(
                entity="contacts.contact", object_id=contact.pk, action="create"
            )
            assert made.at == contact.created_at < timezone.now() - dt.timedelta(hours=12)
        # A deal is named after its customer and what is sold, as a sales team names them.
        for deal in deals.select_related("company")[:20]:
            customer, _, subject = deal.name.partition(" — ")
            assert subject and customer == (deal.company.name if deal.company else customer)
        won = deals.filter(outcome="won").count()
        assert Order.objects.filter(workspace=ws).count() == 300
        assert Order.objects.filter(workspace=ws, channel="sales").count() == won
        assert AuditEntry.objects.filter(workspace=ws, entity="sales.order").count() == 300
        # Leads come from several sources (and 21 from the imported badge scans); the converted
        # ones link existing contacts, so converting them added no contact, and their dates
        # spread over the past year.
        leads = Lead.objects.filter(workspace=ws)
        assert leads.count() == 60 + 21 and leads.values("source").distinct().count() >= 4
        converted = leads.filter(status="converted")
        assert converted.exists() and leads.filter(status="disqualified").exists()
        assert all(lead.converted_contact_id for lead in converted)
        assert leads.filter(created_at__lt=timezone.now() - dt.timedelta(days=90)).exists()
        # The imports page has a finished batch with the bad rows a badge list brings.
        batch = ImportBatch.objects.get(workspace=ws)
        assert (batch.status, batch.created, batch.failed) == ("done", 21, 3)
        assert set(batch.errors.values_list("column", flat=True)) == {"Email", "Phone"}
        # Leads are scored by the demo's rules, each score explained; a prospect's address is
        # made of their own name (a converted lead's is its contact's).
        assert len({lead.score for lead in leads}) > 3
        assert all(lead.score_reasons for lead in leads if lead.score)
        for lead in leads.exclude(status="converted"):
            assert lead.email.startswith(f"{lead.first_name}.{lead.last_name}".lower()[:3])
        # Past months have a reconstructed forecast to compare with what was won.
        assert (
            ForecastSnapshot.objects.filter(workspace=ws).values("taken_on").distinct().count() == 6
        )
        tickets = Ticket.objects.filter(workspace=ws)
        assert tickets.count() == 80
        assert tickets.filter(first_responded_at__isnull=False).count() > 60
        breached = tickets.filter(sla_breached_at__isnull=False).count()
        assert 0 < breached < 40  # realistic: most tickets meet their SLA
        assert all(t.first_response_due_at for t in tickets)
        # Each ticket has its clock history, breaches included, as a live desk would.
        assert not tickets.filter(sla_events__isnull=True).exists()
        assert tickets.filter(sla_events__kind="breached").distinct().count() == breached
        # The desk has current work: the week's tickets, some not picked up yet; requests are
        # in the customer's words, and complaints name what they are about.
        week = tickets.filter(created_at__gt=timezone.now() - dt.timedelta(days=6))
        assert week.exclude(status__in=["solved", "closed"]).exists()
        assert tickets.filter(status="new", first_responded_at__isnull=True).exists()
        assert not TicketMessage.objects.filter(workspace=ws, body="(see subject)").exists()
        complaints = tickets.filter(ticket_type="complaint")
        assert complaints.filter(product__isnull=False).exists()

        _check_help_centre(ws)
        _check_surveys(ws, tickets)
        _check_marketing(ws, leads)


def _check_marketing(ws, leads):
    """Consent, lists, segments and three sent campaigns whose figures obey the send's rules."""
    consent = ConsentEvent.objects.filter(workspace=ws)
    assert {"opted_in", "opted_out"} <= set(consent.values_list("status", flat=True))
    assert not consent.filter(contact__do_not_email=True, status="opted_in").exists()
    newsletter = StaticList.objects.get(workspace=ws, name="Newsletter")
    assert newsletter.members.exists()
    assert Segment.objects.filter(workspace=ws).count() == 5
    campaigns = Campaign.objects.filter(workspace=ws, status="sent")
    assert campaigns.count() == 3
    assert Campaign.objects.filter(workspace=ws, status="draft").count() == 1
    for campaign in campaigns:
        assert campaign.started_at < campaign.finished_at < timezone.now()
        sent = campaign.recipients.filter(status="sent")
        assert sent.exists()
        # Nobody without an opt-in was mailed: the real audience query decided.
        with workspace_scope(ws):
            assert (
                not sent.exclude(
                    contact__in=Contact.objects.filter(consent_allowed_q("email_marketing"))
                )
                .exclude(contact__consent_events__source="unsubscribe link")
                .exists()
            )
        events = TrackingEvent.objects.filter(campaign=campaign)
        assert not events.exclude(recipient__in=sent).exists()
        assert not events.filter(at__lt=campaign.started_at).exists()
    # Recipients opened (a handful per campaign at this size: counted over the three).
    assert TrackingEvent.objects.filter(campaign__in=campaigns, kind="open").exists()
    # Unsubscribes and bounces suppress the address, as the tracking endpoints do.
    suppressed = set(Suppression.objects.filter(workspace=ws).values_list("email", flat=True))
    leavers = TrackingEvent.objects.filter(workspace=ws, kind__in=["unsubscribe", "bounce"])
    assert set(leavers.values_list("recipient__email", flat=True)) == suppressed
    # Leads soon after a send came from it, so the campaign report credits them.
    assert leads.filter(campaign__isnull=False).exists()
    _check_sequence(ws)


def _check_sequence(ws):
    """The welcome series walked by the website's sign-ups: each enrollment where the engine
    would have left it, after the sign-up's opt-in, with a task for each clicker who finished."""
    now = timezone.now()
    sequence = Sequence.objects.get(workspace=ws, name="Welcome series", status="active")
    enrollments = sequence.enrollments.select_related("last_recipient")
    assert enrollments.count() >= 5
    assert set(enrollments.values_list("status", flat=True)) <= {"active", "completed"}
    clicked = TrackingEvent.objects.filter(kind="click")
    for e in enrollments:
        assert e.created_at > now - dt.timedelta(days=46)
        assert ConsentEvent.objects.filter(
            contact=e.contact, purpose="email_marketing", status="opted_in", at=e.created_at
        ).exists()
        assert e.last_recipient.status == "sent" and e.last_recipient.sent_at <= now
        if e.status == "active":  # waiting after the welcome or the nudge, still to come
            assert e.step in (2, 5) and e.next_run_at > now
        else:
            assert e.step == 7 and e.finished_at <= now
    finished_clickers = enrollments.filter(
        status="completed", last_recipient__in=clicked.values("recipient")
    )
    tasks = Activity.objects.filter(workspace=ws, kind="task", body__contains="Welcome series")
    assert tasks.count() == finished_clickers.count()
    assert set(tasks.values_list("contact_links__contact_id", flat=True)) == set(
        finished_clickers.values_list("contact_id", flat=True)
    )
    with workspace_scope(ws):
        first = step_figures(sequence=sequence)[0]
    assert first.sent == enrollments.count()


def _check_help_centre(ws):
    assert list(Category.objects.filter(workspace=ws).values_list("name", flat=True)) == [
        "Getting started",
        "Account and billing",
        "Orders and delivery",
        "Troubleshooting",
    ]
    articles = Article.objects.filter(workspace=ws)
    assert articles.count() == 25
    assert articles.filter(category__isnull=True).count() == 0
    public = articles.filter(status="published", visibility="public")
    internal = articles.filter(visibility="internal")
    drafts = articles.filter(status="draft")
    assert (public.count(), internal.count(), drafts.count()) == (18, 5, 3)
    assert internal.filter(status="published").count() == 4
    assert not drafts.filter(published_at__isnull=False).exists()
    now = timezone.now()
    for article in articles.filter(status="published"):
        assert article.created_at < article.published_at < now
        assert "<" not in article.title and render_markdown(article.body_markdown).strip()
    # Customers vote on public articles, agents on internal ones; drafts take no votes.
    votes = ArticleVote.objects.filter(workspace=ws)
    assert votes.count() > 40
    assert not votes.filter(article__status="draft").exists()
    assert not votes.filter(article__visibility="public").exclude(voter_key__startswith="contact:")
    assert not votes.filter(article__visibility="internal").exclude(voter_key__startswith="user:")
    yes, no = sum(a.helpful_yes for a in articles), sum(a.helpful_no for a in articles)
    assert yes + no == votes.count() and yes == votes.filter(helpful=True).count()
    assert yes > 1.5 * no  # mostly helpful: each article 60-95 % (by its own share)


def _check_surveys(ws, tickets):
    now = timezone.now()
    invites = SurveyInvite.objects.filter(workspace=ws)
    csat = invites.filter(kind="csat")
    mailable = tickets.filter(solved_at__isnull=False, requester__do_not_email=False).exclude(
        requester__email=""
    )
    # Every solved ticket a requester can be mailed about has its one survey.
    assert sorted(csat.values_list("ticket_id", flat=True)) == sorted(
        mailable.values_list("pk", flat=True)
    )
    for invite in csat.select_related("ticket"):
        assert invite.ticket_solved_at == invite.ticket.solved_at
        assert invite.agent_id == invite.ticket.assignee_id and invite.contact_id == (
            invite.ticket.requester_id
        )
    answered = csat.filter(answered_at__isnull=False)
    assert 0.15 < answered.count() / csat.count() < 0.6
    assert set(answered.values_list("score", flat=True)) <= {1, 2, 3, 4, 5}
    assert not csat.filter(answered_at__isnull=True, score__isnull=False).exists()
    nps = invites.filter(kind="nps")
    assert nps.count() == 25 and not nps.filter(ticket__isnull=False).exists()
    nps_answered = nps.filter(answered_at__isnull=False)
    assert 4 <= nps_answered.count() <= 17
    # Two rounds, the last within the month, so this month's NPS is not empty.
    assert len({i.created_at.date() for i in nps}) == 2
    assert nps_answered.filter(answered_at__gt=now - dt.timedelta(days=30)).exists()
    assert set(nps_answered.values_list("score", flat=True)) <= set(range(11))
    for invite in invites.filter(answered_at__isnull=False):
        assert invite.created_at < invite.answered_at <= now
    commented = invites.exclude(comment="")
    assert commented.exists()
    for invite in commented:
        assert invite.answered_at < invite.commented_at <= now
        assert invite.sentiment == sentiment_score(invite.comment)
        if invite.comment in POSITIVE_COMMENTS:
            assert invite.score >= (4 if invite.kind == "csat" else 8)
    assert not invites.filter(comment="", sentiment__isnull=False).exists()
    assert AuditEntry.objects.filter(workspace=ws, entity="feedback.surveyinvite").count() == (
        invites.count()
    )
    with workspace_scope(ws):
        [overall] = csat_summary()
        assert overall.count == answered.count()
        assert overall.average >= 3.5 and overall.satisfied_pct > 55
        [nps_row] = nps_summary()
        assert nps_row.count == nps_answered.count()


def test_demo_comments_read_as_their_scores_do():
    # The comment pools are picked by score; VADER must agree with the mood of each one.
    assert all(sentiment_score(c) > 0.2 for c in POSITIVE_COMMENTS)
    assert all(sentiment_score(c) < -0.2 for c in NEGATIVE_COMMENTS)
    assert all(-0.6 < sentiment_score(c) < 0.6 for c in MIXED_COMMENTS)


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_demo_queues_lead_scoring_once_per_kind_of_record(
    db, django_capture_on_commit_callbacks
):
    # A task per contact kept `make run`'s worker busy for minutes, locking SQLite from logins.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--if-empty", *SMALL)
    queued = DBTaskResult.objects.filter(task_path="rapport.sales.scoring.contacts_rescore")
    assert 1 <= queued.count() <= 2  # the contacts', and the activities' contacts'
    scored = {pk for task in queued for pk in task.args_kwargs["args"][1]}
    with scopes_disabled():
        assert scored == set(Contact.objects.values_list("pk", flat=True))
