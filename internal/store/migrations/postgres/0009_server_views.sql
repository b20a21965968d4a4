-- What Snapdash last saw of a server at VPS.org (its status, its snapshots
-- as VPS.org listed them), written by the job that follows work on it:
-- while work runs, pages are answered from here, not from VPS.org.
CREATE TABLE server_views (
    server_id BIGINT PRIMARY KEY,
    status TEXT NOT NULL DEFAULT '',
    snapshots TEXT NOT NULL DEFAULT '',
    read_at BIGINT NOT NULL
);
CREATE TRIGGER server_view_added AFTER INSERT ON server_views FOR EACH ROW EXECUTE FUNCTION snapdash_changed('snapshots');
CREATE TRIGGER server_view_changed AFTER UPDATE ON server_views FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.snapshots IS DISTINCT FROM NEW.snapshots)
    EXECUTE FUNCTION snapdash_changed('snapshots');
