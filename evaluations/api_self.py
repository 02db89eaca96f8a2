"""The API of the self-evaluation (单位自评, issue 13): rounds (list, detail, opening, running the opening again, the
transfer-payment list, closing through the round's lifecycle) and forms (list with filters, detail with the indicator
rows and their scores, the unit's PATCH through ``self_actions.save_form``, the live score of typed values with
nothing saved, and the review chain) — behind the same gate as the pages and calling the same actions."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core import access, api_input, clock, idempotency
from core.api import GatedModelSerializer, GatedModelViewSet, GatedReadOnlyViewSet, GatedSerializer
from evaluations import form_scoring, self_actions
from evaluations.choices import Band, RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationIndicator, SelfEvaluationRound
from evaluations.self_filtersets import SelfEvaluationFilterSet, SelfEvaluationRoundFilterSet
from evaluations.self_forms import transfer_subject_choices
from evaluations.self_views_rounds import form_counts, left_out
from subjects.models import Subject
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin

ROW_KEY = "rows"


def _denied(obj, user, exc) -> exceptions.PermissionDenied:
    """A refusal of a visible record's action: audited, then 403 (the API's convention; pages answer 404)."""
    self_actions.refuse(obj, user, exc)
    return exceptions.PermissionDenied(str(exc))


def _invalid(exc: DjangoValidationError, default_field: str = "non_field_errors") -> exceptions.ValidationError:
    """An action's refusal as a 400: a row's message (``row-<id>-<field>``) under ``rows``, a field's under the field,
    a message without a field under ``default_field``."""
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({default_field: exc.messages})
    found: dict[str, list[str]] = {}
    for key, errors in exc.error_dict.items():
        name = ROW_KEY if key.startswith("row-") else default_field if key == NON_FIELD_ERRORS else key
        found.setdefault(name, []).extend(m for e in errors for m in e.messages)
    return exceptions.ValidationError(found)


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
        "进度见 percent），`…/rerun/` 重新生成（补充）自评表，`…/transfer-list/` 确定转移支付自评清单并为新列入的项目生成"
        "自评表，`…/close/` 结束本轮自评。无权办理返回 403，输入有误返回 400 并指明字段。"
    )

    queryset = SelfEvaluationRound.objects.select_related("organisation", "region", "scheme", "opened_by")
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
            raise _denied(
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
            )
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None  # open_round audited the refusal
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
        return self._fresh(evaluation_round, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SelfRoundDetailSerializer, summary="重新生成（补充）绩效自评表")
    @action(detail=True, methods=["post"])
    def rerun(self, request, pk=None):
        evaluation_round = self._managed(request)
        try:
            self_actions.rerun(evaluation_round, request.user)
        except DjangoPermissionDenied as exc:
            raise _denied(evaluation_round, request.user, exc) from None
        except DjangoValidationError as exc:
            raise _invalid(exc) from None
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
            raise _denied(evaluation_round, request.user, exc) from None
        except DjangoValidationError as exc:
            raise _invalid(exc, "transfer_subjects") from None
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
            raise _invalid(exc) from None
        return self._fresh(evaluation_round)


# ---------------------------------------------------------------------------------------------- forms


class SelfIndicatorRowSerializer(GatedModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    band_display = serializers.CharField(source="get_band_display", read_only=True)

    class Meta:
        model = SelfEvaluationIndicator
        fields = [
            "id",
            "order",
            "level1",
            "level2",
            "name",
            "kind",
            "kind_display",
            "target_value",
            "unit",
            "weight",
            "actual",
            "applicable",
            "surveyed",
            "band",
            "band_display",
            "share",
            "score",
            "explanation",
            "deviation_reason",
            "improvement",
        ]
        read_only_fields = fields


class SelfRowUpdateSerializer(GatedSerializer):
    """One indicator row as the unit types it; the values are checked again by ``self_actions.clean_row_values``
    (a non-number actual of a quantitative indicator is refused naming the row)."""

    id = serializers.IntegerField(help_text="指标行 id", error_messages={"invalid": "指标行 id 应为整数"})
    actual = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=200)
    applicable = serializers.BooleanField(required=False, help_text="不适用的指标不计分")
    surveyed = serializers.BooleanField(required=False, help_text="满意度指标：是否开展了满意度调查")
    band = serializers.ChoiceField(
        choices=Band.choices,
        required=False,
        allow_blank=True,
        help_text="定性指标的评价档次",
        error_messages={"invalid_choice": "评价档次“{input}”无效"},
    )
    share = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text="档次内得分比例（%，0–100）",
    )
    deviation_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    improvement = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    class Meta:
        list_serializer_class = api_input.RowList  # "第 2 行缺少 id", in a PATCH too


def typed_rows(form, rows: list[dict]) -> dict:
    """{row id: {field: value}} of validated rows, each of the form's own (else 400 naming the id)."""
    own = set(form.indicators.values_list("pk", flat=True))
    typed = {}
    for row in rows:
        values = dict(row)
        row_id = values.pop("id")
        if row_id not in own:
            raise exceptions.ValidationError({ROW_KEY: [f"指标行 {row_id} 不属于该自评表"]})
        typed.setdefault(row_id, {}).update(values)
    return typed


