"""The demo's help centre: four categories and two dozen articles in Markdown, public ones for
the portal and internal ones for agents, most published and a few still drafts, with the
"was this helpful" votes customers left. Written through the knowledge services (there are
few), then given past publication dates."""

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import AbstractUser
from django.utils import timezone

from rapport.knowledge.models import Article, ArticleStatus, ArticleVisibility
from rapport.knowledge.services import article_create, article_vote, category_create
from rapport.tenancy.models import Workspace

CATEGORIES = ["Getting started", "Account and billing", "Orders and delivery", "Troubleshooting"]

PUBLIC, INTERNAL = ArticleVisibility.PUBLIC, ArticleVisibility.INTERNAL
PUBLISHED, DRAFT = ArticleStatus.PUBLISHED, ArticleStatus.DRAFT


@dataclass(frozen=True)
class DemoArticle:
    category: str
    title: str
    body: str
    visibility: str = PUBLIC
    status: str = PUBLISHED


ARTICLES = [
    DemoArticle(
        "Getting started",
        "Setting up your account in five minutes",
        """Welcome aboard! These steps get your team working on day one.

1. **Invite your colleagues** from *Settings → Members*. Each gets an email with a link.
2. **Import your contacts** from a CSV file (see *How do I export my contacts?* for the format).
3. **Connect your mailbox** so replies to customers are threaded automatically.

> Tip: start with a small import of 50 rows to check the column mapping.
""",
    ),
    DemoArticle(
        "Getting started",
        "Adding a second admin",
        """Only admins can change billing and security settings, so we recommend **two**.

- Open *Settings → Members*.
- Choose the colleague and set their role to **Admin**.
- They see the new menus the next time they load a page.

If the colleague is not a member yet, invite them first.
""",
    ),
    DemoArticle(
        "Getting started",
        "Importing contacts from a spreadsheet",
        """Save your spreadsheet as **CSV (UTF-8)** and upload it under *Contacts → Import*.

| Column | Required | Example |
|---|---|---|
| First name | no | Ann |
| Last name | yes | Lee |
| Email | no | ann@example.com |

Rows with an email address we know already update that contact instead of creating a
duplicate.
""",
    ),
    DemoArticle(
        "Getting started",
        "Keyboard shortcuts",
        """Work faster with these shortcuts:

- `g c` go to contacts, `g t` go to tickets
- `/` focus the search box
- `?` show all shortcuts
""",
    ),
    DemoArticle(
        "Getting started",
        "Using saved views for your daily queue",
        """Filter the ticket list the way you work (for example *priority high, status open*)
and choose **Save view**. Saved views appear in the sidebar for you only.
""",
        status=DRAFT,
    ),
    DemoArticle(
        "Account and billing",
        "Where can I find my invoices?",
        """All invoices are under *Settings → Billing → Invoices*, as PDF.

Each invoice is also emailed to the billing contact on the first day of the month. To
change that address, edit **Billing email** on the same page.
""",
    ),
    DemoArticle(
        "Account and billing",
        "Changing your plan",
        """You can move to a larger plan at any time; the difference is charged **pro rata**
for the rest of the billing period.

Moving to a smaller plan takes effect at the start of the next period, so nothing you have
paid for is lost.
""",
    ),
    DemoArticle(
        "Account and billing",
        "I was charged twice",
        """A second charge is almost always a **pending authorisation** that your bank releases
within 3 to 5 working days.

If both charges are still there after a week, reply to your ticket with the last four
digits of the card and the dates, and we refund the duplicate the same day.
""",
    ),
    DemoArticle(
        "Account and billing",
        "Updating your company address",
        """The address on invoices comes from *Settings → Billing → Company details*.
Changes apply to the **next** invoice; we can reissue the current one on request.
""",
    ),
    DemoArticle(
        "Account and billing",
        "Refund approval limits",
        """Internal guideline for agents.

- Up to **$100**: refund directly, note the reason on the ticket.
- $100 to $1,000: ask a team lead in the *Support* team.
- Above $1,000: escalate to finance with the order number and the customer's history.

Always set the ticket's root cause to **billing error** when the charge was our mistake.
""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "Account and billing",
        "Handling a chargeback notice",
        """When the payment provider reports a chargeback, **do not refund** the order as well:
the bank has already returned the money. Add an internal note and tag the contact
`at-risk`.
""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "Orders and delivery",
        "Tracking a late parcel",
        """Your order confirmation contains a **tracking link**. Carriers update it when the
parcel is scanned, which can lag by a day.

If there has been no scan for **five working days**, open a request and we ask the carrier
to investigate.
""",
    ),
    DemoArticle(
        "Orders and delivery",
        "My order arrived damaged",
        """We are sorry! Please send us within **14 days**:

1. a photo of the damaged item,
2. a photo of the box, including the shipping label.

We send a replacement straight away; there is no need to return the damaged item.
""",
    ),
    DemoArticle(
        "Orders and delivery",
        "Delivery times and costs",
        """| Region | Standard | Express |
|---|---|---|
| Contiguous US | 3-5 days, free over $50 | 1-2 days, $15 |
| Alaska and Hawaii | 5-8 days, $12 | 2-3 days, $35 |

Orders placed before **2 pm Eastern** leave our warehouse the same day.
""",
    ),
    DemoArticle(
        "Orders and delivery",
        "Returning an item",
        """You can return unused items within **30 days**. Start the return from your order
page; the prepaid label arrives by email. Refunds reach your card 3 to 5 days after the
return is scanned at our warehouse.
""",
    ),
    DemoArticle(
        "Orders and delivery",
        "Changing the delivery address of an order",
        """We can change the address until the order is **packed** (usually within two hours).
After that, ask the carrier to redirect it with the tracking number.
""",
    ),
    DemoArticle(
        "Orders and delivery",
        "Carrier claims: what to file and when",
        """Internal. For lost or damaged parcels worth more than **$200**, file a claim with the
carrier within 21 days of shipping:

- attach the customer's photos,
- quote the tracking number and declared value,
- set the ticket to *On hold* until the carrier answers.
""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "Orders and delivery",
        "International shipping",
        """We are preparing shipping to Canada and the UK. Duties and taxes will be shown at
checkout.
""",
        status=DRAFT,
    ),
    DemoArticle(
        "Troubleshooting",
        "I cannot log in",
        """Check these first:

- **Caps Lock** is off, and the email address is the one you signed up with.
- Use *Forgot password?* on the sign-in page; the link is valid for one hour.
- If your company uses single sign-on, sign in through your company portal instead.

Still stuck? Open a request and tell us the exact error message you see.
""",
    ),
    DemoArticle(
        "Troubleshooting",
        "Emails from us are not arriving",
        """Most missing emails are in the **spam** or *Promotions* folder. Add
`support@demo.rapport.example` to your contacts.

Company mail filters sometimes hold our messages; ask your IT team to allow our domain.
""",
    ),
    DemoArticle(
        "Troubleshooting",
        "Reports are slow to load",
        """Reports over a long period with many filters take longer. Try:

1. a shorter period (a quarter rather than two years),
2. fewer grouping levels,
3. exporting to CSV for large analyses.
""",
    ),
    DemoArticle(
        "Troubleshooting",
        "Web shop sync stopped",
        """The sync pauses when the shop's access key expires. Reconnect the shop under
*Settings → Integrations*; orders placed in the meantime are fetched automatically.
""",
    ),
    DemoArticle(
        "Troubleshooting",
        "Duplicates after an import",
        """Duplicates appear when the import file has no email column. Merge them from the
contact page (*More → Merge*), then import with emails to avoid it next time.
""",
    ),
    DemoArticle(
        "Troubleshooting",
        "Escalating an incident to engineering",
        """Internal. Escalate when **three or more customers** report the same fault within an
hour, or one customer cannot work at all.

- Link all related tickets in an internal note.
- Post the summary in the engineering on-call channel.
- Set the tickets to *On hold* and tell the customers we are on it.
""",
        visibility=INTERNAL,
    ),
    DemoArticle(
        "Troubleshooting",
        "Known issue: meeting times shown in the wrong time zone",
        """Internal draft while engineering investigates: meetings created from the mobile app
may show in UTC. Workaround: set the time zone explicitly on the meeting.
""",
        visibility=INTERNAL,
        status=DRAFT,
    ),
]


def knowledge_demo_fill(
    *,
    workspace: Workspace,
    users: list[AbstractUser],
    contacts: list[tuple[int, int | None]],
    rng: random.Random,
) -> list[Article]:
    """The categories, the articles (each by one of the users) and their helpful votes."""
    categories = {
        name: category_create(
            workspace=workspace, actor=users[0], data={"name": name, "position": i}
        )
        for i, name in enumerate(CATEGORIES)
    }
    now = timezone.now()
    articles = []
    for spec in ARTICLES:
        article = article_create(
            workspace=workspace,
            actor=rng.choice(users),
            data={
                "title": spec.title,
                "body_markdown": spec.body,
                "status": spec.status,
                "visibility": spec.visibility,
                "category_id": categories[spec.category].pk,
            },
        )
        # Published over the past year, a day or two after being written; drafts are recent.
        if spec.status == PUBLISHED:
            created = now - dt.timedelta(days=rng.uniform(60, 360))
            published: dt.datetime | None = created + dt.timedelta(hours=rng.uniform(1, 48))
        else:
            created, published = now - dt.timedelta(days=rng.uniform(3, 30)), None
        Article.objects.filter(pk=article.pk).update(
            created_at=created, updated_at=published or created, published_at=published
        )
        articles.append(article)
    # Public articles are read (and voted on) by customers, internal ones by agents.
    contact_ids = [c for c, _ in contacts]
    for article in articles:
        if article.status != PUBLISHED:
            continue
        if article.visibility == PUBLIC:
            sample = rng.sample(contact_ids, min(len(contact_ids), rng.randint(2, 14)))
            voters = [f"contact:{c}" for c in sample]
        else:
            voters = [f"user:{u.pk}" for u in rng.sample(users, rng.randint(1, len(users)))]
        helpful_share = rng.uniform(0.6, 0.95)
        for voter in voters:
            article_vote(
                workspace=workspace,
                article=article,
                voter_key=voter,
                helpful=rng.random() < helpful_share,
            )
    return articles
