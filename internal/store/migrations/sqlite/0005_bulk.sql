CREATE TABLE bulk_deletes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor       TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bulk_deletes_actor ON bulk_deletes (actor, id);

CREATE TABLE bulk_items (
    bulk_id       INTEGER NOT NULL,
    snapshot_id   INTEGER NOT NULL,
    server_id     INTEGER NOT NULL,
    server_name   TEXT NOT NULL,
    snapshot_name TEXT NOT NULL,
    state         TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bulk_id, snapshot_id)
);

ALTER TABLE job_tokens ADD COLUMN bulk_id INTEGER NOT NULL DEFAULT 0;
