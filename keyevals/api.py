"""The key evaluation's API (plans, scores, reports, archives), behind the gate; each part registers its viewsets."""

from keyevals import api_core, api_report, api_scoring


def register(router) -> None:
    api_core.register(router)
    api_scoring.register(router)
    api_report.register(router)
