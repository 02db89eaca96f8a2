from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "工作报告"

    def ready(self):
        from reports import demo  # noqa: F401 - registers the demo seeder
