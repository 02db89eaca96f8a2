from django.apps import AppConfig


class TargetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "targets"
    verbose_name = "绩效目标"

    def ready(self):
        from core import todo
        from core.immutability import Guard, register
        from targets import (
            actions,  # noqa: F401 - the workflow hooks of target sheets
            cockpit,  # noqa: F401 - the leader's 驾驶舱 card
            demo,  # noqa: F401 - registers the demo seeder
            demo_history,  # noqa: F401 - last year's sheets, for 指标推荐
            panels,  # noqa: F401 - the subject page's target sheets panel
        )
        from targets import todo as targets_todo
        from targets.models import ScheduleStage, TargetIndicator, TargetSheet

        todo.register(targets_todo.provider, count=targets_todo.count)  # 编制绩效目标 (issue 12 §6)
        todo.register(targets_todo.review_provider, count=targets_todo.review_count)  # 第三方评审 (issue 12 §1)

        # Approved target sheets and their rows are immutable in the database (issue 17 §5). What may still change
        # is not content: the lifecycle marks an approved sheet no longer current when a later revision is approved,
        # and the quality review's findings (derived from the content by the rules in force) are refreshed.
        derived = ("findings", "rule_set_id", "blocking_count", "warning_count", "checked_at")
        register(Guard(TargetSheet, when="status = 'approved'", mutable=("is_current", "updated_at", *derived)))
        register(Guard(TargetIndicator, parent=("sheet_id", TargetSheet)))
        register(Guard(ScheduleStage, parent=("sheet_id", TargetSheet)))
