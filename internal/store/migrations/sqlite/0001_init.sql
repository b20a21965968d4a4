CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE activity (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    server_id     INTEGER NOT NULL,
    server_name   TEXT NOT NULL,
    snapshot_id   INTEGER NOT NULL,
    snapshot_name TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    detail        TEXT NOT NULL
);
CREATE INDEX activity_at ON activity (at DESC, id DESC);

CREATE TABLE form_claims (
    key        TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
