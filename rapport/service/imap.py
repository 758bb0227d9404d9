"""The optional IMAP poller (`rapport mail-poll`, or its scheduled task): the unread mail of
one mailbox becomes tickets and replies through the same path as `rapport mail-in`.

A message is marked \\Seen only after it was stored, so a crash in between leaves it unread
and the next poll takes it again (mail-in stores a Message-ID once, so nothing doubles).
Mail that can never become a ticket (malformed, oversized, for no Rapport mailbox) gets the
`RapportRejected` keyword instead: it stays unread for a person to look at, and the poller
skips it from then on. Any other failure leaves the message as it was, to be tried again.
"""

import contextlib
import email.parser
import imaplib
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy
from email.utils import getaddresses
from typing import Any

from django.conf import settings
from django_tasks import task

from rapport.service.mail import MailRejected, mail_deliver
from rapport.service.smtp import MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)
REJECTED = "RapportRejected"
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
TIMEOUT_SECONDS = 30
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapFailed(Exception):
    """The server refused a step (login, folder); the message names which."""


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    tls: str = "ssl"  # "ssl", "starttls" or "off"
    address: str = ""  # the Rapport mailbox its mail is for; empty: read the To headers
    max_bytes: int = MAX_MESSAGE_BYTES  # what mail-in would accept

    @classmethod
    def from_settings(cls) -> "ImapAccount | None":
        """The account of the IMAP_* settings, or None when no IMAP_HOST is set."""
        if not settings.IMAP_HOST:
            return None
        return cls(
            host=settings.IMAP_HOST,
            port=settings.IMAP_PORT,
            user=settings.IMAP_USER,
            password=settings.IMAP_PASSWORD,
            folder=settings.IMAP_FOLDER,
            tls=settings.IMAP_TLS,
            address=settings.IMAP_ADDRESS,
        )


@dataclass
class PollResult:
    stored: int = 0
    rejected: int = 0
    failed: int = 0


def _ok(reply: tuple[str, Sequence[Any]], step: str) -> list[Any]:
    status, data = reply
    if status != "OK":
        raise ImapFailed(f"IMAP {step} refused: {data!r}")
    return list(data)


def _connect(account: ImapAccount) -> imaplib.IMAP4:
    if account.tls == "ssl":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            account.host,
            account.port,
            ssl_context=ssl.create_default_context(),
            timeout=TIMEOUT_SECONDS,
        )
    else:
        conn = imaplib.IMAP4(account.host, account.port, timeout=TIMEOUT_SECONDS)
        if account.tls == "starttls":
            _ok(conn.starttls(ssl.create_default_context()), "STARTTLS")
    try:
        _ok(conn.login(account.user, account.password), "LOGIN")
    except imaplib.IMAP4.error as exc:
        conn.shutdown()
        raise ImapFailed(f"IMAP LOGIN refused for {account.user}: {exc}") from exc
    return conn


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _recipients(raw: bytes, account: ImapAccount) -> list[str]:
    if account.address:
        return [account.address]
    headers = email.parser.BytesHeaderParser(policy=policy.default).parsebytes(raw)
    values = [str(v) for name in RECIPIENT_HEADERS for v in headers.get_all(name, [])]
    return list(dict.fromkeys(address for _, address in getaddresses(values) if address))


def _fetch(conn: imaplib.IMAP4, uid: str, max_bytes: int) -> bytes:
    """The message, refused when larger than mail-in accepts; PEEK leaves it unread."""
    sized = _ok(conn.uid("FETCH", uid, "(RFC822.SIZE)"), "FETCH")
    found = SIZE.search(sized[0] if isinstance(sized[0], bytes) else b"")
    if found is None:
        raise MailRejected("554 5.6.0 the server gave no size for the message")
    if int(found.group(1)) > max_bytes:
        raise MailRejected("552 5.3.4 message too big")
    for part in _ok(conn.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH"):
        if isinstance(part, tuple):
            return bytes(part[1])
    raise MailRejected("554 5.6.0 the server returned no message")


def _take(conn: imaplib.IMAP4, uid: str, account: ImapAccount, result: PollResult) -> None:
    try:
        raw = _fetch(conn, uid, account.max_bytes)
        mail_deliver(raw=raw, recipients=_recipients(raw, account))
    except MailRejected as exc:
        log.warning("IMAP message %s not taken: %s", uid, exc)
        _ok(conn.uid("STORE", uid, "+FLAGS", f"({REJECTED})"), "STORE")
        result.rejected += 1
        return
    except (ImapFailed, imaplib.IMAP4.error, OSError):
        raise  # the connection is the problem, not this message: stop the poll
    except Exception:
        log.exception("IMAP message %s could not become a ticket; tried again next poll", uid)
        result.failed += 1
        return
    _ok(conn.uid("STORE", uid, "+FLAGS", "(\\Seen)"), "STORE")
    result.stored += 1


def mail_poll(account: ImapAccount) -> PollResult:
    """Take each unread message of the account's folder once; see the module docstring."""
    result = PollResult()
    conn = _connect(account)
    try:
        _ok(conn.select(_quoted(account.folder)), f"SELECT {account.folder}")
        found = _ok(conn.uid("SEARCH", "UNSEEN", "UNKEYWORD", REJECTED), "SEARCH")
        for uid in (found[0] or b"").decode().split():
            _take(conn, uid, account, result)
    finally:
        # The work is done or already failed; a lost goodbye changes nothing.
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    return result


@task()
def mail_poll_task() -> int:
    """The scheduled poll: nothing to do unless IMAP_HOST is set."""
    account = ImapAccount.from_settings()
    return 0 if account is None else mail_poll(account).stored
