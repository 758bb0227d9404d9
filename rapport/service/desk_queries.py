"""Reads of the service desk's configuration: business calendars, SLA policies, teams and
mailboxes. Like every read they go through the scoped managers, so another workspace's id is
simply not found; the ticket reads live in `queries`."""

from django.db.models import QuerySet

from rapport.service.models import BusinessCalendar, Mailbox, SlaPolicy, Team, TeamMember


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.order_by("name", "id")


def calendar_get(*, calendar_id: int) -> BusinessCalendar:
    return BusinessCalendar.objects.get(pk=calendar_id)


def sla_policy_list() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.order_by("tier", "id")


def sla_policy_get(*, policy_id: int) -> SlaPolicy:
    return SlaPolicy.objects.get(pk=policy_id)


def team_list() -> QuerySet[Team]:
    return Team.objects.prefetch_related("members").order_by("name", "id")


def team_get(*, team_id: int) -> Team:
    return Team.objects.prefetch_related("members").get(pk=team_id)


def team_member_get(*, team: Team, user_id: int) -> TeamMember:
    """A member through its team: the team's workspace scopes the member too."""
    return TeamMember.objects.get(team=team, user_id=user_id)


def mailbox_list() -> QuerySet[Mailbox]:
    return Mailbox.objects.order_by("address")
