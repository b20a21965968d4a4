-- What Snapdash last saw of a server at VPS.org (its status, its snapshots
-- as VPS.org listed them), written by the job that follows work on it:
-- while work runs, pages are answered from here, not from VPS.org.
CREATE TABLE server_views (
    server_id INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT '',
    snapshots TEXT NOT NULL DEFAULT '',
    read_at INTEGER NOT NULL
);
CREATE TRIGGER server_view_added AFTER INSERT ON server_views BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'snapshots', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER server_view_changed AFTER UPDATE ON server_views
    WHEN OLD.status IS NOT NEW.status OR OLD.snapshots IS NOT NEW.snapshots BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'snapshots', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
