"""API pieces every reviewable document shares: serializer fields, the submit / approve / return
endpoints (the same workflow.actions as the pages), the history, and the chains (read-only)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import api_input
from core.api import ID_REGEX, CleanModelSerializer, GatedModelSerializer, GatedSerializer
from workflow import actions, config, guards
from workflow.models import ChainDefinition, ChainStep, ReviewAction, ReviewLog

WORKFLOW_FIELDS = [
    "status",
    "status_display",
    "chain",
    "current_step",
    "current_step_name",
    "current_role",
    "current_role_display",
    "step_due_at",
    "overdue",
    "version",
]


def requested_version(request, instance) -> int:
    """The document version the client loaded (optimistic locking); the current one if not given."""
    try:
        return int(api_input.body_dict(request).get("version", instance.version))
    except (TypeError, ValueError, OverflowError):
        raise serializers.ValidationError({"version": "版本号应为整数"}) from None


class ReviewableSerializer(CleanModelSerializer):
    """Base of a reviewable document's serializer; the workflow fields are read-only.

    An update is the preparer's edit (workflow.actions.save_edit): send ``version`` to be told
    (409) when someone else changed the document in the meantime.
    """

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    current_step_name = serializers.CharField(read_only=True)
    current_role = serializers.CharField(read_only=True, help_text="当前环节的办理角色（角色标识）")
    current_role_display = serializers.CharField(source="get_current_role_display", read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    def update(self, instance, validated_data):
        request = self.context["request"]
        version = requested_version(request, instance)
        instance, _ = actions.save_edit(
            instance, request.user, version, data=validated_data, reason=self.context.get("reason", "")
        )
        return instance


class TransitionSerializer(GatedSerializer):
    version = serializers.IntegerField(min_value=1, help_text="文档当前版本号（乐观锁）")
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    target_step = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="退回至的环节序号（仅退回）"
    )


class ReviewLogSerializer(GatedModelSerializer):
    action_display = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = ReviewLog
        fields = [
            "id",
            "created_at",
            "step",
            "step_name",
            "action",
            "action_display",
            "actor",
            "actor_name",
            "opinion",
            "from_step",
            "to_step",
            "to_step_name",
        ]


class ReviewableViewSetMixin:
    """Put before core.api.GatedModelViewSet. Creation needs step 0's role over the organisation;
    a document is never deleted through the API; a stale version answers 409."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    transition_actions = ("submit", "approve", "return_")

    def creation_allowed(self, data: dict) -> bool:
        model = self.get_serializer_class().Meta.model
        return guards.can_prepare(self.request.user, model, data.get(model.access_org_field.split("__")[0]))

    def check_object_permissions(self, request, obj):
        if self.action in self.transition_actions:
            return  # who may act at the current step is the workflow guard's question
        super().check_object_permissions(request, obj)

    def handle_exception(self, exc):
        if isinstance(exc, actions.StaleDocument):
            return Response({"detail": exc.message, "code": "stale"}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)

    def _transition(self, request, name):
        doc = self.get_object()
        values = api_input.validated(request, TransitionSerializer)
        actions.perform(name, doc, request.user, values["version"], values["opinion"], values.get("target_step"))
        return Response(self.get_serializer(doc).data)

    @extend_schema(request=TransitionSerializer, summary="提交审核")
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(request, ReviewAction.SUBMIT)

    @extend_schema(request=TransitionSerializer, summary="审核通过")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._transition(request, ReviewAction.APPROVE)

    @extend_schema(request=TransitionSerializer, summary="退回至之前环节")
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._transition(request, ReviewAction.RETURN)

    @extend_schema(responses=ReviewLogSerializer(many=True), summary="审核记录")
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        from workflow.views import review_history

        return Response(ReviewLogSerializer(review_history(self.get_object()), many=True).data)


class ChainStepSerializer(GatedModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = ChainStep
        fields = ["order", "name", "role", "role_display", "deadline_days"]


class ChainSerializer(GatedModelSerializer):
    steps = serializers.SerializerMethodField()
    region_code = serializers.CharField(source="region.code", read_only=True, default=None)

    class Meta:
        model = ChainDefinition
        fields = ["id", "document_type", "region", "region_code", "name", "version", "is_active", "steps"]

    def get_steps(self, obj) -> list[dict]:
        return ChainStepSerializer(obj.ordered_steps(), many=True).data


class ChainViewSet(viewsets.ReadOnlyModelViewSet):
    """The review chains (configuration), read-only; changed on the 审核流程 page by system administrators."""

    api_description = (
        "审核流程配置（只读）：各单据类型在各区划的审核环节、办理角色和办理时限；由系统管理员在页面上修改。"
    )

    serializer_class = ChainSerializer
    queryset = ChainDefinition.objects.none()
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if not config.can_view_chains(self.request.user):
            return ChainDefinition.objects.none()
        qs = ChainDefinition.objects.select_related("region").prefetch_related("steps")
        if self.request.query_params.get("all") != "1":
            qs = qs.filter(is_active=True)
        document_type = self.request.query_params.get("document_type")
        return qs.filter(Q(document_type=document_type)) if document_type else qs


class StrandedSerializer(GatedSerializer):
    document_type = serializers.CharField(help_text="单据类型")
    document = serializers.CharField(help_text="文档")
    organisation = serializers.CharField(help_text="所属单位")
    organisation_id = serializers.IntegerField(allow_null=True)
    step = serializers.CharField(help_text="停在的环节")
    role = serializers.CharField(help_text="无人持有的办理角色")
    status = serializers.CharField(help_text="状态")
    since = serializers.DateTimeField(allow_null=True, help_text="到达该环节的时间（无审核记录时为空）")


class StrandedViewSet(viewsets.ViewSet):
    """Documents waiting at a step nobody can act on (workflow/staffing.py): the system administrator's list; an
    empty list for everyone else (as /api/users/ is for business roles)."""

    api_description = (
        "无人办理的文档（系统管理员）：停在某一审核环节、而本辖区内无人持有该环节办理角色的文档，"
        "含文档、所属单位、环节、缺少的角色和到达时间。其他账号得到空列表。"
    )

    @extend_schema(responses=StrandedSerializer(many=True))
    def list(self, request):
        from dataclasses import asdict

        from workflow import staffing

        rows = [asdict(row) for row in staffing.stranded(request.user)]
        return Response(StrandedSerializer(rows, many=True).data)
