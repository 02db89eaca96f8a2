"""The old path of the Excel download and upload of target sheets, kept for ``targets/api_io.py``; the code is in
``targets/documents/`` (``xlsx_layout``, ``xlsx_write``, ``xlsx_read``, ``upload``). New code imports from there."""

from targets.documents.upload import UploadError, upload
from targets.documents.xlsx_write import export_queryset, filename, workbook_bytes

__all__ = ["UploadError", "export_queryset", "filename", "upload", "workbook_bytes"]
