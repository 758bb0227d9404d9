"""The download of an import's row errors, the same file from the UI and the API."""

from django.http import StreamingHttpResponse

from rapport.data.models import ImportBatch
from rapport.data.queries import import_errors_csv


def error_report_response(batch: ImportBatch) -> StreamingHttpResponse:
    """Streamed, so a batch with a million bad rows neither times out nor fills memory."""
    response = StreamingHttpResponse(
        import_errors_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response
