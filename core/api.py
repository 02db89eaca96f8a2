"""Shared pieces of the REST API: authentication, the gate, pagination, errors, base classes.

A viewset is three lines (queryset, serializer_class, filterset_class); the base class routes
reads through ``core.access.restrict`` and writes through ``core.services``, and the serializer
validates with the model's ``clean()`` — the same path as the pages.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, relations, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.roles import Action
from core import access, idempotency, services


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    if isinstance(exc, Http404):
        return Response({"detail": "记录不存在或无权访问"}, status=status.HTTP_404_NOT_FOUND)
    return drf_exception_handler(exc, context)


def _django_errors(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for m in errors[0].messages] if len(errors) == 1 else [m for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": exc.messages}


class GatedChoicesMixin:
    """Every related field offers and accepts only the rows the requesting user may see.

    Applied in ``get_fields``, so it covers generated and declared fields, nested serializers and many-to-many
    fields alike: the browsable API's forms cannot list, and a write cannot name, a record outside the user's
    reach. A field whose choices follow another rule of the gate names that rule in ``choice_scopes``
    (``{"provider": access.providers}``). Every serializer of the project inherits this mixin (through
    ``GatedSerializer`` or ``CleanModelSerializer``); core/tests/test_api_reach.py checks it.
    """

    choice_scopes: dict = {}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in fields.items():
            target = field.child_relation if isinstance(field, relations.ManyRelatedField) else field
            if isinstance(target, relations.RelatedField) and getattr(target, "queryset", None) is not None:
                scope = self.choice_scopes.get(name, access.choices)
                target.queryset = scope(target.queryset, user)
        return fields


class GatedSerializer(GatedChoicesMixin, serializers.Serializer):
    """Base of the project's plain (non-model) serializers: action bodies and computed rows."""


class GatedModelSerializer(GatedChoicesMixin, serializers.ModelSerializer):
    """Base of the project's read-only or nested model serializers."""


class CleanModelSerializer(GatedModelSerializer):
    """Validation = the model's full_clean(), so the API and the pages never disagree."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        instance = self.instance or model()
        originals = {}
        for key, value in attrs.items():
            originals[key] = getattr(instance, key, None)
            setattr(instance, key, value)
        try:
            instance.full_clean(exclude=self._clean_exclude())
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(_django_errors(exc)) from None
        finally:
            if self.instance is not None:
                for key, value in originals.items():
                    setattr(instance, key, value)
        return attrs

    def _clean_exclude(self):
        return getattr(self.Meta, "clean_exclude", [])

    def create(self, validated_data):
        instance = self.Meta.model(**validated_data)
        return services.create_record(instance)

    def update(self, instance, validated_data):
        instance, _ = services.update_record(instance, validated_data, reason=self.context.get("reason", ""))
        return instance


# Every detail route takes a numeric id: a malformed one ("abc", "1.5") answers 404 before any view runs (issue 17
# §6). The base viewsets below set it; a viewset on another base sets ``lookup_value_regex = ID_REGEX`` itself
# (core/tests/test_api_errors.py checks every route of the router).
ID_REGEX = r"[0-9]+"


class GatedModelViewSet(viewsets.ModelViewSet):
    """Reads through the gate (404 outside reach); writes through core.services with audit."""

    lookup_value_regex = ID_REGEX
    write_action = Action.CHANGE
    read_action = Action.VIEW

    def get_queryset(self):
        qs = super().get_queryset()
        action = self.read_action if self.request.method in permissions.SAFE_METHODS else Action.VIEW
        return access.restrict(qs, self.request.user, action)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["reason"] = self.request.headers.get("X-Reason", "")
        return context

    def creation_allowed(self, data: dict) -> bool:
        model = self.get_serializer_class().Meta.model
        org_field = getattr(model, "access_org_field", None)
        if org_field is None:
            return False
        organisation = data.get(org_field.split("__")[0]) if org_field else data.get("parent")
        return access.can_create_in(self.request.user, model, organisation, self.write_action)

    @idempotency.idempotent
    def create(self, request, *args, **kwargs):
        """Every create endpoint honours the ``Idempotency-Key`` header (core/idempotency.py)."""
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        if not self.creation_allowed(serializer.validated_data):
            raise exceptions.PermissionDenied("无权在该机构下新增记录")
        serializer.save()

    def perform_destroy(self, instance):
        services.delete_record(instance, reason=self.request.headers.get("X-Reason", ""))


class GatedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = ID_REGEX
    read_action = Action.VIEW

    def get_queryset(self):
        return access.restrict(super().get_queryset(), self.request.user, self.read_action)
