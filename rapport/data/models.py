"""Imports: every file brought in is a batch that can be watched, cancelled and undone.

A batch remembers which records it created or updated (with the values it overwrote), so
undo works on exactly those rows, and which rows it could not store and why.
"""

from django.conf import settings
from django.db import models

from rapport.core.models import WorkspaceScopedModel, workspace_key_unindexed


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded, not started"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"
    UNDOING = "undoing", "Being undone"
    UNDONE = "undone", "Undone"
    FAILED = "failed", "Failed"


class ImportMode(models.TextChoices):
    SKIP = "skip", "Skip rows that match an existing record"
    UPDATE = "update", "Update the matching record"
    CREATE = "create", "Create a new record even if one matches"


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"
    XLS = "xls", "Excel 97–2003 workbook"
    VCARD = "vcard", "vCard"


class ImportBatch(WorkspaceScopedModel):
    entity = models.CharField(max_length=30, help_text="the importer's key, e.g. contacts")
    filename = models.CharField(max_length=255, help_text="as uploaded")
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    file_format = models.CharField(
        max_length=5, choices=FileFormat.choices, default=FileFormat.CSV, help_text="by content"
    )
    encoding = models.CharField(max_length=20, blank=True, help_text="text files only")
    delimiter = models.CharField(max_length=1, blank=True, help_text="CSV only")
    columns = models.JSONField(default=list, help_text="the header row")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField(max_length=6, choices=ImportMode.choices, default=ImportMode.SKIP)
    mapping = models.JSONField(default=dict, help_text="column header -> importer field")
    rows = models.PositiveIntegerField(default=0, help_text="data rows read so far")
    total_rows = models.PositiveIntegerField(
        null=True, blank=True, help_text="data rows in the file, counted at upload"
    )
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    undone = models.PositiveIntegerField(default=0, help_text="records an undo took back so far")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at", "-id"], name="import_idx")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"

    @property
    def row_label(self) -> str:
        """What the file's numbered records are: a vCard's are cards (card 1 is the first),
        a sheet's rows (row 1 is the header)."""
        return "card" if self.file_format == FileFormat.VCARD else "row"


class ImportRowError(WorkspaceScopedModel):
    workspace = workspace_key_unindexed()  # importerror_idx starts with it
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(help_text="spreadsheet numbering: the header is row 1")
    column = models.CharField(max_length=255, blank=True, help_text="empty: the whole row")
    message = models.TextField()
    raw = models.JSONField(default=list, help_text="the row's cells as read")

    class Meta:
        indexes = [models.Index(fields=["workspace", "batch", "row"], name="importerror_idx")]
        ordering = ["row", "id"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


class ImportedRecordAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"


class ImportedRecord(WorkspaceScopedModel):
    """Records of one entity that a batch wrote the same way, in the order written: the
    records of one entity a chunk created share a row (a row per record was, at a million
    rows, a million more inserts, index entries and key checks for the database), and an
    update has a row of its own whose `previous` holds the values it replaced."""

    workspace = workspace_key_unindexed()  # importedrecord_idx starts with it

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="records")
    entity = models.CharField(max_length=30)
    object_ids = models.JSONField(default=list)
    action = models.CharField(max_length=7, choices=ImportedRecordAction.choices)
    previous = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "batch", "id"], name="importedrecord_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.object_ids}"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook"
    VCARD = "vcf", "vCard"


class ExportStatus(models.TextChoices):
    DONE = "done", "Done"  # an export sent in the response is done once recorded
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "File removed"


class DataExport(WorkspaceScopedModel):
    """One export: who took which records out, filtered how, in which format, how many rows.

    Written (with its audit entry) before the first byte is sent, so an export cut short
    by the client is still on record.
    """

    entity = models.CharField(max_length=30, help_text="the exporter's key, e.g. contacts")
    file_format = models.CharField(max_length=10, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict, blank=True, help_text="the list's query parameters")
    rows = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A background export (a large workbook): its job's state, progress and file.
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.DONE
    )
    background = models.BooleanField(default=False)
    query = models.TextField(blank=True, help_text="the list's whole query string, for the job")
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/%Y/%m/", max_length=255, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="data_export_recent_idx")]

    @property
    def running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.rows_written * 100 // self.rows) if self.rows else 100

    def __str__(self) -> str:
        return f"{self.rows} {self.entity} as {self.file_format}"
