-- The audit log's filters (`GET /api/v1/audit/events?aggregate_type=&from=&until=`): one stream
-- type in position order, and a range of commit times, without reading the whole log.
CREATE INDEX events_type_position ON events (aggregate_type, position);
CREATE INDEX events_recorded_at ON events (recorded_at);
