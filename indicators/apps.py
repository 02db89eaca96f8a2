from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "指标库"

    def ready(self):
        from indicators import actions, demo  # noqa: F401 - the workflow hooks; the demo seeder