class SelfEvaluationListSerializer(ReviewableSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    subject_code = serializers.CharField(source="subject.code", read_only=True)
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default="")
    town_name = serializers.CharField(source="town.name", read_only=True, default="")
    kind = serializers.CharField(read_only=True, help_text="自评类型（代码），名称见 kind_display")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    stage = serializers.CharField(
        read_only=True, help_text="评价阶段：annual 年度自评，stage 阶段性自评，full_cycle 全周期自评"
    )
    is_late = serializers.BooleanField(read_only=True, help_text="逾期未报或逾期报送")

    class Meta:
        model = SelfEvaluation
        fields = [
            "id",
            "round",
            "round_name",
            "fiscal_year",
            "subject",
            "subject_code",
            "subject_name",
            "organisation",
            "organisation_name",
            "department",
            "department_name",
            "town",
            "town_name",
            "kind",
            "kind_display",
            "stage",
            "budget",
            "paid",
            "execution_rate",
            "execution_score",
            "indicator_score",
            "total_score",
            "grade",
            "submitted_at",
            "approved_at",
            "is_late",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SelfEvaluationSerializer(SelfEvaluationListSerializer):
    """The form with its indicator rows; PATCH is the unit's edit (``self_actions.save_form``, ``version`` required)."""

    indicators = SelfIndicatorRowSerializer(many=True, read_only=True)
    rows = SelfRowUpdateSerializer(
        many=True,
        write_only=True,
        required=False,
        help_text="要修改的指标行：[{id, actual, applicable, surveyed, band, share, deviation_reason, improvement}]",
    )
    version = serializers.IntegerField(
        min_value=1,
        help_text="读取时的版本号（乐观锁；已被他人修改时 409）",
        error_messages={"required": "请提供读取时的版本号（version）", "invalid": "版本号应为整数"},
    )

    class Meta(SelfEvaluationListSerializer.Meta):
        fields = [
            *SelfEvaluationListSerializer.Meta.fields[:-2],
            "target_sheet",
            "scheme",
            "goal_completion",
            "problems",
            "measures",
            "indicators",
            "rows",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            f for f in fields if f not in ("goal_completion", "problems", "measures", "rows", "version")
        ]

    def validate(self, attrs):
        rows = attrs.pop("rows", None)
        version = attrs.pop("version", None)
        if version is None:  # a PATCH is partial: DRF does not ask for required fields
            raise serializers.ValidationError({"version": ["请提供读取时的版本号（version）"]})
        attrs = super().validate(attrs)
        if rows is not None:
            attrs["rows"] = rows
        attrs["version"] = version
        return attrs

    def update(self, instance, validated_data):
        rows = typed_rows(instance, validated_data.pop("rows", []))
        version = validated_data.pop("version")
        try:
            return self_actions.save_form(
                instance,
                self.context["request"].user,
                version,
                data=validated_data,
                rows=rows,
                reason=self.context.get("reason", ""),
            )
        except DjangoValidationError as exc:
            raise _invalid(exc) from None


class SelfScoreRequestSerializer(GatedSerializer):
    rows = SelfRowUpdateSerializer(
        many=True, required=False, help_text="正在填写的指标行（未列出的按已保存的值）：[{id, actual, band, share, …}]"
    )


class SelfScoredRowSerializer(GatedSerializer):
    id = serializers.IntegerField(help_text="指标行 id")
    name = serializers.CharField(help_text="三级指标")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="分值")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, help_text="得分")
    explanation = serializers.CharField(help_text="计分说明")
    needs_reason = serializers.BooleanField(help_text="偏差较大或未完成：须填写偏差原因和改进措施")
    deviation = serializers.CharField(help_text="偏差说明")


