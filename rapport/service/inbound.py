"""Addresses the mail-in server accepts besides the mailboxes: another app registers a route
(a test on the recipient address and what to do with the message), so bounces to a
campaign's return address arrive through the same SMTP server and IMAP poller as tickets,
without the service desk knowing about campaigns."""

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class InboundRoute:
    name: str
    accepts: Callable[[str], bool]  # given the envelope recipient; must not touch the database
    deliver: Callable[[str, EmailMessage], None]  # raises MailRejected to refuse


_routes: dict[str, InboundRoute] = {}


def inbound_route_register(route: InboundRoute) -> InboundRoute:
    _routes[route.name] = route
    return route


def inbound_route_for(address: str) -> InboundRoute | None:
    return next((r for r in _routes.values() if r.accepts(address)), None)
