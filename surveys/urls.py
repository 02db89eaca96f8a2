"""The survey designer and results (signed in): surveys/views.py, surveys/views_results.py. The public page is
surveys/public_urls.py."""

from django.urls import path

from surveys import views, views_results

app_name = "surveys"

urlpatterns = [
    path("new/<int:evaluation_pk>/", views.survey_new, name="new"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    path("<int:pk>/edit/", views.survey_edit, name="edit"),
    path("<int:pk>/questions/add/", views.question_add, name="question_add"),
    path("<int:pk>/questions/<int:qid>/edit/", views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:qid>/delete/", views.question_delete, name="question_delete"),
    path("<int:pk>/questions/<int:qid>/move/", views.question_move, name="question_move"),
    path("<int:pk>/publish/", views.survey_publish, name="publish"),
    path("<int:pk>/close/", views.survey_close, name="close"),
    path("<int:pk>/results/", views_results.survey_results, name="results"),
    path("<int:pk>/results/arrivals/", views_results.survey_arrivals, name="arrivals"),
    path("<int:pk>/results/export/", views_results.survey_export, name="export"),
    path("<int:pk>/qr.svg", views_results.survey_qr, name="qr"),
    path("<int:pk>/qr.png", views_results.survey_qr_png, name="qr_png"),
]
