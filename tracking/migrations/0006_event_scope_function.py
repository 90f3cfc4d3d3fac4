"""The poster's scope of an event post, as a database function planned once per connection.

``tracking.validation.load_scope`` runs this on every event post. As a plain prepared
statement PostgreSQL kept planning it afresh on each run (its custom plans looked cheaper
than the generic one, yet making one cost several times running it); inside a PL/pgSQL
function with ``plan_cache_mode = force_generic_plan`` it is planned once per connection.
The generic plan only needs indexes: arrays of ids are looked up with ``= ANY``, and who
may carry a booked shipment is checked per shipment, so no branch scans a whole table.
"""

from django.db import migrations

SCOPE_FUNCTION = """
CREATE OR REPLACE FUNCTION tracking_event_scope(
    p_trip_ids bigint[], p_staff boolean, p_member bigint,
    p_numbers text[], p_codes text[], p_location_ids bigint[])
RETURNS TABLE (scope_kind text, scope_id bigint, scope_created timestamptz,
               scope_text text, scope_number bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
RETURN QUERY
WITH
  allowed_trip AS (
    SELECT t.id, t.created_at FROM scheduling_trip t
     WHERE t.id = ANY(p_trip_ids)
       AND (p_staff OR EXISTS (SELECT 1 FROM scheduling_line_carriers c
                                WHERE c.line_id = t.line_id AND c.member_id = p_member))),
  allowed_shipment AS (
    SELECT s.id, s.tracking_number, s.created_at, b.trip_id, o.origin_id, o.destination_id
      FROM orders_shipment s
      JOIN orders_order o ON o.id = s.order_id
      LEFT JOIN scheduling_booking b ON b.id = s.booking_id
     WHERE s.tracking_number = ANY(p_numbers)
       AND (p_staff OR o.member_id = p_member
            OR EXISTS (SELECT 1 FROM scheduling_trip bt
                         JOIN scheduling_line_carriers c ON c.line_id = bt.line_id
                        WHERE bt.id = b.trip_id AND c.member_id = p_member))),
  stop_trip AS (
    SELECT id FROM allowed_trip
     UNION SELECT trip_id FROM allowed_shipment WHERE trip_id IS NOT NULL)
SELECT 'trip'::text, a.id, a.created_at, NULL::text, NULL::bigint FROM allowed_trip a
UNION ALL
SELECT 'shipment', a.id, a.created_at, a.tracking_number::text, a.trip_id FROM allowed_shipment a
UNION ALL
SELECT 'end', a.id, NULL, a.tracking_number::text, unnest(ARRAY[a.origin_id, a.destination_id])
  FROM allowed_shipment a WHERE a.trip_id IS NULL
UNION ALL
SELECT 'place', l.id, NULL, l.unlocode::text, NULL FROM scheduling_location l
 WHERE l.unlocode = ANY(p_codes) OR l.id = ANY(p_location_ids)
UNION ALL
SELECT 'stop_trip', t.id, t.created_at, NULL, NULL FROM scheduling_trip t
 WHERE t.id = ANY(ARRAY(SELECT id FROM stop_trip))
UNION ALL
SELECT 'stop', s.trip_id, NULL, s.location_id::text, s.sequence::bigint
  FROM scheduling_tripstop s
 WHERE s.trip_id = ANY(ARRAY(SELECT id FROM stop_trip));
END
$$
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0005_notification_indexes"),
        ("scheduling", "0002_field_level_messages"),
        ("orders", "0002_labels"),
    ]

    operations = [
        migrations.RunSQL(
            SCOPE_FUNCTION,
            reverse_sql=(
                "DROP FUNCTION tracking_event_scope(bigint[], boolean, bigint, text[], text[], "
                "bigint[])"
            ),
        ),
    ]
