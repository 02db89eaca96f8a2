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
