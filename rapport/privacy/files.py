"""The person in what imports and exports left behind: uploaded files, export files, the
rows an import could not store, and the values an import's undo would put back.

An uploaded import file and a background export's workbook hold whole lists of people; a
failed import row keeps its cells to be reported. None of them points at the contact, so
the merge registry cannot find them: they are searched for the person's email addresses and
phone numbers (E.164, as stored). A file that holds one is deleted (once the erasure
commits); an error row that holds one keeps its place in the report, its cells and message
blanked. A phone typed another way in a file, or a name alone, is not searched for: a name
is not enough to say a list holds this person. An import that updated the contact logged
the values it replaced, for its undo: they are blanked (the contact is gone, so the undo
passes over it anyway).
"""

import zipfile
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, TextField
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Cast

from rapport.contacts.models import Contact
from rapport.data.models import (
    DataExport,
    ExportStatus,
    ImportBatch,
    ImportedRecord,
    ImportedRecordAction,
    ImportRowError,
    ImportStatus,
)

ERASED = "[erased]"
# Read in blocks, each searched with the end of the one before, so a needle across two
# blocks is found and a million-row file never sits in memory whole.
BLOCK = 1 << 20


def person_needles(contact: Contact) -> list[str]:
    """What identifies the person in a file: their addresses and numbers, lower-cased."""
    emails = contact.emails.values_list("email", flat=True)
    phones = contact.phones.values_list("number", flat=True)
    return sorted({v.lower() for v in [*emails, *phones, contact.email, contact.phone] if v})


def _blocks(stored: FieldFile) -> Iterator[bytes]:
    """The file's bytes, or for a workbook (a zip) each member's: the cells are inside."""
    with stored.open("rb") as fh:
        if zipfile.is_zipfile(fh):
            fh.seek(0)
            with zipfile.ZipFile(fh) as book:
                for name in book.namelist():
                    with book.open(name) as member:
                        yield from iter(lambda: member.read(BLOCK), b"")
            return
        fh.seek(0)
        yield from iter(lambda: fh.read(BLOCK), b"")


def file_holds(stored: FieldFile, needles: list[str]) -> bool:
    """Whether the file holds one of `needles`, in UTF-8 or in UTF-16 (old Excel files)."""
    encoded = [n.encode(enc) for n in needles for enc in ("utf-8", "utf-16-le")]
    longest = max((len(e) for e in encoded), default=0)
    tail = b""
    try:
        for block in _blocks(stored):
            text = (tail + block).lower()
            if any(e in text for e in encoded):
                return True
            tail = text[-longest:]
    except (OSError, zipfile.BadZipFile):
        return False  # a file already gone, or unreadable: nothing of the person to find
    return False


def files_holding(needles: list[str]) -> list[tuple[Any, FieldFile]]:
    """The workspace's (scoped) import and export rows whose stored file holds the person."""
    if not needles:
        return []
    found: list[tuple[Any, FieldFile]] = []
    for row in [*ImportBatch.objects.exclude(file=""), *DataExport.objects.exclude(file="")]:
        if file_holds(row.file, needles):
            found.append((row, row.file))
    return found


def file_forget(row: Any) -> None:
    """The row stays (an import's counts and undo, an export's record), without its file."""
    row.file = ""
    fields = ["file", "updated_at"]
    if isinstance(row, DataExport):
        row.status = ExportStatus.EXPIRED
        fields.append("status")
    elif row.status in (ImportStatus.UPLOADED, ImportStatus.QUEUED):
        row.status = ImportStatus.FAILED  # nothing left to run
        fields.append("status")
    row.save(update_fields=fields)


def import_errors_holding(needles: list[str]) -> Any:
    """The workspace's failed import rows whose cells or message hold the person."""
    if not needles:
        return ImportRowError.objects.none()
    rows = ImportRowError.objects.annotate(_cells=Cast("raw", TextField()))
    held = Q()
    for needle in needles:
        held |= Q(_cells__icontains=needle) | Q(message__icontains=needle)
    return rows.filter(held)


def import_errors_blank(needles: list[str]) -> int:
    """Blank the cells and message of the failed rows holding the person; how many."""
    blanked = 0
    for row in import_errors_holding(needles):
        row.raw = [ERASED] * len(row.raw)
        row.message = ERASED
        row.save(update_fields=["raw", "message", "updated_at"])
        blanked += 1
    return blanked


def undo_values_holding(contact: Contact) -> Any:
    """The undo records of imports that updated the contact: each holds its earlier values."""
    return ImportedRecord.objects.filter(
        entity="contacts", action=ImportedRecordAction.UPDATED, object_ids=[contact.pk]
    )


def undo_values_blank(contact: Contact) -> int:
    """Blank the earlier values the contact's undo records hold, keeping which fields; how
    many records."""
    blanked = 0
    for record in undo_values_holding(contact):
        record.previous = dict.fromkeys(record.previous, ERASED)
        record.save(update_fields=["previous", "updated_at"])
        blanked += 1
    return blanked
