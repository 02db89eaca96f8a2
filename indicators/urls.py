from django.urls import path

from indicators import views

app_name = "indicators"
urlpatterns = [
    path("", views.IndicatorListView.as_view(), name="list"),
    path("pick/", views.IndicatorPickView.as_view(), name="pick"),
    path("<int:pk>/", views.IndicatorDetailView.as_view(), name="detail"),
    path("proposals/", views.ProposalListView.as_view(), name="proposal_list"),
    path("proposals/new/", views.ProposalCreateView.as_view(), name="proposal_create"),
    path("proposals/<int:pk>/", views.ProposalDetailView.as_view(), name="proposal_detail"),
    path("proposals/<int:pk>/edit/", views.ProposalEditView.as_view(), name="proposal_edit"),
    path("proposals/<int:pk>/transition/", views.ProposalTransitionView.as_view(), name="proposal_transition"),
]
