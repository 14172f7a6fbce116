# LiveMessage moves here from `organizations`: the table and its rows stay as they are.

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("organizations", "0003_drop_plain_api_tokens"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="LiveMessage",
                    fields=[
                        ("id", models.BigAutoField(primary_key=True, serialize=False)),
                        ("type", models.CharField(max_length=64)),
                        (
                            "payload",
                            models.JSONField(
                                default=dict,
                                encoder=django.core.serializers.json.DjangoJSONEncoder,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="live_messages",
                                to="organizations.organization",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "organizations_livemessage",
                        "ordering": ["id"],
                        "indexes": [
                            models.Index(
                                fields=["organization", "id"], name="live_message_org_id_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
