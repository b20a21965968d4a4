-- Who created a snapshot is found by its id, not by reading the newest
-- records; and every write a page's annotations come from is a change, so
-- a replica's cache of them is dropped when the feed moves.
CREATE INDEX activity_snapshot ON activity (snapshot_id, action);
CREATE INDEX activity_server_action ON activity (server_id, action, at DESC);

CREATE TRIGGER pin_changed AFTER INSERT OR UPDATE OR DELETE ON pins FOR EACH ROW EXECUTE FUNCTION snapdash_changed('mark');
CREATE TRIGGER note_changed AFTER INSERT OR UPDATE OR DELETE ON notes FOR EACH ROW EXECUTE FUNCTION snapdash_changed('mark');
CREATE TRIGGER restore_removed AFTER DELETE ON restores FOR EACH ROW EXECUTE FUNCTION snapdash_changed('restore');
