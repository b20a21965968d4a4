CREATE TABLE schedules (
    id             BIGSERIAL PRIMARY KEY,
    server_id      BIGINT NOT NULL UNIQUE,
    server_name    TEXT NOT NULL,
    every          TEXT NOT NULL,
    hours          BIGINT NOT NULL DEFAULT 0,
    minute         BIGINT NOT NULL DEFAULT 0,
    weekday        BIGINT NOT NULL DEFAULT 0,
    keep           BIGINT NOT NULL CHECK (keep BETWEEN 1 AND 4),
    skip_restoring BIGINT NOT NULL DEFAULT 1,
    paused         BIGINT NOT NULL DEFAULT 0,
    paused_why     TEXT NOT NULL DEFAULT '',
    next_run       BIGINT NOT NULL,
    last_run       BIGINT NOT NULL DEFAULT 0,
    last_outcome   TEXT NOT NULL DEFAULT '',
    last_detail    TEXT NOT NULL DEFAULT '',
    updated_by     TEXT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE schedule_runs (
    id            BIGSERIAL PRIMARY KEY,
    schedule_id   BIGINT NOT NULL,
    server_id     BIGINT NOT NULL,
    server_name   TEXT NOT NULL,
    activity_id   BIGINT NOT NULL DEFAULT 0,
    slot          BIGINT NOT NULL,
    manual        BIGINT NOT NULL DEFAULT 0,
    actor         TEXT NOT NULL DEFAULT '',
    step          TEXT NOT NULL,
    state         TEXT NOT NULL,
    snapshot_id   BIGINT NOT NULL DEFAULT 0,
    snapshot_name TEXT NOT NULL DEFAULT '',
    delete_id     BIGINT NOT NULL DEFAULT 0,
    deleted       TEXT NOT NULL DEFAULT '',
    detail        TEXT NOT NULL DEFAULT '',
    started_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    finished_at   BIGINT NOT NULL DEFAULT 0,
    UNIQUE (schedule_id, slot)
);
-- One run of a schedule at a time, whichever replica starts it.
CREATE UNIQUE INDEX schedule_runs_one_running ON schedule_runs (schedule_id) WHERE state = 'running';

CREATE TABLE schedule_snapshots (
    snapshot_id BIGINT PRIMARY KEY,
    schedule_id BIGINT NOT NULL,
    server_id   BIGINT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX schedule_snapshots_schedule ON schedule_snapshots (schedule_id, created_at);
