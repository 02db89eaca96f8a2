from django.urls import path

from targets import views, views_comments, views_io, views_overview, views_third_party
from targets.actions.attachments import ATTACHMENTS

app_name = "targets"
urlpatterns = [
    path("", views.TargetSheetListView.as_view(), name="list"),
    path("new/", views.create, name="create"),
    path("rules/", views.rules, name="rules"),
    path("<int:pk>/", views.TargetSheetDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/transition/", views.TargetSheetTransitionView.as_view(), name="transition"),
    path("<int:pk>/adjust/", views.adjust, name="adjust"),
    path("<int:pk>/compare/", views.compare, name="compare"),
    # documents and recommendations (targets/views_io.py, docs/decisions/0013)
    path("io/", views_io.io_page, name="io"),
    path("io/xlsx/", views_io.list_xlsx_download, name="io_xlsx"),
    path("<int:pk>/xlsx/", views_io.sheet_xlsx_download, name="xlsx"),
    path("<int:pk>/docx/", views_io.sheet_docx_download, name="docx"),
    path("<int:pk>/recommend/", views_io.recommendations, name="recommend"),
    path("<int:pk>/recommend/add/", views_io.recommendation_add, name="recommend_add"),
    path("<int:pk>/comments/", views_comments.comment, name="comment"),
    # attachments (测算依据, issue 12 §7; targets/actions/attachments.py)
    path("<int:pk>/attachments/", ATTACHMENTS.upload_view(), name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", ATTACHMENTS.download_view(), name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", ATTACHMENTS.delete_view(), name="attachment_delete"),
    # 第三方评审 (长治市《预算绩效管理办法》第十四条; targets/actions/third_party.py)
    path("<int:pk>/third-party-review/", views_third_party.commission, name="commission_review"),
    path("third-party-reviews/<int:pk>/submit/", views_third_party.submit, name="submit_review"),
    path("<int:pk>/comments/<int:comment_pk>/resolve/", views_comments.resolve_comment, name="resolve_comment"),
    path("<int:pk>/regional/", views_overview.regional, name="regional"),
    path("regional/", views_overview.regional_list, name="regional_list"),
    path("summary/", views_overview.summary, name="summary"),
    path("common/", views_overview.common_sets, name="common"),
]
