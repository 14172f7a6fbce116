"""API tokens moved to knox (hashed, expiring): the old plain-text keys are dropped, not moved.

Their keys were stored in clear and never expired; their holders ask for a new token.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("organizations", "0002_live_message")]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop
        ),
    ]
