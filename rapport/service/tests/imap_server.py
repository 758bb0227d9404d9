"""A tiny IMAP4rev1 server on loopback for the poller's tests: one account, one folder, the
commands the poller speaks (LOGIN, SELECT, UID SEARCH/FETCH/STORE, LOGOUT), real sockets, so
the client side is Python's own imaplib exactly as in production."""

import re
import socketserver
import threading
from dataclasses import dataclass, field

UID_FETCH = re.compile(r"(\d+) \((RFC822\.SIZE|BODY\.PEEK\[\])\)", re.I)
UID_STORE = re.compile(r"(\d+) \+FLAGS \((.*)\)", re.I)


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    user: str = "desk"
    password: str = "s3cret pass"
    folder: str = "Support Inbox"
    messages: list[StoredMail] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # as received, for the tests to read

    def add(self, raw: bytes, *flags: str) -> StoredMail:
        mail = StoredMail(uid=len(self.messages) + 101, raw=raw, flags=set(flags))
        self.messages.append(mail)
        return mail

    def by_uid(self, uid: str) -> tuple[int, StoredMail]:
        for seq, mail in enumerate(self.messages, start=1):
            if mail.uid == int(uid):
                return seq, mail
        raise KeyError(uid)


def _unquote(text: str) -> str:
    text = text.strip()
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


class _Session(socketserver.StreamRequestHandler):
    server: "_Server"

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box = self.server.box
        self.send("* OK [CAPABILITY IMAP4rev1] test server ready")
        logged_in = False
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = "UID " + sub.upper()
            box.commands.append(command if command == "LOGIN" else f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
            elif command == "LOGOUT":
                self.send("* BYE see you")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif command == "LOGIN":
                user, _, password = args.partition(" ")
                if (_unquote(user), _unquote(password)) != (box.user, box.password):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
                logged_in = True
            elif not logged_in:
                self.send(f"{tag} BAD log in first")
                continue
            elif command == "SELECT":
                if _unquote(args) != box.folder:
                    self.send(f"{tag} NO no such folder")
                    continue
                self.send(f"* {len(box.messages)} EXISTS")
                self.send("* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
            elif command == "UID SEARCH":
                self._search(args)
            elif command == "UID FETCH":
                self._fetch(args)
            elif command == "UID STORE":
                found = UID_STORE.fullmatch(args)
                if found is None:
                    self.send(f"{tag} BAD bad STORE")
                    continue
                seq, mail = box.by_uid(found.group(1))
                mail.flags |= set(found.group(2).split())
                self.send(f"* {seq} FETCH (UID {mail.uid} FLAGS ({' '.join(sorted(mail.flags))}))")
            else:
                self.send(f"{tag} BAD unknown command")
                continue
            self.send(f"{tag} OK {command} completed")

    def _search(self, args: str) -> None:
        """UNSEEN and UNKEYWORD <flag>, the criteria the poller uses."""
        words = args.split()
        hits = []
        for mail in self.server.box.messages:
            keep, i = True, 0
            while i < len(words):
                if words[i].upper() == "UNSEEN":
                    keep &= "\\Seen" not in mail.flags
                elif words[i].upper() == "UNKEYWORD":
                    i += 1
                    keep &= words[i] not in mail.flags
                i += 1
            if keep:
                hits.append(str(mail.uid))
        self.send(" ".join(["* SEARCH", *hits]))

    def _fetch(self, args: str) -> None:
        found = UID_FETCH.fullmatch(args)
        if found is None:
            return
        seq, mail = self.server.box.by_uid(found.group(1))
        if found.group(2).upper() == "RFC822.SIZE":
            self.send(f"* {seq} FETCH (UID {mail.uid} RFC822.SIZE {len(mail.raw)})")
        else:
            self.send(f"* {seq} FETCH (UID {mail.uid} BODY[] {{{len(mail.raw)}}}".encode())
            self.wfile.write(mail.raw)
            self.send(")")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    box: Mailbox


def imap_server(box: Mailbox) -> tuple[_Server, int]:
    """Serve `box` on a free loopback port, in a thread; shut it down when done."""
    server = _Server(("127.0.0.1", 0), _Session)
    server.box = box
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]
