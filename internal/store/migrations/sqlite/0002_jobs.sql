ALTER TABLE activity ADD COLUMN final TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN final_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN finished_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE job_tokens (
    key         TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    activity_id INTEGER NOT NULL,
    job_id      INTEGER NOT NULL DEFAULT 0,
    data        BLOB NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX job_tokens_session_id ON job_tokens (session_id);
