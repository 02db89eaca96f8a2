"""Department rounds and department holds (issue 12 §1; docs/decisions/0035, 0037).

- A round names its kind (财政重点监控 / 主管部门监控, seed 001 第十七条); the tables of a department's round follow a
  chain of their own, as data: 单位填报 → 单位负责人审核 → 主管部门审核 (the department reviews its own units' tables and
  ends the chain; finance reads them).
- A disbursement hold names who decided it: a disposal (finance) or a 主管部门 (seed 000 第二十一条 财政部门和主管部门……
  可暂缓或停止预算拨款), with its own reason and decider; the holds made so far copy them from their disposal.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from workflow.migration_helpers import create_default_chain

DEPARTMENT_ROUND_STEPS = [
    (0, "单位填报", "unit_preparer", None),
    (1, "单位负责人审核", "unit_head", 3),
    (2, "主管部门审核", "dept_reviewer", 5),
]


def load(apps, schema_editor):
    create_default_chain(
        apps, "monitoring.monitoringtable.department", "主管部门监控表审核流程", DEPARTMENT_ROUND_STEPS
    )
    DisbursementHold = apps.get_model("monitoring", "DisbursementHold")
    for hold in DisbursementHold.objects.filter(disposal__isnull=False, decided_by__isnull=True).select_related(
        "disposal"
    ):
        hold.reason, hold.decided_by_id = hold.disposal.reason, hold.disposal.decided_by_id
        hold.save(update_fields=["reason", "decided_by"])


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0010_round_left_out'),
        ('organisations', '0001_initial'),
        ('workflow', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='disbursementhold',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='决定人'),
        ),
        migrations.AddField(
            model_name='disbursementhold',
            name='department',
            field=models.ForeignKey(blank=True, help_text='为空表示财政部门（预警处置）的决定', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='决定的主管部门'),
        ),
        migrations.AddField(
            model_name='disbursementhold',
            name='reason',
            field=models.TextField(blank=True, verbose_name='理由'),
        ),
        migrations.AddField(
            model_name='monitoringround',
            name='kind',
            field=models.CharField(choices=[('finance', '财政重点监控'), ('department', '主管部门监控')], default='finance', editable=False, max_length=20, verbose_name='监控类型'),
        ),
        migrations.AlterField(
            model_name='disbursementhold',
            name='disposal',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='monitoring.disposal', verbose_name='处置决定'),
        ),
        migrations.AlterField(
            model_name='monitoringround',
            name='organisation',
            field=models.ForeignKey(help_text='开展监控的财政部门或主管部门', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='组织单位'),
        ),
        migrations.AlterField(
            model_name='monitoringround',
            name='scope',
            field=models.CharField(choices=[('all_funded', '全部已安排预算的项目'), ('key', '重点监控项目')], default='all_funded', max_length=20, verbose_name='监控范围'),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
