"""帮代办, 上门办, 错时办 and 容缺受理 may be unsaid (NULL), shown as 未说明 rather than a default 不提供.

Existing rows keep their True/False (a stored False cannot be told from the
old default); rows created from now on without them are unsaid.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0008_unfilled_facts_stay_unfilled'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='deferral_allowed',
            field=models.BooleanField(blank=True, help_text='次要材料缺少时，签署承诺书后先受理。不选则页面显示“未说明”。', null=True, verbose_name='可容缺受理'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='home_visit_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供上门办'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='locker_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供错时办（自助柜）'),
        ),
        migrations.AlterField(
            model_name='historicalserviceitem',
            name='proxy_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供帮代办'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='deferral_allowed',
            field=models.BooleanField(blank=True, help_text='次要材料缺少时，签署承诺书后先受理。不选则页面显示“未说明”。', null=True, verbose_name='可容缺受理'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='home_visit_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供上门办'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='locker_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供错时办（自助柜）'),
        ),
        migrations.AlterField(
            model_name='serviceitem',
            name='proxy_offered',
            field=models.BooleanField(blank=True, help_text='不选则页面显示“未说明”。', null=True, verbose_name='提供帮代办'),
        ),
    ]
