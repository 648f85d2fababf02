"""The table of the database cache (CACHE_BACKEND=database), where the sign-in rate limits are
counted. Created whatever the cache setting, so switching to it later needs no extra step."""

from django.core.management import call_command
from django.db import migrations

TABLE = "mentorcircle_cache"


def create_table(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_table, drop_table)]
