"""URLs of the key evaluation itself: list, create/edit, the hub, lifecycle steps, fee budget, working group, work
plan and indicators, notice, document requests, site visits and consultation notes."""

from django.urls import path

from keyevals import views, views_fieldwork, views_plan

urlpatterns = [
    path("", views.KeyEvaluationListView.as_view(), name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/step/<str:name>/", views.step, name="step"),
    path("<int:pk>/fees/add/", views.fee_add, name="fee_add"),
    path("<int:pk>/fees/<int:line_pk>/", views.fee_edit, name="fee_edit"),
    path("<int:pk>/fees/<int:line_pk>/delete/", views.fee_delete, name="fee_delete"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/delete/", views.member_delete, name="member_delete"),
    path("<int:pk>/draw/", views.draw, name="draw"),
    path("<int:pk>/plan/new/", views_plan.plan_create, name="plan_create"),
    path("plans/<int:pk>/", views_plan.plan_detail, name="plan"),
    path("plans/<int:pk>/transition/", views_plan.plan_transition, name="plan_transition"),
    path("plans/<int:pk>/indicators/add/", views_plan.indicator_add, name="indicator_add"),
    path("plans/<int:pk>/indicators/<int:row_pk>/", views_plan.indicator_edit, name="indicator_edit"),
    path("plans/<int:pk>/indicators/<int:row_pk>/delete/", views_plan.indicator_delete, name="indicator_delete"),
    path("<int:pk>/notice/new/", views_plan.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views_plan.notice_detail, name="notice"),
    path("notices/<int:pk>/sign/", views_plan.notice_sign, name="notice_sign"),
    path("<int:pk>/requests/new/", views_fieldwork.request_new, name="request_new"),
    path("requests/<int:pk>/", views_fieldwork.request_detail, name="request"),
    path("requests/<int:pk>/accept/", views_fieldwork.request_accept, name="request_accept"),
    path("requests/<int:pk>/files/<int:attachment_pk>/", views_fieldwork.request_file, name="request_file"),
    path(
        "requests/<int:pk>/files/<int:attachment_pk>/delete/",
        views_fieldwork.request_file_delete,
        name="request_file_delete",
    ),
    path("<int:pk>/visits/new/", views_fieldwork.visit_new, name="visit_new"),
    path("visits/<int:pk>/", views_fieldwork.visit_detail, name="visit"),
    path("visits/<int:pk>/photos/", views_fieldwork.visit_photo_upload, name="visit_photo_upload"),
    path("visits/<int:pk>/photos/<int:attachment_pk>/", views_fieldwork.visit_photo, name="visit_photo"),
    path(
        "visits/<int:pk>/photos/<int:attachment_pk>/delete/",
        views_fieldwork.visit_photo_delete,
        name="visit_photo_delete",
    ),
    path("<int:pk>/consultations/new/", views_fieldwork.consultation_new, name="consultation_new"),
]
