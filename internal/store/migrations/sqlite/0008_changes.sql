-- The change feed: every action, job step and outcome Snapdash writes about
-- a server, in order. Pages ask for what changed since the last one they
-- saw on their servers, from any replica: no call to VPS.org.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id INTEGER NOT NULL,
    what TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX changes_server ON changes (server_id, id);

-- Written by the database itself, in the transaction of each write.
CREATE TRIGGER activity_added AFTER INSERT ON activity WHEN NEW.server_id <> 0 BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'activity', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER activity_changed AFTER UPDATE ON activity WHEN NEW.server_id <> 0 BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'activity', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER restore_added AFTER INSERT ON restores BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'restore', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER restore_changed AFTER UPDATE ON restores BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'restore', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER bulk_item_added AFTER INSERT ON bulk_items BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'bulk', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER bulk_item_changed AFTER UPDATE ON bulk_items BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'bulk', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER bulk_ended AFTER UPDATE ON bulk_deletes BEGIN
    INSERT INTO changes (server_id, what, at)
        SELECT DISTINCT server_id, 'bulk', CAST(unixepoch('subsec') * 1000 AS INTEGER) FROM bulk_items WHERE bulk_id = NEW.id;
END;
CREATE TRIGGER schedule_added AFTER INSERT ON schedules BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'schedule', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER schedule_changed AFTER UPDATE ON schedules BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'schedule', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER schedule_deleted AFTER DELETE ON schedules BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (OLD.server_id, 'schedule', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER run_added AFTER INSERT ON schedule_runs BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'schedule', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER run_changed AFTER UPDATE ON schedule_runs BEGIN
    INSERT INTO changes (server_id, what, at) VALUES (NEW.server_id, 'schedule', CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
