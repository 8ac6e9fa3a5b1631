from django.core.management import call_command
from django.db import migrations


def cache_table_create(apps, schema_editor):
    """The database cache's table (settings.CACHES without REDIS_URL): the login rate limits live there.

    createcachetable creates only what is missing and does nothing for a Redis cache.
    """
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_user_unread_notifications")]

    operations = [migrations.RunPython(cache_table_create, migrations.RunPython.noop, elidable=False)]
