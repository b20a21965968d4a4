CREATE TABLE restores (
    id               BIGSERIAL PRIMARY KEY,
    activity_id      BIGINT NOT NULL,
    actor            TEXT NOT NULL,
    server_id        BIGINT NOT NULL,
    server_name      TEXT NOT NULL,
    snapshot_id      BIGINT NOT NULL,
    snapshot_name    TEXT NOT NULL,
    safety_name      TEXT NOT NULL,
    safety_id        BIGINT NOT NULL DEFAULT 0,
    delete_id        BIGINT NOT NULL DEFAULT 0,
    delete_name      TEXT NOT NULL DEFAULT '',
    step             TEXT NOT NULL,
    state            TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '',
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    started_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    safety_done_at   BIGINT NOT NULL DEFAULT 0,
    restore_sent_at  BIGINT NOT NULL DEFAULT 0,
    finished_at      BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX restores_one_running_per_server ON restores (server_id) WHERE state = 'running';
CREATE INDEX restores_activity_id ON restores (activity_id);
