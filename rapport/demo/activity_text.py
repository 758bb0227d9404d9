"""What the demo's notes, calls, emails, meetings and tasks say: the sentences a sales and
account team writes, not placeholder text, so that a timeline reads like a customer's history."""

import random

PRODUCTS = ["the Pro upgrade", "premium support", "the API pack", "onboarding", "data migration"]
SEATS = ["CRM seats", "Pro seats"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = ["January", "March", "April", "June", "September", "October"]

NOTES = [
    "Spoke with their ops lead about {product}; they want {n} more {seats} before {month}.",
    "Budget approved for next quarter. Procurement needs our security questionnaire by {day}.",
    "They are comparing us with two other vendors. Main worry: how long the data migration takes.",
    "Our champion moved to a new role. Need a new sponsor in operations.",
    "Asked for a case study in their industry; sent the logistics one.",
    "Renewal looks safe: usage is up {pct}% since onboarding.",
    "Unhappy about slow report exports. Logged a ticket and promised an update by {day}.",
    "Wants API access for their ERP sync. Looping in solutions engineering.",
    "Legal is reviewing the DPA; expect their redlines next week.",
    "Prefers email to calls, mornings only.",
    "New finance director since {month}; invoices now go to the shared AP mailbox.",
    "Pilot went well: {n} users active daily. Next step is a proposal for the whole team.",
]
CALLS = [
    ("Discovery call", "Mapped their sales process; {n} reps, leads tracked in spreadsheets."),
    ("Pricing follow-up", "Walked through the tiers. Sending a quote for {n} {seats}."),
    ("Renewal check-in", "Happy overall; asked about a multi-year discount."),
    ("Onboarding kickoff", "Agreed the plan: import on {day}, training the week after."),
    ("Support escalation", "Sync errors since the last release; engineering is on it."),
    ("Reference call", "Agreed to speak to a prospect in their region."),
    ("Contract question", "Needs the termination clause clarified before signing."),
    ("Check-in", "No news on the budget yet; call again after {month}."),
]
EMAILS = [
    ("Quote for {n} {seats}", "Please find the quote attached, valid for 30 days."),
    ("Re: onboarding schedule", "{day} works for us. We will send the import file the day before."),
    ("Follow-up from our call", "Thanks for your time today. Here is a summary of what we agreed."),
    ("Re: integration questions", "The webhook fires within seconds of each change; docs linked."),
    ("Contract renewal", "Your contract renews in {month}. Shall we review your seat count?"),
    ("Invoice query", "The invoice for {month} shows {n} seats; we only use fewer. Can you check?"),
    ("Meeting notes", "Attached are the notes and the next steps from {day}'s session."),
    ("Re: security questionnaire", "Answers attached; our SOC 2 report is available under NDA."),
]
MEETINGS = [
    "Product demo",
    "Quarterly business review",
    "Onboarding workshop",
    "Contract negotiation",
    "Technical deep dive: API and webhooks",
    "Pilot review",
    "Executive sponsor lunch",
]
TASKS = [
    "Send quote for {n} {seats}",
    "Return the security questionnaire",
    "Book the quarterly review",
    "Chase the signed contract",
    "Share a case study",
    "Check usage before the renewal",
    "Introduce them to the support lead",
    "Prepare the onboarding plan",
]


def _fill(text: str, rng: random.Random) -> str:
    return text.format(
        product=rng.choice(PRODUCTS),
        seats=rng.choice(SEATS),
        day=rng.choice(DAYS),
        month=rng.choice(MONTHS),
        n=rng.choice([5, 10, 12, 20, 25, 40, 60]),
        pct=rng.choice([15, 20, 30, 45, 60]),
    )


def note_body(rng: random.Random) -> str:
    return _fill(rng.choice(NOTES), rng)


def call_text(rng: random.Random) -> tuple[str, str]:
    subject, body = rng.choice(CALLS)
    return subject, _fill(body, rng)


def email_text(rng: random.Random) -> tuple[str, str]:
    subject, body = rng.choice(EMAILS)
    return _fill(subject, rng), _fill(body, rng)


def meeting_subject(rng: random.Random) -> str:
    return rng.choice(MEETINGS)


def task_subject(rng: random.Random) -> str:
    return _fill(rng.choice(TASKS), rng)
