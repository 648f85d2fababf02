from django.db import migrations, models

import mentorcircle.groupsessions.models


class Migration(migrations.Migration):
    dependencies = [("groupsessions", "0003_own_room_and_join_token")]

    operations = [
        migrations.AlterField(
            model_name="participant",
            name="join_token",
            field=models.CharField(
                default=mentorcircle.groupsessions.models.new_join_token,
                editable=False,
                max_length=64,
                unique=True,
            ),
        ),
    ]
