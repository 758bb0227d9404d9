"""Reading an exported workbook back, as the import side does (python-calamine)."""

import io
from typing import Any

from python_calamine import CalamineWorkbook


def sheet_rows(content: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
