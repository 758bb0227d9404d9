"""An upload to import is refused while it streams: past `RAPPORT_IMPORT_MAX_BYTES` its bytes
are counted, not kept, so a database dump uploaded by mistake never fills the disk (Django's
own handlers would spool all of it to a temporary file before any view could look at it)."""

import io
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponseBase


class OversizeUpload(UploadedFile):
    """Stands for a file refused while it streamed: its name and full size, none of its
    content. `services.import_create` refuses it by its size, with the message a file over
    the limit gets from every door (the CLI's file included), before anything reads it."""

    def __init__(self, name: str, content_type: str, size: int, charset: str | None) -> None:
        super().__init__(io.BytesIO(), name, content_type, size, charset)


class ImportUploadHandler(TemporaryFileUploadHandler):
    """Streams a file to a temporary file, as Django's handler does, until it passes the
    limit; then deletes that file and only counts the rest. The rest is still read off the
    connection (`StopUpload(connection_reset=True)` would leave the browser a reset
    connection, not the form saying why), but never more than the limit is kept."""

    limit: int

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.RAPPORT_IMPORT_MAX_BYTES

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if start + len(raw_data) <= self.limit:
            self.file.write(raw_data)
        elif not self.file.closed:
            self.file.close()  # a temporary upload is deleted when closed

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if file_size <= self.limit:
            return super().file_complete(file_size)
        return OversizeUpload(
            self.file_name or "", self.content_type or "", file_size, self.charset
        )


def import_upload_limited(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A view (or an API operation, through ninja's `decorate_view`) whose uploads stream
    through `ImportUploadHandler`. Nothing before it may read the body: Django refuses to
    change the handlers then. A Django view therefore needs the CSRF check moved inside it
    (`csrf_exempt` outside this, `csrf_protect` inside), as the middleware reads the form."""

    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        request.upload_handlers = [ImportUploadHandler(request)]
        return view(request, *args, **kwargs)

    return limited
