CREATE TABLE pins (
    snapshot_id BIGINT PRIMARY KEY,
    server_id   BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX pins_server_id ON pins (server_id);

CREATE TABLE notes (
    snapshot_id BIGINT PRIMARY KEY,
    server_id   BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    text        TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX notes_server_id ON notes (server_id);
