# Each existing session gets its own room and each participant its own join token (in its own
# transaction: PostgreSQL refuses to change a table's schema while row updates are pending).

from django.db import migrations

import mentorcircle.groupsessions.models


def give_each_row_its_own_secret(apps, schema_editor):
    """Rows that existed before share the one default value computed for them: replace it."""
    GroupSession = apps.get_model("groupsessions", "GroupSession")
    Participant = apps.get_model("groupsessions", "Participant")
    for session in GroupSession.objects.only("pk").iterator():
        GroupSession.objects.filter(pk=session.pk).update(
            room_name=mentorcircle.groupsessions.models.new_room_name()
        )
    for participant in Participant.objects.only("pk").iterator():
        Participant.objects.filter(pk=participant.pk).update(
            join_token=mentorcircle.groupsessions.models.new_join_token()
        )


class Migration(migrations.Migration):
    dependencies = [("groupsessions", "0002_video_attendance_feedback")]

    operations = [migrations.RunPython(give_each_row_its_own_secret, migrations.RunPython.noop)]
