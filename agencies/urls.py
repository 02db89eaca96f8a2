from django.urls import path

from agencies import views, views_experts

app_name = "agencies"

urlpatterns = [
    # the agency register
    path("", views.AgencyListView.as_view(), name="list"),
    path("new/", views.agency_create, name="create"),
    path("<int:pk>/", views.agency_detail, name="detail"),
    path("<int:pk>/edit/", views.agency_edit, name="edit"),
    path("<int:pk>/staff/new/", views.staff_add, name="staff_add"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("<int:pk>/rate/", views_experts.rate, {"kind": "agency"}, name="rate"),
    path("<int:pk>/sanction/", views_experts.sanction, {"kind": "agency"}, name="sanction"),
    # contracts, deliverables, teams
    path("contracts/", views.ContractListView.as_view(), name="contract_list"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("contracts/<int:pk>/deliverables/upload/", views.deliverable_upload, name="deliverable_upload"),
    path("contracts/<int:pk>/deliverables/<int:attachment_pk>/", views.deliverable_download, name="deliverable"),
    path(
        "contracts/<int:pk>/deliverables/<int:attachment_pk>/delete/",
        views.deliverable_delete,
        name="deliverable_delete",
    ),
    path(
        "contracts/<int:pk>/deliverables/<int:deliverable_pk>/decide/",
        views.deliverable_decide,
        name="deliverable_decide",
    ),
    path("contracts/<int:pk>/teams/new/", views.team_propose, name="team_propose"),
    path("teams/", views.TeamProposalListView.as_view(), name="team_list"),
    path("teams/<int:pk>/", views.team_detail, name="team_detail"),
    path("teams/<int:pk>/statement/", views.team_statement, name="team_statement"),
    path("teams/<int:pk>/members/add/", views.team_member_add, name="team_member_add"),
    path("teams/<int:pk>/members/<int:member_pk>/remove/", views.team_member_remove, name="team_member_remove"),
    path("teams/<int:pk>/appraise/", views.team_appraise, name="team_appraise"),
    path("teams/<int:pk>/transition/", views.TeamTransitionView.as_view(), name="team_transition"),
    # the expert register and the draw
    path("experts/", views_experts.ExpertListView.as_view(), name="expert_list"),
    path("experts/new/", views_experts.expert_create, name="expert_create"),
    path("experts/<int:pk>/", views_experts.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/edit/", views_experts.expert_edit, name="expert_edit"),
    path("experts/<int:pk>/rate/", views_experts.rate, {"kind": "expert"}, name="expert_rate"),
    path("experts/<int:pk>/sanction/", views_experts.sanction, {"kind": "expert"}, name="expert_sanction"),
    path("experts/<int:pk>/relations/add/", views_experts.relation_add, name="relation_add"),
    path("experts/<int:pk>/relations/<int:relation_pk>/remove/", views_experts.relation_remove, name="relation_remove"),
    path("draws/", views_experts.ExpertDrawListView.as_view(), name="draw_list"),
    path("draws/new/", views_experts.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views_experts.draw_detail, name="draw_detail"),
]
