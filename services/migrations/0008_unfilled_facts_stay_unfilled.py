"""An item's fee, visits, online depth and handling level may be unfilled ("" or NULL), with no default.

Existing rows keep their values: a stored 不收费 or 1 cannot be told from a
default nobody chose, so it stays as it was, and only rows created from now
on without these fields are unfilled (the page then says so and whom to call).
Altering the columns keeps the data; nothing is rewritten.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0007_drafts_and_scheduled_publication'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='serviceitem',
            name='item_online_has_url',
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='fee',
            field=models.CharField(blank=True, help_text='不收费也要写“不收费”；不填则页面显示“收费情况待公布”。', max_length=200, verbose_name='收费'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='handling',
            field=models.CharField(blank=True, choices=[('local', '本级办理'), ('county_proxy', '受理后代办至县级部门'), ('village_proxy', '村级代办')], help_text='不填则页面显示“未填写”。', max_length=20, verbose_name='办理方式'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='online_depth',
            field=models.CharField(blank=True, choices=[('none', '不能网上办理'), ('info', '网上查询、下载表格'), ('apply', '网上申请，现场核验'), ('full', '全程网办')], help_text='不能网上办也要选“不能网上办理”；不填则页面显示“未填写”。', max_length=10, verbose_name='网上办理'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='visits',
            field=models.PositiveSmallIntegerField(blank=True, help_text='0 表示不用到现场；不填则页面显示“待公布”。', null=True, verbose_name='到现场次数'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='fee',
            field=models.CharField(blank=True, help_text='不收费也要写“不收费”；不填则页面显示“收费情况待公布”。', max_length=200, verbose_name='收费'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='handling',
            field=models.CharField(blank=True, choices=[('local', '本级办理'), ('county_proxy', '受理后代办至县级部门'), ('village_proxy', '村级代办')], help_text='不填则页面显示“未填写”。', max_length=20, verbose_name='办理方式'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='online_depth',
            field=models.CharField(blank=True, choices=[('none', '不能网上办理'), ('info', '网上查询、下载表格'), ('apply', '网上申请，现场核验'), ('full', '全程网办')], help_text='不能网上办也要选“不能网上办理”；不填则页面显示“未填写”。', max_length=10, verbose_name='网上办理'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='visits',
            field=models.PositiveSmallIntegerField(blank=True, help_text='0 表示不用到现场；不填则页面显示“待公布”。', null=True, verbose_name='到现场次数'),
        ),
        migrations.AddConstraint(
            model_name='serviceitem',
            constraint=models.CheckConstraint(condition=models.Q(('online_depth__in', ['', 'none', 'info']), models.Q(('online_url', ''), _negated=True), _connector='OR'), name='item_online_has_url', violation_error_message='可以网上申请的事项必须填写网办地址。'),
        ),
    ]
