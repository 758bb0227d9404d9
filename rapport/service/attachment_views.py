"""Attachment downloads: only for members of the ticket's workspace (the scoped lookup makes
anyone else's request a 404), always as a download, never sniffed into HTML."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from rapport.service.models import TicketAttachment


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    if getattr(request, "membership", None) is None:
        raise Http404
    try:
        attachment = TicketAttachment.objects.get(pk=attachment_id)
    except TicketAttachment.DoesNotExist as exc:
        raise Http404 from exc
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
