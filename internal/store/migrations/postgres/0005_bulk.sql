CREATE TABLE bulk_deletes (
    id          BIGSERIAL PRIMARY KEY,
    actor       TEXT NOT NULL,
    done        BIGINT NOT NULL DEFAULT 0,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX bulk_deletes_actor ON bulk_deletes (actor, id);

CREATE TABLE bulk_items (
    bulk_id       BIGINT NOT NULL,
    snapshot_id   BIGINT NOT NULL,
    server_id     BIGINT NOT NULL,
    server_name   TEXT NOT NULL,
    snapshot_name TEXT NOT NULL,
    state         TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (bulk_id, snapshot_id)
);

ALTER TABLE job_tokens ADD COLUMN bulk_id BIGINT NOT NULL DEFAULT 0;
