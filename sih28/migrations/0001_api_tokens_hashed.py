"""API tokens move from DRF's ``authtoken`` table (keys in plain text) to django-rest-knox's
(a SHA-512 digest only). Each old key becomes a knox token with the same value, so clients
keep working until it expires (``API_TOKEN_TTL_HOURS`` from now), and the plain-text rows
are deleted. On a database that never had DRF's table this does nothing."""

from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS, knox_settings

OLD_TABLE = "authtoken_token"


def hash_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    table = connection.ops.quote_name(OLD_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {table}")  # noqa: S608 - a constant name
        old = cursor.fetchall()
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    AuthToken.objects.bulk_create(
        AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        for key, user_id in old
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant name


class Migration(migrations.Migration):
    dependencies = [
        ("academics", "0001_initial"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop)]
