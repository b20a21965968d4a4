-- The change feed: every action, job step and outcome Snapdash writes about
-- a server, in order. Pages ask for what changed since the last one they
-- saw on their servers, from any replica: no call to VPS.org.
CREATE TABLE changes (
    id BIGSERIAL PRIMARY KEY,
    server_id BIGINT NOT NULL,
    what TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX changes_server ON changes (server_id, id);

-- Written by the database itself, in the transaction of each write.
CREATE FUNCTION snapdash_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO changes (server_id, what, at) VALUES (OLD.server_id, TG_ARGV[0], (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
    ELSIF NEW.server_id <> 0 THEN
        INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, TG_ARGV[0], (extract(epoch FROM clock_timestamp()) * 1000)::bigint);
    END IF;
    RETURN NULL;
END $$;
CREATE FUNCTION snapdash_bulk_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO changes (server_id, what, at)
        SELECT DISTINCT server_id, 'bulk', (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM bulk_items WHERE bulk_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_changed AFTER INSERT OR UPDATE ON activity FOR EACH ROW EXECUTE FUNCTION snapdash_changed('activity');
CREATE TRIGGER restore_changed AFTER INSERT OR UPDATE ON restores FOR EACH ROW EXECUTE FUNCTION snapdash_changed('restore');
CREATE TRIGGER bulk_item_changed AFTER INSERT OR UPDATE ON bulk_items FOR EACH ROW EXECUTE FUNCTION snapdash_changed('bulk');
CREATE TRIGGER bulk_ended AFTER UPDATE ON bulk_deletes FOR EACH ROW EXECUTE FUNCTION snapdash_bulk_ended();
CREATE TRIGGER schedule_changed AFTER INSERT OR UPDATE OR DELETE ON schedules FOR EACH ROW EXECUTE FUNCTION snapdash_changed('schedule');
CREATE TRIGGER run_changed AFTER INSERT OR UPDATE ON schedule_runs FOR EACH ROW EXECUTE FUNCTION snapdash_changed('schedule');
