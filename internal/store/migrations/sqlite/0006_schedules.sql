CREATE TABLE schedules (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id      INTEGER NOT NULL UNIQUE,
    server_name    TEXT NOT NULL,
    every          TEXT NOT NULL,
    hours          INTEGER NOT NULL DEFAULT 0,
    minute         INTEGER NOT NULL DEFAULT 0,
    weekday        INTEGER NOT NULL DEFAULT 0,
    keep           INTEGER NOT NULL CHECK (keep BETWEEN 1 AND 4),
    skip_restoring INTEGER NOT NULL DEFAULT 1,
    paused         INTEGER NOT NULL DEFAULT 0,
    paused_why     TEXT NOT NULL DEFAULT '',
    next_run       INTEGER NOT NULL,
    last_run       INTEGER NOT NULL DEFAULT 0,
    last_outcome   TEXT NOT NULL DEFAULT '',
    last_detail    TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE schedule_runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id   INTEGER NOT NULL,
    server_id     INTEGER NOT NULL,
    server_name   TEXT NOT NULL,
    activity_id   INTEGER NOT NULL DEFAULT 0,
    slot          INTEGER NOT NULL,
    manual        INTEGER NOT NULL DEFAULT 0,
    actor         TEXT NOT NULL DEFAULT '',
    step          TEXT NOT NULL,
    state         TEXT NOT NULL,
    snapshot_id   INTEGER NOT NULL DEFAULT 0,
    snapshot_name TEXT NOT NULL DEFAULT '',
    delete_id     INTEGER NOT NULL DEFAULT 0,
    deleted       TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    started_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    finished_at   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (schedule_id, slot)
);
-- One run of a schedule at a time, whichever replica starts it.
CREATE UNIQUE INDEX schedule_runs_one_running ON schedule_runs (schedule_id) WHERE state = 'running';

CREATE TABLE schedule_snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL,
    server_id   INTEGER NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX schedule_snapshots_schedule ON schedule_snapshots (schedule_id, created_at);