class SelfScoreSerializer(GatedSerializer):
    """The engine's score of typed values (nothing saved)."""

    execution_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="预算执行率得分"
    )
    execution_full = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="预算执行率分值")
    execution_explanation = serializers.CharField(help_text="预算执行计分说明")
    indicator_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="绩效指标得分"
    )
    indicator_full = serializers.DecimalField(max_digits=6, decimal_places=2, help_text="绩效指标分值")
    total_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, allow_null=True, help_text="自评得分；有问题时为空"
    )
    grade = serializers.CharField(help_text="自评等级；有问题时为空")
    problems = serializers.ListField(child=serializers.CharField(), help_text="暂不能计算总分的原因")
    deviation_missing = serializers.ListField(
        child=serializers.CharField(), help_text="报送前须补充偏差原因和改进措施的指标"
    )
    rows = SelfScoredRowSerializer(many=True)


def score_of(form, typed: dict) -> dict:
    """What ``form_scoring.score_form`` gives on the stored rows with ``typed`` over them, as the API answers it."""
    rows = list(form.indicators.all())
    score = form_scoring.score_form(form, rows, typed)
    execution, indicators = score.execution, score.indicators
    return {
        "execution_score": execution.score,
        "execution_full": execution.full,
        "execution_explanation": execution.explanation,
        "indicator_score": indicators.total,
        "indicator_full": indicators.full,
        "total_score": score.evaluation.total,
        "grade": score.evaluation.grade,
        "problems": [p.message for p in score.problems],
        "deviation_missing": form_scoring.deviation_problems(score, typed),
        "rows": [
            {
                "id": row.pk,
                "name": row.name,
                "weight": row.weight,
                "score": row.result.score if row.result is not None else None,
                "explanation": row.result.explanation if row.result is not None else "",
                "needs_reason": row.deviation.needs_reason,
                "deviation": row.deviation.explanation,
            }
            for row in score.rows
        ],
    }


class SelfEvaluationViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    """Forms are created by opening a round, never by POST; PATCH is the unit's edit (with ``rows`` and ``version``);
    ``…/score/`` scores typed values without saving; ``…/submit/``, ``…/approve/``, ``…/return/`` are the chain."""

    api_description = (
        "绩效自评表（项目支出绩效自评表）：由开启单位自评生成，预算数、执行数和执行率来自国库数据。单位填写年度总体目标完成"
        "情况和各项指标的全年实际值、偏差原因和改进措施（PATCH，带 `rows` 和 `version`；版本已变化时 409），得分由服务器"
        "按评价方案重新计算；`…/score/` 按正在填写的值试算得分（不保存）；按审核流程报送、逐级审核（`…/submit/`、"
        "`…/approve/`、`…/return/`）。"
    )

    queryset = SelfEvaluation.objects.select_related(
        "round", "subject", "organisation", "department", "town", "scheme", "chain"
    ).prefetch_related("chain__steps", "indicators")
    serializer_class = SelfEvaluationSerializer
    filterset_class = SelfEvaluationFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    transition_actions = (*ReviewableViewSetMixin.transition_actions, "score")

    def get_serializer_class(self):
        return SelfEvaluationListSerializer if self.action == "list" else SelfEvaluationSerializer

    def get_queryset(self):
        forms = super().get_queryset()
        if self.action == "list":
            # The list shows no rows: no prefetch of them; the order follows the (fiscal_year, organisation) index.
            return (
                forms.prefetch_related(None)
                .prefetch_related("chain__steps")
                .order_by("-fiscal_year", "-organisation_id", "-pk")
            )
        return forms

    def creation_allowed(self, data: dict) -> bool:
        return False

    @extend_schema(exclude=True)
    def create(self, request, *args, **kwargs):
        raise exceptions.MethodNotAllowed(request.method, detail="绩效自评表由开启单位自评生成，不能直接新增")

    def partial_update(self, request, *args, **kwargs):
        api_input.body_dict(request)
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=SelfScoreRequestSerializer, responses=SelfScoreSerializer, summary="试算得分（不保存）")
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        form = self.get_object()
        values = api_input.validated(request, SelfScoreRequestSerializer)
        return Response(SelfScoreSerializer(score_of(form, typed_rows(form, values.get("rows", [])))).data)
