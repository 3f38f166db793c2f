package postgres

import "testing"

// TestRebind: ? becomes $1, $2, … in order on PostgreSQL, except inside
// string literals, quoted names and comments, where it is text.
func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`: `SELECT 1`,
		`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`:              `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`,
		`UPDATE t SET x = '?', y = ? WHERE z = 'it''s?' AND w = ?`: `UPDATE t SET x = '?', y = $1 WHERE z = 'it''s?' AND w = $2`,
		`SELECT "odd?name" FROM t WHERE a = ?`:                     `SELECT "odd?name" FROM t WHERE a = $1`,
		"SELECT a -- why? because\nFROM t WHERE b = ?":             "SELECT a -- why? because\nFROM t WHERE b = $1",
		`INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?,?)`:             `INSERT INTO t VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
	} {
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}
