"""API of the 第三方评审 of target sheets (targets/actions/third_party.py), behind the same gate and actions as the
pages: ``GET /api/target-reviews/`` lists the reviews the user reaches (an agency or expert only its own);
``POST`` commissions (performance section); ``POST /api/target-reviews/{id}/submit/`` answers (the reviewer)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.roles import Role
from core import api_input, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from core.filters import GatedFilterSet
from organisations.choices import OrgKind
from organisations.models import Organisation
from targets.actions import third_party
from targets.models import TargetSheet
from targets.third_party_models import ReviewConclusion, ReviewerKind, TargetThirdPartyReview


def _register(queryset, user):
    """Agencies and experts are registers every finance user reads; choosing one grants no reach into them."""
    if user is None or not user.is_authenticated or user.is_admin_role:
        return queryset.none()
    return queryset


class TargetThirdPartyReviewSerializer(GatedModelSerializer):
    subject_name = serializers.CharField(source="sheet.subject.name", read_only=True)
    fiscal_year = serializers.IntegerField(source="sheet.fiscal_year", read_only=True)
    reviewer_kind_display = serializers.CharField(source="get_reviewer_kind_display", read_only=True)
    reviewer_name = serializers.CharField(read_only=True)
    conclusion_display = serializers.CharField(source="get_conclusion_display", read_only=True)

    class Meta:
        model = TargetThirdPartyReview
        fields = [
            "id",
            "sheet",
            "subject_name",
            "fiscal_year",
            "reviewer_kind",
            "reviewer_kind_display",
            "agency",
            "expert",
            "reviewer_name",
            "reason",
            "due_on",
            "commissioned_at",
            "conclusion",
            "conclusion_display",
            "opinion",
            "submitted_at",
        ]
        read_only_fields = fields


class CommissionSerializer(GatedSerializer):
    choice_scopes = {"agencies": _register, "experts": _register}

    sheet = serializers.PrimaryKeyRelatedField(queryset=TargetSheet.objects.all(), help_text="绩效目标申报表 ID")
    agencies = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True),
        many=True,
        required=False,
        help_text="受托的中介机构（登记为第三方机构的机构）ID",
    )
    experts = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True, roles__role=Role.EXPERT).distinct(),
        many=True,
        required=False,
        help_text="被指派的评审专家（用户）ID",
    )
    reason = serializers.CharField(max_length=1000, help_text="评审事由（长治市《预算绩效管理办法》第十四条）")
    due_on = serializers.DateField(required=False, help_text="评审期限，默认 10 天后")


class SubmitSerializer(GatedSerializer):
    conclusion = serializers.ChoiceField(choices=ReviewConclusion.choices)
    opinion = serializers.CharField(max_length=4000)


class TargetThirdPartyReviewFilterSet(GatedFilterSet):
    sheet = django_filters.NumberFilter(field_name="sheet_id", label="绩效目标申报表 ID")
    fiscal_year = django_filters.NumberFilter(field_name="sheet__fiscal_year", label="预算年度")
    reviewer_kind = django_filters.ChoiceFilter(choices=ReviewerKind.choices, label="评审方")
    conclusion = django_filters.ChoiceFilter(choices=ReviewConclusion.choices, label="评审结论")
    submitted = django_filters.BooleanFilter(
        field_name="submitted_at", lookup_expr="isnull", exclude=True, label="已提交"
    )

    class Meta:
        model = TargetThirdPartyReview
        fields = ["sheet", "fiscal_year", "reviewer_kind", "conclusion", "submitted"]


class TargetThirdPartyReviewViewSet(GatedReadOnlyViewSet):
    api_description = (
        "绩效目标第三方评审（长治市《预算绩效管理办法》第十四条）：预算绩效管理科委托中介机构或评审专家评审重大项目的绩效目标，"
        "评审意见作为安排预算资金的重要参考依据；受托方只能看到委托给自己的评审。"
    )
    queryset = TargetThirdPartyReview.objects.select_related("sheet__subject", "agency", "expert__organisation")
    serializer_class = TargetThirdPartyReviewSerializer
    filterset_class = TargetThirdPartyReviewFilterSet

    @extend_schema(
        request=CommissionSerializer,
        responses={201: TargetThirdPartyReviewSerializer(many=True)},
        summary="委托第三方评审（预算绩效管理科）",
    )
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        data = api_input.validated(request, CommissionSerializer)
        created = third_party.commission(
            data["sheet"],
            request.user,
            agencies=data.get("agencies", []),
            experts=data.get("experts", []),
            reason=data["reason"],
            due_on=data.get("due_on"),
        )
        return Response(self.get_serializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubmitSerializer, summary="提交评审意见（受托方，提交后不能修改）")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        review = self.get_object()
        data = api_input.validated(request, SubmitSerializer)
        review = third_party.submit(review, request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=review.pk)).data)
