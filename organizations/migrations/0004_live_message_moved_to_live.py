# LiveMessage now belongs to the `live` app, which keeps its table: only Django's state changes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0003_drop_plain_api_tokens"),
        ("live", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="LiveMessage")],
            database_operations=[],
        ),
    ]
