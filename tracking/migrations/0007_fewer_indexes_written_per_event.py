"""Fewer indexes written per stored event (see ``TrackingEvent.Meta.indexes``) and per
timeline entry (its shipment's index duplicated the timeline index).

The partial indexes are built first and without blocking writes (``CONCURRENTLY``, so
the migration is not atomic); the indexes they replace and those another index already
covers are dropped after, concurrently too. Every statement may run twice (``IF [NOT]
EXISTS``), so a migration stopped half-way runs again; a ``CREATE INDEX CONCURRENTLY``
that was interrupted leaves an invalid index, to be dropped by hand before that. Django's own way of dropping a foreign key's
index would also drop and re-add the key itself, checking every stored event again under
a lock; only the indexes change here, so the database side is plain SQL.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _indexed_where_set(field: str):
    """An index of the rows where the field is set; ``IF NOT EXISTS`` so that the
    migration, which is not atomic, can run again after failing half-way."""
    name = f"tracking_event_{field}_idx"
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AddIndex(
                model_name="trackingevent",
                index=models.Index(
                    condition=models.Q((f"{field}__isnull", False)),
                    fields=[field],
                    name=name,
                ),
            )
        ],
        database_operations=[
            migrations.RunSQL(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" '
                f'ON "tracking_trackingevent" ("{field}_id") WHERE "{field}_id" IS NOT NULL',
                reverse_sql=f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"',
            )
        ],
    )


def _index_dropped(model: str, field: str, index: str, unindexed: models.ForeignKey):
    """The field's own index dropped, the key itself left alone."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model, name=field, field=unindexed)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX CONCURRENTLY IF EXISTS "{index}"',
                reverse_sql=(
                    f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{index}" '
                    f'ON "tracking_{model}" ("{field}_id")'
                ),
            )
        ],
    )


def _event_key(to: str, verbose_name: str) -> models.ForeignKey:
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
        _indexed_where_set("posted_by"),
        _indexed_where_set("location"),
        # The indexes Django named for the foreign keys.
        _index_dropped(
            "trackingevent",
            "posted_by",
            "tracking_trackingevent_posted_by_id_7f7856dc",
            _event_key(settings.AUTH_USER_MODEL, "posted by"),
        ),
        _index_dropped(
            "trackingevent",
            "location",
            "tracking_trackingevent_location_id_458e8c11",
            _event_key("scheduling.location", "place"),
        ),
        _index_dropped(
            "trackingevent",
            "member",
            "tracking_trackingevent_member_id_e0231128",
            _event_key("alliance.member", "posted by member"),
        ),
        _index_dropped(
            "trackingevent",
            "shipment",
            "tracking_trackingevent_shipment_id_d95ac563",
            _event_key("orders.shipment", "shipment"),
        ),
        _index_dropped(
            "trackingevent",
            "trip",
            "tracking_trackingevent_trip_id_55611d66",
            _event_key("scheduling.trip", "trip"),
        ),
        _index_dropped(
            "timelineentry",
            "shipment",
            "tracking_timelineentry_shipment_id_e769c549",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="timeline",
                to="orders.shipment",
            ),
        ),
    ]
