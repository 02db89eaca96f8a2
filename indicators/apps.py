from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "指标库"

    def ready(self):
        from indicators import demo  # noqa: F401 - registers the demo seeder
