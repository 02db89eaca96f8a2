"""The API of the ex-ante assessment, behind the same gate as the pages and calling the same actions:
POST creates the department's assessment (``start_assessment``), PATCH saves scores (``save_scores``),
``…/submit/``, ``…/approve/``, ``…/return/`` are the review chain; templates are read-only."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from assessments import actions
from assessments.choices import AssessmentKind
from assessments.filtersets import AssessmentFilterSet
from assessments.models import Assessment, AssessmentScore, AssessmentTemplate, TemplatePoint
from core import access, api_input
from core.api import GatedModelSerializer, GatedModelViewSet, GatedReadOnlyViewSet
from subjects.models import Subject
from workflow.api import WORKFLOW_FIELDS, ReviewableSerializer, ReviewableViewSetMixin, requested_version


class TemplatePointSerializer(GatedModelSerializer):
    class Meta:
        model = TemplatePoint
        fields = ["id", "order", "dimension", "name", "weight", "guidance"]


class AssessmentTemplateSerializer(GatedModelSerializer):
    applies_to_display = serializers.CharField(source="get_applies_to_display", read_only=True)
    points = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentTemplate
        fields = [
            "id",
            "code",
            "name",
            "applies_to",
            "applies_to_display",
            "version",
            "is_active",
            "effective_from",
            "support_min",
            "improve_min",
            "basis",
            "points",
        ]

    def get_points(self, obj) -> list[dict]:
        return TemplatePointSerializer(obj.ordered_points(), many=True).data


class ScoreSerializer(GatedModelSerializer):
    point = serializers.IntegerField(source="point_id", help_text="评估要点 ID（模板版本内）")
    dimension = serializers.CharField(source="point.dimension", read_only=True)
    name = serializers.CharField(source="point.name", read_only=True)
    weight = serializers.DecimalField(source="point.weight", max_digits=6, decimal_places=2, read_only=True)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, required=False)
    finding = serializers.CharField(allow_blank=True, required=False)

    class Meta:
        model = AssessmentScore
        fields = ["point", "dimension", "name", "weight", "score", "finding"]
        list_serializer_class = api_input.RowList  # "第 2 行缺少 point", in a PATCH too


class AssessmentSerializer(ReviewableSerializer):
    subject = serializers.PrimaryKeyRelatedField(queryset=Subject.objects.none(), help_text="评估对象（项目）ID")
    subject_name = serializers.CharField(source="subject.name", read_only=True)
    subject_code = serializers.CharField(source="subject.code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True, default=None)
    template_name = serializers.CharField(source="template.__str__", read_only=True)
    conclusion_display = serializers.CharField(source="get_conclusion_display", read_only=True)
    kind = serializers.ChoiceField(
        choices=AssessmentKind.choices,
        required=False,
        help_text="新建时的评估方式：department 部门评估（主管部门）、purchaser 购买主体评估（政府购买服务的项目单位）、"
        "finance 财政直接评估（预算绩效管理科）；省略时取当前用户可发起的第一种；third_party 第三方独立评估只经委托产生，不能新建。",
    )
    scores = ScoreSerializer(many=True, required=False)
    report_url = serializers.SerializerMethodField(help_text="Word 报告下载地址（经访问控制）")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "subject",
            "subject_name",
            "subject_code",
            "kind",
            "kind_display",
            "agency",
            "agency_name",
            "template",
            "template_name",
            "total_score",
            "conclusion",
            "conclusion_display",
            "summary",
            "suggestions",
            "scores",
            "report_url",
            *WORKFLOW_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["agency", "template", "total_score", "conclusion"]
        # One open assessment per subject and kind is start_assessment's check and the database's constraint, with a
        # Chinese message; DRF's own validator for it would make ``kind`` required.
        validators = []
        clean_exclude = ["template"]

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["subject"].queryset = access.restrict(Subject.objects.all(), request.user)
        if self.instance is not None and not isinstance(self.instance, list):
            fields["subject"].read_only = True
            fields["kind"].read_only = True  # chosen when it is started
        return fields

    def get_report_url(self, obj) -> str:
        return reverse("assessments:report", args=[obj.pk])

    def validate_kind(self, value):
        if value not in actions.STARTED_KINDS:
            raise serializers.ValidationError("第三方独立评估由预算绩效管理科在“委托第三方评估”中委托，不能直接新建")
        return value

    def validate(self, attrs):
        scores = attrs.pop("scores", None)
        attrs = super().validate(attrs)
        if scores is not None:
            attrs["scores"] = scores
        return attrs

    def create(self, validated_data):
        return actions.start_assessment(
            validated_data["subject"],
            self.context["request"].user,
            kind=validated_data.get("kind"),
            reason=self.context.get("reason", ""),
        )

    def update(self, instance, validated_data):
        request = self.context["request"]
        version = requested_version(request, instance)
        scores = {
            item["point_id"]: {k: v for k, v in item.items() if k in ("score", "finding")}
            for item in validated_data.get("scores") or []
        }
        return actions.save_scores(
            instance,
            request.user,
            version,
            scores=scores,
            summary=validated_data.get("summary"),
            suggestions=validated_data.get("suggestions"),
            reason=self.context.get("reason", ""),
        )


class AssessmentViewSet(ReviewableViewSetMixin, GatedModelViewSet):
    api_description = (
        "事前绩效评估：按评估模板打分，部门评估与财政委托的第三方评估，按审核流程提交和审核；评估结论决定项目能否入库。"
    )
    queryset = Assessment.objects.select_related("subject", "agency", "template", "chain").prefetch_related(
        "chain__steps", "scores__point"
    )
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilterSet

    def creation_allowed(self, data: dict) -> bool:
        return True  # start_assessment's guard decides (the department of the subject), and audits a refusal


class AssessmentTemplateViewSet(GatedReadOnlyViewSet):
    """Assessment templates (every version; ``?is_active=true`` for the ones in force)."""

    api_description = "事前绩效评估模板（各版本；`?is_active=true` 只看现行版本）。"

    queryset = AssessmentTemplate.objects.prefetch_related("points")
    serializer_class = AssessmentTemplateSerializer
    filterset_fields = ["applies_to", "is_active", "code"]
