"""The API of the self-evaluation rounds (单位自评轮次, issue 13): list, detail with counts and who is left off,
opening, running the opening again, the transfer-payment list and closing through the round's lifecycle — behind the
same gate as the pages and calling the same actions (``evaluations.self_actions``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input, clock, idempotency
from core.api import GatedModelSerializer, GatedReadOnlyViewSet, GatedSerializer
from evaluations import self_actions
from evaluations.api_errors import denied, invalid
from evaluations.choices import RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationRound
from evaluations.self_filtersets import SelfEvaluationRoundFilterSet
from evaluations.self_forms import transfer_subject_choices
from evaluations.self_views_rounds import form_counts, left_out
from subjects.models import Subject

# ---------------------------------------------------------------------------------------------- rounds


def _subject_choices(queryset, user):
    return transfer_subject_choices(user) if user is not None else queryset.none()


def _transfer_field(**kwargs) -> serializers.ManyRelatedField:
    return serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField(
            queryset=Subject.objects.all(),
            error_messages={
                "does_not_exist": "所选项目 {pk_value} 不是本区划的转移支付项目",
                "incorrect_type": "项目 id 应为整数，收到的是{data_type}",
            },
        ),
        help_text="纳入自评的转移支付项目 id（主管部门会同财政部门确定的清单；本区划、评价年度已安排预算的转移支付项目）",
        error_messages={"not_a_list": "transfer_subjects 应为项目 id 的数组，收到的是{input_type}"},
        **kwargs,
    )


class SelfRoundOpenSerializer(GatedSerializer):
    """The body of opening a round (``self_actions.open_round``)."""

    choice_scopes = {"transfer_subjects": _subject_choices}

    fiscal_year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text="评价年度（已结束的年度）",
        error_messages={"required": "请填写评价年度（fiscal_year）", "invalid": "评价年度须为四位数字年份"},
    )
    due_date = serializers.DateField(
        help_text="报送截止日期（YYYY-MM-DD），应在评价年度之后",
        error_messages={"required": "请填写报送截止日期（due_date）", "invalid": "报送截止日期格式应为 2026-03-31"},
    )
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="名称；不填则为“区划 年度 绩效自评”"
    )
    notice = serializers.CharField(required=False, allow_blank=True, default="", help_text="通知要求")
    transfer_subjects = _transfer_field(required=False)
    purchased_service_four_e = serializers.BooleanField(
        required=False,
        default=False,
        help_text="政府购买服务按 4E 方案评价：true 时本轮政府购买服务项目的自评表按本区划现行的 4E 评价方案计分",
        error_messages={"invalid": "purchased_service_four_e 应为 true 或 false"},
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="备注，记入审计日志"
    )

    def validate(self, attrs):
        year, due = attrs.get("fiscal_year"), attrs.get("due_date")
        if year and due and due.year <= year:
            raise serializers.ValidationError({"due_date": ["报送截止日期应在评价年度结束之后（次年）"]})
        return attrs


class SelfRoundTransferListSerializer(GatedSerializer):
    choice_scopes = {"transfer_subjects": _subject_choices}

    transfer_subjects = _transfer_field(allow_empty=True)


class SelfRoundReasonSerializer(GatedSerializer):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="说明，记入审计日志"
    )


class SelfRoundSerializer(GatedModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    # Plain text, not an enum: the schema's enum names stay those of the other apps (no "Status361Enum").
    status = serializers.CharField(read_only=True, help_text="opening 生成中，open 进行中，closed 已结束")
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    scheme_name = serializers.CharField(source="scheme.__str__", read_only=True, help_text="本轮计分所用的评价方案版本")
    purchased_service_scheme_name = serializers.CharField(
        source="purchased_service_scheme.__str__",
        read_only=True,
        default="",
        help_text="政府购买服务项目按 4E 方案评价时所用的方案版本；为空则按单位自评方案",
    )
    percent = serializers.IntegerField(read_only=True, help_text="自评表生成进度（%）")
    opened_by_name = serializers.SerializerMethodField()
    form_count = serializers.SerializerMethodField(help_text="您权限范围内本轮的自评表数")

    class Meta:
        model = SelfEvaluationRound
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "region",
            "region_name",
            "fiscal_year",
            "name",
            "due_date",
            "notice",
            "scheme",
            "scheme_name",
            "purchased_service_scheme",
            "purchased_service_scheme_name",
            "status",
            "status_display",
            "forms_expected",
            "forms_created",
            "percent",
            "failure",
            "form_count",
            "opened_by_name",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_opened_by_name(self, obj) -> str:
        user = obj.opened_by
        return (user.name or user.username) if user is not None else ""

    def get_form_count(self, obj) -> int:
        counted = getattr(obj, "form_total", None)  # annotated by the list (one query, not one per round)
        if counted is not None:
            return counted
        request = self.context.get("request")
        return access.restrict(SelfEvaluation.objects.filter(round=obj), request.user if request else None).count()


class SelfRoundFormCountsSerializer(GatedSerializer):
    total = serializers.IntegerField(help_text="自评表数")
    late = serializers.IntegerField(help_text="逾期（逾期未报或逾期报送）")
    no_targets = serializers.IntegerField(help_text="没有批复的绩效目标、只评价预算执行的")
    draft = serializers.IntegerField(help_text="草稿")
    in_review = serializers.IntegerField(help_text="审核中")
    returned = serializers.IntegerField(help_text="被退回")
    approved = serializers.IntegerField(help_text="审核通过")


class SelfRoundLeftOutSubjectSerializer(GatedSerializer):
    subject = serializers.IntegerField(help_text="项目 id")
    code = serializers.CharField(help_text="项目编码")
    name = serializers.CharField(help_text="项目名称")
    organisation = serializers.CharField(help_text="实施单位")
    reason = serializers.CharField(help_text="未纳入（或只评价预算执行）的原因")


class SelfRoundLeftOutSerializer(GatedSerializer):
    subjects = SelfRoundLeftOutSubjectSerializer(many=True, help_text="您可查看的项目，逐个列出")
    regions = serializers.ListField(child=serializers.CharField(), help_text="下级区划的项目，按区划计数")
    hidden = serializers.IntegerField(help_text="您无权查看或未逐个列出的项目数")


class SelfRoundDetailSerializer(SelfRoundSerializer):
    counts = serializers.SerializerMethodField(help_text="您权限范围内本轮自评表按状态、逾期计数")
    left_out = serializers.SerializerMethodField(help_text="本年度已安排预算、未纳入本轮的项目及原因")
    transfer_subjects = serializers.SerializerMethodField(help_text="纳入自评的转移支付项目 id（您可查看的）")

    class Meta(SelfRoundSerializer.Meta):
        fields = [*SelfRoundSerializer.Meta.fields, "counts", "left_out", "transfer_subjects"]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return request.user if request is not None else None

    @extend_schema_field(SelfRoundFormCountsSerializer)
    def get_counts(self, obj) -> dict:
        return SelfRoundFormCountsSerializer(form_counts(obj, self._user())).data

    @extend_schema_field(SelfRoundLeftOutSerializer)
    def get_left_out(self, obj) -> dict:
        found = left_out(obj, self._user())
        return {
            "subjects": [
                {
                    "subject": e["subject"].pk,
                    "code": e["subject"].code,
                    "name": e["subject"].name,
                    "organisation": e["subject"].organisation.name,
                    "reason": e["reason"],
                }
                for e in found["subjects"]
            ],
            "regions": found["regions"],
            "hidden": found["hidden"],
        }

    def get_transfer_subjects(self, obj) -> list[int]:
        listed = access.restrict(obj.transfer_subjects.all(), self._user())
        return sorted(listed.values_list("pk", flat=True))


class SelfEvaluationRoundViewSet(GatedReadOnlyViewSet):
    """Rounds in reach; the performance section opens (POST) its own region's year, runs the opening again, sets the
    transfer list and closes the round; refusals of who sees the round are 403 and audited."""

    api_description = (
        "单位自评轮次：预算绩效管理科对本区划已结束的年度开启单位自评（POST；自评表由后台按批复的绩效目标和国库支付数据生成，"
        "进度见 percent；`purchased_service_four_e: true` 则政府购买服务项目按 4E 方案评价），`…/rerun/` 重新生成（补充）自评表，`…/transfer-list/` 确定转移支付自评清单并为新列入的项目生成"
        "自评表，`…/close/` 结束本轮自评。无权办理返回 403，输入有误返回 400 并指明字段。"
    )

    queryset = SelfEvaluationRound.objects.select_related(
        "organisation", "region", "scheme", "purchased_service_scheme", "opened_by"
    )
    serializer_class = SelfRoundSerializer
    filterset_class = SelfEvaluationRoundFilterSet

    def get_serializer_class(self):
        return SelfRoundSerializer if self.action == "list" else SelfRoundDetailSerializer

    def get_queryset(self):
        rounds = super().get_queryset()
        if self.action != "list":
            return rounds
        forms = access.restrict(SelfEvaluation.objects.all(), self.request.user).values("pk")
        # Meta.ordering does not apply to an aggregate's GROUP BY: name it again.
        return rounds.annotate(form_total=Count("forms", filter=Q(forms__in=forms))).order_by(
            *SelfEvaluationRound._meta.ordering
        )

    def check_object_permissions(self, request, obj):
        if self.action in ("rerun", "transfer_list", "close"):
            return  # who may manage a round is self_actions' question (refusals audited), not the gate's CHANGE
        super().check_object_permissions(request, obj)

    def _managed(self, request) -> SelfEvaluationRound:
        evaluation_round = self.get_object()
        if not self_actions.can_manage_round(request.user, evaluation_round):
            raise denied(
                evaluation_round,
                request.user,
                DjangoPermissionDenied("只有组织本轮自评的预算绩效管理科可以办理"),
            )
        return evaluation_round

    def _fresh(self, evaluation_round, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=evaluation_round.pk)
        return Response(SelfRoundDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=SelfRoundOpenSerializer, responses={201: SelfRoundDetailSerializer}, summary="开启单位自评")
    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        values = api_input.validated(request, SelfRoundOpenSerializer)
        try:
            evaluation_round = self_actions.open_round(
                request.user,
                fiscal_year=values["fiscal_year"],
                due_date=values["due_date"],
                name=values["name"],
                notice=values["notice"],
                transfer_subjects=values.get("transfer_subjects", []),
                reason=values["reason"],
                purchased_service_four_e=values["purchased_service_four_e"],
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None  # open_round audited the refusal
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        return self._fresh(evaluation_round, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SelfRoundDetailSerializer, summary="重新生成（补充）绩效自评表")
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        evaluation_round = self._managed(request)
        try:
            self_actions.rerun(evaluation_round, request.user)
        except DjangoPermissionDenied as exc:
            raise denied(evaluation_round, request.user, exc) from None
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        return self._fresh(evaluation_round)

    @extend_schema(
        request=SelfRoundTransferListSerializer,
        responses=SelfRoundDetailSerializer,
        summary="确定转移支付自评清单",
        description=(
            "以提交的清单替换本轮的转移支付自评清单，并为新列入的项目生成自评表（已生成的不重复生成）。"
            "项目须为本区划、评价年度已安排预算的转移支付项目，否则返回 400 并列出项目。"
        ),
    )
    @action(detail=True, methods=["post"], url_path="transfer-list")
    def transfer_list(self, request, pk=None):
        evaluation_round = self._managed(request)
        subjects = api_input.validated(request, SelfRoundTransferListSerializer)["transfer_subjects"]
        if evaluation_round.status == RoundStatus.CLOSED:
            raise exceptions.ValidationError({"non_field_errors": ["本轮自评已结束"]})
        try:
            with transaction.atomic():
                self_actions.set_transfer_list(evaluation_round, request.user, subjects)
                self_actions.rerun(evaluation_round, request.user)
        except DjangoPermissionDenied as exc:
            raise denied(evaluation_round, request.user, exc) from None
        except DjangoValidationError as exc:
            raise invalid(exc, "transfer_subjects") from None
        return self._fresh(evaluation_round)

    @extend_schema(request=SelfRoundReasonSerializer, responses=SelfRoundDetailSerializer, summary="结束本轮自评")
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        evaluation_round = self._managed(request)
        reason = api_input.validated(request, SelfRoundReasonSerializer)["reason"]

        def stamp(fresh):
            return {"_fields": {"closed_at": clock.now()}}

        try:
            self_actions.LIFECYCLE.run("close", evaluation_round, request.user, reason=reason, apply=stamp)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None  # the lifecycle audited the refusal
        except DjangoValidationError as exc:
            raise invalid(exc) from None
        return self._fresh(evaluation_round)
