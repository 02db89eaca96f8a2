from django.apps import AppConfig


class TargetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "targets"
    verbose_name = "绩效目标"

    def ready(self):
        from targets import (
            actions,  # noqa: F401 - the workflow hooks of target sheets
            demo,  # noqa: F401 - registers the demo seeder
            demo_history,  # noqa: F401 - last year's sheets, for 指标推荐
            panels,  # noqa: F401 - the subject page's target sheets panel
        )
