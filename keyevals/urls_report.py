"""URLs of a key evaluation's report stage and archive (keyevals/views_report.py, views_archive.py), inside the
``keyevals`` namespace."""

from django.urls import path

from keyevals import views_archive, views_report

urlpatterns = [
    path("<int:pk>/report/", views_report.report_page, name="report"),
    path("<int:pk>/report/create/", views_report.report_create, name="report_create"),
    path("<int:pk>/report/save/", views_report.report_save, name="report_save"),
    path("<int:pk>/report/transition/", views_report.report_transition, name="report_transition"),
    path("<int:pk>/report/draft.docx", views_report.report_docx_view, name="report_docx"),
    path("<int:pk>/report/upload/", views_report.report_upload, name="report_upload"),
    path("<int:pk>/report/edited/", views_report.report_edited, name="report_edited"),
    path("<int:pk>/report/problems/add/", views_report.problem_add, name="report_problem_add"),
    path("<int:pk>/report/problems/<int:problem_pk>/edit/", views_report.problem_edit, name="report_problem_edit"),
    path(
        "<int:pk>/report/problems/<int:problem_pk>/delete/", views_report.problem_delete, name="report_problem_delete"
    ),
    path("<int:pk>/report/filings/add/", views_report.filing_add, name="report_filing_add"),
    path("<int:pk>/report/conclude/", views_report.report_conclude, name="report_conclude"),
    path("<int:pk>/letters/send/", views_report.letter_send, name="letter_send"),
    path("letters/<int:pk>/", views_report.letter_page, name="letter"),
    path("letters/<int:pk>/reply/", views_report.letter_reply, name="letter_reply"),
    path("letters/<int:pk>/letter.docx", views_report.letter_docx, name="letter_docx"),
    path("<int:pk>/archive/", views_archive.archive_page, name="archive"),
    path("<int:pk>/archive/collect/", views_archive.archive_collect, name="archive_collect"),
    path("<int:pk>/archive/upload/", views_archive.archive_upload, name="archive_upload"),
    path("<int:pk>/archive/files/<int:file_pk>/", views_archive.archive_file, name="archive_file"),
    path("<int:pk>/archive/files/<int:file_pk>/delete/", views_archive.archive_delete, name="archive_delete"),
    path("<int:pk>/archive/export.zip", views_archive.archive_zip, name="archive_zip"),
    path("<int:pk>/archive/finish/", views_archive.archive_finish, name="archive_finish"),
    path("<int:pk>/archive/export-auth/<int:assignment_pk>/", views_archive.export_authorise, name="export_authorise"),
]
