from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "monitoring"
    verbose_name = "绩效运行监控"

    def ready(self):
        # Demo seeders run in registration order: execution figures first, then rounds and warnings.
        from monitoring import demo_figures  # noqa: F401, I001
        from monitoring import demo  # noqa: F401
        from monitoring import demo_department  # noqa: F401  (after the finance round's seeder)
        from core import todo
        from monitoring.todo import count, provider

        todo.register(provider, count=count)
        from core.immutability import Guard, register
        from monitoring import (
            actions,  # noqa: F401 - the workflow hooks of monitoring tables
            actuals,  # noqa: F401 - monitored actuals for targets.recommend
            cockpit,  # noqa: F401 - the leader's 驾驶舱 cards
            follow_treasury,  # noqa: F401 - figures and warnings follow every load of treasury data
            panels,  # noqa: F401 - the subject page's disbursement holds
            pickers,  # noqa: F401 - the key-subject picker of a new round
            rollup_store,  # noqa: F401 - roll-ups follow a subject that changes organisation
        )
        from monitoring.models import MonitoringIndicator, MonitoringTable

        # Approved monitoring tables and their rows are immutable in the database (issue 17 §5).
        register(Guard(MonitoringTable, when="status = 'approved'", mutable=("updated_at",)))
        register(Guard(MonitoringIndicator, parent=("table_id", MonitoringTable)))
