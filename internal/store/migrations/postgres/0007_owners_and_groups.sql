-- A bulk delete belongs to a session's identity and token (a hash of both),
-- not to the actor's words, which two tokens ending alike share.
ALTER TABLE bulk_deletes ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX bulk_deletes_owner ON bulk_deletes (owner, id);

-- The SSO groups of the person who started a restore or bulk delete
-- (comma-separated): a step that deletes or restores checks the roles again.
ALTER TABLE restores ADD COLUMN groups_csv TEXT NOT NULL DEFAULT '';
ALTER TABLE bulk_deletes ADD COLUMN groups_csv TEXT NOT NULL DEFAULT '';

-- What a schedule's runs say in a row (failed or skipped again and again),
-- shown in red until a run completes or a person resumes or changes it.
ALTER TABLE schedules ADD COLUMN alert TEXT NOT NULL DEFAULT '';

-- A job of the restores' steps may make room and take a person's new
-- snapshot, without restoring: kind 'create', the new snapshot's name in
-- safety_name and its description here.
ALTER TABLE restores ADD COLUMN kind TEXT NOT NULL DEFAULT 'restore';
ALTER TABLE restores ADD COLUMN description TEXT NOT NULL DEFAULT '';
