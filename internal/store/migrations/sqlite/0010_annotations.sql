-- Who created a snapshot is found by its id, not by reading the newest
-- records; and every write a page's annotations come from is a change, so
-- a replica's cache of them is dropped when the feed moves.
CREATE INDEX activity_snapshot ON activity (snapshot_id, action);
CREATE INDEX activity_server_action ON activity (server_id, action, at DESC);

CREATE TRIGGER pin_added AFTER INSERT ON pins BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER pin_changed AFTER UPDATE ON pins BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER pin_removed AFTER DELETE ON pins BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (OLD.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER note_added AFTER INSERT ON notes BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER note_changed AFTER UPDATE ON notes BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER note_removed AFTER DELETE ON notes BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (OLD.server_id, 'mark', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER restore_removed AFTER DELETE ON restores BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (OLD.server_id, 'restore', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
