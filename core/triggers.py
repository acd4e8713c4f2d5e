"""The database triggers that keep the audit trail append-only, on SQLite and PostgreSQL alike.

Events can only be inserted; the chain head can only move forward, to an event that exists.
Whoever holds the database can still drop these triggers: `verify_audit --checkpoint` catches
what they could then do (see `core.audit`).
"""

from __future__ import annotations

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only (UPDATE refused)'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, 'core_auditevent is append-only (DELETE refused)'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditchainhead_forward_only
    BEFORE UPDATE ON core_auditchainhead
    WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq
        OR (NEW.seq = OLD.seq AND NEW.last_hash <> OLD.last_hash)
        OR (NEW.seq > OLD.seq AND NOT EXISTS (
            SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.last_hash))
    BEGIN SELECT RAISE(ABORT, 'core_auditchainhead only moves forward (UPDATE refused)'); END""",
    """CREATE TRIGGER IF NOT EXISTS core_auditchainhead_no_delete
    BEFORE DELETE ON core_auditchainhead
    BEGIN SELECT RAISE(ABORT, 'core_auditchainhead only moves forward (DELETE refused)'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS core_auditchainhead_forward_only",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete",
]

# The event table's PostgreSQL trigger is older (migration 0002); this adds the head's.
POSTGRESQL_HEAD_CREATE = """
CREATE OR REPLACE FUNCTION core_auditchainhead_forward_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.seq < OLD.seq
        OR (NEW.seq = OLD.seq AND NEW.last_hash <> OLD.last_hash)
        OR (NEW.seq > OLD.seq AND NOT EXISTS (
            SELECT 1 FROM core_auditevent WHERE seq = NEW.seq AND hash = NEW.last_hash))
    THEN
        RAISE EXCEPTION 'core_auditchainhead only moves forward (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditchainhead_forward_only ON core_auditchainhead;
CREATE TRIGGER core_auditchainhead_forward_only
    BEFORE UPDATE OR DELETE ON core_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION core_auditchainhead_forward_only();
"""

POSTGRESQL_HEAD_DROP = """
DROP TRIGGER IF EXISTS core_auditchainhead_forward_only ON core_auditchainhead;
DROP FUNCTION IF EXISTS core_auditchainhead_forward_only();
"""

AUDIT_TABLES = frozenset({"core_auditevent", "core_auditchainhead"})
