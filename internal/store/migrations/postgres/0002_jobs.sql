ALTER TABLE activity ADD COLUMN final TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN final_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE activity ADD COLUMN finished_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE job_tokens (
    key         TEXT PRIMARY KEY,
    session_id  TEXT NOT NULL,
    activity_id BIGINT NOT NULL,
    job_id      BIGINT NOT NULL DEFAULT 0,
    data        BYTEA NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX job_tokens_session_id ON job_tokens (session_id);
