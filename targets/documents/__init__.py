"""The documents of target sheets in the layout of the 项目绩效目标申报表 (《长治市预算绩效管理办法》附件1):

- ``xlsx_layout``: the worksheet's labels, columns and rows, accepted spellings, styles, and the indicator order;
- ``xlsx_write``: the Excel workbook (download, export, blank template);
- ``xlsx_read``: reading and checking an uploaded workbook, cell by cell, without touching the database;
- ``upload``: applying an upload to the sheets (all or nothing, through ``targets.actions``);
- ``word``: the Word form with the 审核意见 of every step of the review chain.

Pages are ``targets/views_io.py``, the API ``targets/api_io.py`` (docs/decisions/0013).
"""
