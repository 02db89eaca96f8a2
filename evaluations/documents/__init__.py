"""The documents of a self-evaluation form (issue 13 "Documents"), on the mechanisms of the target sheet's
(``targets/documents/``, docs/decisions/0013) and the assessment report's (``assessments/documents.py``):

- ``report``: the self-evaluation report (项目支出绩效自评报告) as Word, in the outline of seed 003 附件4, generated from
  the form's data and printed by the rules of ``core.docx``;
- ``xlsx_layout``: the 项目支出绩效自评表 as a worksheet: labels, columns, which cells the unit may type;
- ``xlsx_write``: the official-layout workbook (the execution block and the targets locked, the unit's cells open,
  a hidden key column naming the form, its version and each row);
- ``xlsx_read``: reading a filled workbook cell by cell (python-calamine), without touching the database;
- ``upload``: applying it through ``evaluations.self_actions.save_form``: everything or nothing.

Pages: ``evaluations/document_views.py`` (routes in ``evaluations/urls_documents.py``).
"""
