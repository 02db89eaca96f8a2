"""/api/execution/payments/ and /api/execution/allocations/: read through the gate with filters; POST a JSON
array of records (a push from the budget-management or treasury system) → the same loader as the file upload,
synchronously, all-or-nothing, idempotent by the natural key."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from audit.context import client_ip
from core import fiscal, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet
from execution import jobs
from execution.filtersets import AllocationFilterSet, PaymentFilterSet
from execution.loading import ALLOCATIONS, PAYMENTS, Kind
from execution.models import BudgetAllocation, Payment

COMMON = [
    "id",
    "fiscal_year",
    "payer_code",
    "organisation",
    "organisation_name",
    "project_code",
    "subject",
    "subject_code",
    "match_status",
    "amount",
    "budget_kind",
    "fund_source",
    "source",
    "import_job",
    "created_at",
    "updated_at",
]


class _RecordSerializer(GatedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    subject_code = serializers.CharField(source="subject.code", read_only=True, default=None)


class PaymentSerializer(_RecordSerializer):
    class Meta:
        model = Payment
        fields = ["voucher_number", "paid_on", *COMMON, "economic_code", "payee", "summary"]
        read_only_fields = fields


class AllocationSerializer(_RecordSerializer):
    class Meta:
        model = BudgetAllocation
        fields = ["document_number", "issued_on", *COMMON, "summary"]
        read_only_fields = fields


def _push_serializer(kind: Kind):
    """The pushed record: every value as the source system has it (text), validated by the loader."""
    return inline_serializer(
        name=f"{kind.key.title()}PushRecord",
        fields={
            f.key: serializers.CharField(required=f.required, allow_blank=True, help_text=f"{f.header}：{f.note}")
            for f in kind.fields
        },
    )


LOAD_RESULT = inline_serializer(
    name="ExecutionLoadResult",
    fields={
        "job": serializers.IntegerField(help_text="导入任务编号"),
        "total": serializers.IntegerField(),
        "inserted": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "corrected": serializers.IntegerField(),
        "rematched": serializers.IntegerField(),
        "unmatched": serializers.IntegerField(),
    },
)
LOAD_ERRORS = inline_serializer(
    name="ExecutionLoadErrors",
    fields={
        "detail": serializers.CharField(),
        "error_count": serializers.IntegerField(),
        "errors": serializers.ListField(
            child=inline_serializer(
                name="ExecutionLoadError",
                fields={
                    "record": serializers.IntegerField(help_text="记录序号（从 1 起）"),
                    "key": serializers.CharField(help_text="凭证号或指标文号"),
                    "message": serializers.CharField(),
                },
            )
        ),
    },
)


class _ExecutionViewSet(GatedReadOnlyViewSet):
    kind: Kind = PAYMENTS

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "subject")

    def create(self, request, *args, **kwargs):
        records = request.data
        if not isinstance(records, list):
            raise exceptions.ValidationError({"detail": "请求体应为记录数组（JSON array）"})
        if not records:
            raise exceptions.ValidationError({"detail": "记录数组为空"})
        if len(records) > jobs.MAX_PUSH_RECORDS:
            raise exceptions.ValidationError(
                {"detail": f"每次最多推送 {jobs.MAX_PUSH_RECORDS} 条记录（本次 {len(records)} 条），请分批推送"}
            )
        year = request.query_params.get("fiscal_year") or fiscal.default_year()
        try:
            year = int(year)
        except ValueError:
            raise exceptions.ValidationError({"fiscal_year": "预算年度应为四位数字"}) from None
        if year not in fiscal.year_choices():
            raise exceptions.ValidationError({"fiscal_year": f"预算年度 {year} 不在可选范围内"})
        try:
            job, result = jobs.push(request.user, self.kind, records, fiscal_year=year, ip=client_ip(request))
        except PermissionDenied:
            raise exceptions.PermissionDenied("无权推送：须为国库科或预算管理科") from None
        if not result.ok:
            return Response(
                {
                    "detail": f"共 {result.error_count} 处错误，未写入任何记录",
                    "error_count": result.error_count,
                    "errors": [{"record": e.line, "key": e.key, "message": e.message} for e in result.errors],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"job": job.pk, **result.summary()}, status=status.HTTP_200_OK)


_YEAR_PARAM = OpenApiParameter("fiscal_year", int, description="预算年度（默认当前年度）；记录的日期须在此年度内")


class PaymentViewSet(_ExecutionViewSet):
    """国库集中支付明细. POST: push up to 10,000 payment records at once (all-or-nothing, idempotent by
    voucher number; a changed amount is a correction written to the audit trail)."""

    api_description = "国库集中支付明细。POST 一次推送至多 10,000 条（全部成功才写入，按凭证号幂等）；未匹配项目编码的记录进入待匹配队列。"

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilterSet
    kind = PAYMENTS

    @extend_schema(
        request=_push_serializer(PAYMENTS), parameters=[_YEAR_PARAM], responses={200: LOAD_RESULT, 400: LOAD_ERRORS}
    )
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class AllocationViewSet(_ExecutionViewSet):
    """预算指标（指标下达）. POST: push up to 10,000 allocation records at once (all-or-nothing, idempotent by
    document number)."""

    api_description = "预算指标（指标下达）。POST 一次推送至多 10,000 条（全部成功才写入，按文号幂等）；未匹配项目编码的记录进入待匹配队列。"

    queryset = BudgetAllocation.objects.all()
    serializer_class = AllocationSerializer
    filterset_class = AllocationFilterSet
    kind = ALLOCATIONS

    @extend_schema(
        request=_push_serializer(ALLOCATIONS), parameters=[_YEAR_PARAM], responses={200: LOAD_RESULT, 400: LOAD_ERRORS}
    )
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)
