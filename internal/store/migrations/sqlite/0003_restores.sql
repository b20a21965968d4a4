CREATE TABLE restores (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id      INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    server_id        INTEGER NOT NULL,
    server_name      TEXT NOT NULL,
    snapshot_id      INTEGER NOT NULL,
    snapshot_name    TEXT NOT NULL,
    safety_name      TEXT NOT NULL,
    safety_id        INTEGER NOT NULL DEFAULT 0,
    delete_id        INTEGER NOT NULL DEFAULT 0,
    delete_name      TEXT NOT NULL DEFAULT '',
    step             TEXT NOT NULL,
    state            TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '',
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    safety_done_at   INTEGER NOT NULL DEFAULT 0,
    restore_sent_at  INTEGER NOT NULL DEFAULT 0,
    finished_at      INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX restores_one_running_per_server ON restores (server_id) WHERE state = 'running';
CREATE INDEX restores_activity_id ON restores (activity_id);
