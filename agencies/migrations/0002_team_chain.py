"""The review chain of an agency's proposed team (seed 004 三(一)): the agency submits, the commissioning office's
performance section (or the commissioning department's reviewer) reviews."""

from django.db import migrations

from workflow.migration_helpers import create_default_chain


def load(apps, schema_editor):
    create_default_chain(
        apps,
        "agencies.teamproposal",
        "第三方机构工作团队审核流程",
        [(0, "机构提交团队", "agency", None), (1, "委托方审核团队", "performance_section", 5)],
    )
    create_default_chain(
        apps,
        "agencies.teamproposal.department",
        "第三方机构工作团队审核流程（主管部门委托）",
        [(0, "机构提交团队", "agency", None), (1, "委托方审核团队", "dept_reviewer", 5)],
    )


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
