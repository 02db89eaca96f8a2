"""The OpenAPI schema's descriptions are written for the API's users, not taken from docstrings.

drf-spectacular describes an operation by its view's docstring, which here is written for engineers (English,
internal names). ``AutoSchema`` uses the viewset's ``api_description`` (Chinese, for a user of the API) instead,
and an action's own ``extend_schema(description=…)`` where one is given. core/tests/test_api_schema.py checks that
every registered endpoint has one.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    def get_description(self):
        return getattr(self.view, "api_description", "") or ""

    def get_override_parameters(self):
        """A POST operation whose handler is ``core.idempotency.idempotent`` documents the ``Idempotency-Key``
        header (every create endpoint, through ``GatedModelViewSet.create``)."""
        parameters = super().get_override_parameters()
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower(), None)
        if self.method == "POST" and getattr(handler, "idempotent", False):
            from core import idempotency

            parameters = [*parameters, idempotency.openapi_parameter()]
        return parameters
