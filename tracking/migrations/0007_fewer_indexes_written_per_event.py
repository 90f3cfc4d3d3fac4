"""Fewer indexes written per stored event (see ``TrackingEvent.Meta.indexes``) and per
timeline entry (its shipment's index duplicated the timeline index).

The partial indexes are built first and without blocking writes (``CONCURRENTLY``, so
the migration is not atomic); the indexes they replace and those another index already
covers are dropped after, concurrently too. Django's own way of dropping a foreign key's
index would also drop and re-add the key itself, checking every stored event again under
a lock; only the indexes change here, so the database side is plain SQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


# The indexes Django named for the foreign keys, by the field they index.
DROPPED = {
    "posted_by": "tracking_trackingevent_posted_by_id_7f7856dc",
    "location": "tracking_trackingevent_location_id_458e8c11",
    "member": "tracking_trackingevent_member_id_e0231128",
    "shipment": "tracking_trackingevent_shipment_id_d95ac563",
    "trip": "tracking_trackingevent_trip_id_55611d66",
}
TARGETS = {
    "posted_by": (settings.AUTH_USER_MODEL, "posted by"),
    "location": ("scheduling.location", "place"),
    "member": ("alliance.member", "posted by member"),
    "shipment": ("orders.shipment", "shipment"),
    "trip": ("scheduling.trip", "trip"),
}


def _unindexed(to: str, verbose_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=to,
        verbose_name=verbose_name,
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("alliance", "0002_user_language_optional_and_time_zone"),
        ("orders", "0002_labels"),
        ("scheduling", "0002_field_level_messages"),
        ("tracking", "0006_event_scope_function"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="trackingevent",
            index=models.Index(
                condition=models.Q(("posted_by__isnull", False)),
                fields=["posted_by"],
                name="tracking_event_posted_by_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="trackingevent",
            index=models.Index(
                condition=models.Q(("location__isnull", False)),
                fields=["location"],
                name="tracking_event_location_idx",
            ),
        ),
        *(
            migrations.SeparateDatabaseAndState(
                state_operations=[
                    migrations.AlterField(
                        model_name="trackingevent", name=field, field=_unindexed(*TARGETS[field])
                    )
                ],
                database_operations=[
                    migrations.RunSQL(
                        f'DROP INDEX CONCURRENTLY IF EXISTS "{index}"',
                        reverse_sql=(
                            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" '
                            f'ON "tracking_trackingevent" ("{field}_id")'
                        ),
                    )
                ],
            )
            for field, index in DROPPED.items()
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="timelineentry",
                    name="shipment",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="timeline",
                        to="orders.shipment",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX CONCURRENTLY IF EXISTS "tracking_timelineentry_shipment_id_e769c549"',
                    reverse_sql=(
                        'CREATE INDEX CONCURRENTLY IF NOT EXISTS '
                        '"tracking_timelineentry_shipment_id_e769c549" '
                        'ON "tracking_timelineentry" ("shipment_id")'
                    ),
                )
            ],
        ),
    ]
