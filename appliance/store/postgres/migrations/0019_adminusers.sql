-- PostgreSQL port of migrations/0019_adminusers.sql (same version):
-- INTEGER is BIGINT.
-- Web administration of clerks (issue 15 §2): an administrator may
-- disable a clerk, who then cannot sign in (locally or through a
-- directory) until enabled again (0 = active). The audit-log viewer reads
-- the newest entries first, filtered by time; the clerks list finds the
-- directory that provisioned a clerk by its audit actions.
ALTER TABLE clerks ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS audit_by_at ON audit (at);
CREATE INDEX IF NOT EXISTS audit_by_action ON audit (action, actor);
