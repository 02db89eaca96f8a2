"""/api/subjects/: the project library through the same gate, validation and actions as the pages."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input
from core.api import GatedModelSerializer, GatedModelViewSet, GatedSerializer
from subjects import actions as lifecycle
from subjects import services as subject_services
from subjects.choices import ExpenseType, FundSource, SubjectKind
from subjects.filtersets import SubjectFilterSet
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount
from subjects.views import with_amounts
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin, requested_version
from workflow.guards import can_prepare

MONEY = {"max_digits": 16, "decimal_places": 2}


class YearAmountSerializer(GatedModelSerializer):
    class Meta:
        model = SubjectYearAmount
        fields = ["fiscal_year", "previous_amount", "requested_amount", "arranged_amount", "arrangement_opinion"]
        read_only_fields = fields


class PurchasedServiceSerializer(GatedModelSerializer):
    choice_scopes = {"provider": access.providers}

    class Meta:
        model = PurchasedServiceDetail
        fields = [
            "purchaser",
            "provider",
            "contract_amount",
            "contract_start",
            "contract_end",
            "contract_content",
            "on_guidance_catalogue",
            "outside_negative_list",
        ]
        extra_kwargs = {"purchaser": {"required": False}}


class SubjectSerializer(ReviewableSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    fund_sources = serializers.ListField(child=serializers.ChoiceField(choices=FundSource.choices), allow_empty=False)
    year_amounts = YearAmountSerializer(many=True, read_only=True)
    previous_amount = serializers.DecimalField(write_only=True, required=False, **MONEY)
    requested_amount = serializers.DecimalField(
        write_only=True, required=False, **MONEY, help_text="申报年度的申请金额（元）；新增时必填"
    )
    purchased_service = PurchasedServiceSerializer(required=False, allow_null=True)
    needs_assessment = serializers.BooleanField(read_only=True)
    expense_type = serializers.CharField(
        read_only=True, help_text="附件1 支出类型（由项目类别决定）：basic、project、department"
    )
    expense_type_display = serializers.SerializerMethodField(help_text="支出类型的中文名称")
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    attachments = serializers.SerializerMethodField(help_text="附件（下载地址经访问控制）")

    class Meta:
        model = Subject
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "organisation",
            "organisation_name",
            "department",
            "department_name",
            "fiscal_year",
            "start_year",
            "end_year",
            "duration",
            "is_new",
            "budget_kind",
            "fund_sources",
            "function_subject_code",
            "category",
            "sub_category",
            "start_date",
            "end_date",
            "leader",
            "leader_phone",
            "unit_functions",
            "summary",
            "expense_type",
            "expense_type_display",
            "basis",
            "feasibility",
            "necessity",
            "substantial_change",
            "new_task_in_fund",
            "extension_at_expiry",
            "finance_marked",
            "needs_assessment",
            "stage",
            "stage_display",
            "previous",
            "year_amounts",
            "previous_amount",
            "requested_amount",
            "purchased_service",
            "attachments",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "department", "finance_marked", "stage"]
        clean_exclude = ["chain", "code", "department"]

    def get_expense_type_display(self, obj) -> str:
        return ExpenseType(obj.expense_type).label

    def get_attachments(self, obj) -> list[dict]:
        return [
            {"id": a.pk, "kind": a.kind, "name": str(a), "url": reverse("subjects:attachment", args=[obj.pk, a.pk])}
            for a in obj.attachments.all()
        ]

    def validate(self, attrs):
        service = attrs.pop("purchased_service", None)
        money = {k: attrs.pop(k) for k in ("previous_amount", "requested_amount") if k in attrs}
        attrs = super().validate(attrs)
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        if self.instance is None and "requested_amount" not in money:
            raise serializers.ValidationError({"requested_amount": "请填写本年度申请金额"})
        if kind == SubjectKind.PURCHASED_SERVICE and service is None and self.instance is None:
            raise serializers.ValidationError({"purchased_service": "政府购买服务项目须填写购买服务信息"})
        self._extra = {"detail": PurchasedServiceDetail(**service) if service else None, **money}
        return attrs

    def create(self, validated_data):
        return subject_services.create_subject(Subject(**validated_data), **self._extra)

    def update(self, instance, validated_data):
        request = self.context["request"]
        version = requested_version(request, instance)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        subject_services.save_subject(
            instance, request.user, version, reason=self.context.get("reason", ""), **self._extra
        )
        return instance


class LifecycleSerializer(GatedSerializer):
    version = serializers.IntegerField(min_value=1, help_text="项目当前版本号（乐观锁）")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    amount = serializers.DecimalField(required=False, allow_null=True, help_text="安排或申请金额（元）", **MONEY)
    year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2100)
    opinion = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="预算安排意见（仅安排预算）；留空则采用财政对该年度绩效目标的审核意见",
    )


class SubjectViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    api_description = "项目库：项目、政策、部门整体支出、转移支付、政府购买服务等绩效管理对象的申报、审核入库、安排预算、执行、完成、终止和结转。须事前评估的对象在评估通过前不能入库、不能安排预算。"
    queryset = with_amounts(
        Subject.objects.select_related("organisation", "department", "chain", "purchased_service").prefetch_related(
            "chain__steps", "year_amounts", "attachments"
        )
    )
    serializer_class = SubjectSerializer
    filterset_class = SubjectFilterSet
    transition_actions = ("submit", "approve", "return_", "fund", "start", "complete", "terminate", "roll_over")

    def creation_allowed(self, data: dict) -> bool:
        return can_prepare(self.request.user, Subject, data.get("organisation"))

    def _lifecycle(self, request, name):
        subject = self.get_object()
        v = api_input.validated(request, LifecycleSerializer)
        if name == "fund":
            if v.get("amount") is None:
                raise exceptions.ValidationError({"amount": "请填写财政实际安排金额"})
            lifecycle.fund(
                subject, request.user, v["version"], v["amount"], v.get("year"), v["reason"], opinion=v["opinion"]
            )
        elif name == "roll_over":
            lifecycle.roll_over(subject, request.user, v["version"], v.get("amount"), v["reason"])
        else:
            lifecycle.LIFECYCLE_FUNCTIONS[name](subject, request.user, v["version"], v["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=subject.pk)).data)

    @extend_schema(request=LifecycleSerializer, summary="安排预算（预算管理科）")
    @action(detail=True, methods=["post"])
    def fund(self, request, pk=None):
        return self._lifecycle(request, "fund")

    @extend_schema(request=LifecycleSerializer, summary="开始执行")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._lifecycle(request, "start")

    @extend_schema(request=LifecycleSerializer, summary="完成")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._lifecycle(request, "complete")

    @extend_schema(request=LifecycleSerializer, summary="终止（财政部门，须填写理由）")
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        return self._lifecycle(request, "terminate")

    @extend_schema(request=LifecycleSerializer, summary="延续项目结转下一年度")
    @action(detail=True, methods=["post"], url_path="roll-over", url_name="roll-over")
    def roll_over(self, request, pk=None):
        return self._lifecycle(request, "roll_over")
