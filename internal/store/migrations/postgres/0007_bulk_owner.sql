-- A bulk delete belongs to a session's identity and token (a hash of both),
-- not to the actor's words, which two tokens ending alike share.
ALTER TABLE bulk_deletes ADD COLUMN owner TEXT NOT NULL DEFAULT '';
CREATE INDEX bulk_deletes_owner ON bulk_deletes (owner, id);
