"""An office's floor may be unfilled (NULL, printed 楼层未填写) instead of defaulting to 1楼.

Existing rows keep their floor (a stored 1 cannot be told from the old default).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0010_remove_undated_whereabouts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicaloffice',
            name='floor',
            field=models.SmallIntegerField(blank=True, help_text='地下一层写 -1；不填则页面显示“楼层未填写”。', null=True, verbose_name='楼层'),
        ),
        migrations.AlterField(
            model_name='office',
            name='floor',
            field=models.SmallIntegerField(blank=True, help_text='地下一层写 -1；不填则页面显示“楼层未填写”。', null=True, verbose_name='楼层'),
        ),
    ]
