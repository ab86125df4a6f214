package runtime

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // the embedded default database
)

// openDB opens the SQLite database at path (WAL, one writer: every
// transaction of the program runs in turn) and makes the program's tables.
func openDB(ctx context.Context, path string, tables []*Table) (*sql.DB, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(on)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %v", path, err)
	}
	for _, t := range tables {
		if err := makeTable(ctx, db, t); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// quote quotes an identifier for SQL.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// makeTable creates t, or checks that the table already there has t's
// columns (a program whose tables changed needs a new database).
func makeTable(ctx context.Context, db *sql.DB, t *Table) error {
	cols := []string{`"_id" INTEGER PRIMARY KEY`}
	for _, c := range t.Columns {
		def := quote(c.Name) + " " + c.Kind.sql()
		if !c.Null {
			def += " NOT NULL"
		}
		cols = append(cols, def)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+quote(t.Name)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return fmt.Errorf("create table %s: %v", t.Name, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT name, type FROM pragma_table_info(?)", t.Name)
	if err != nil {
		return fmt.Errorf("table %s: %v", t.Name, err)
	}
	defer rows.Close()
	var have []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return err
		}
		have = append(have, name+" "+typ)
	}
	want := []string{"_id INTEGER"}
	for _, c := range t.Columns {
		want = append(want, c.Name+" "+c.Kind.sql())
	}
	if strings.Join(have, ", ") != strings.Join(want, ", ") {
		return fmt.Errorf("table %s in the database has columns (%s), but the program declares (%s): use another --db, or drop the table",
			t.Name, strings.Join(have, ", "), strings.Join(want, ", "))
	}
	return rows.Err()
}

// forget deletes the rows that hold any of the clients or channels given
// (all of them when all is set: the clients of a previous run) and sets
// option columns that hold one to none, in tx.
func forget(ctx context.Context, tx *sql.Tx, tables []*Table, all bool, clients, chans []int64) error {
	for _, t := range tables {
		for _, c := range t.Columns {
			var ids []int64
			switch c.Kind {
			case KindClient:
				ids = clients
			case KindChannel:
				ids = chans
			default:
				continue
			}
			var cond string
			var args []any
			switch {
			case all:
				cond = quote(c.Name) + " IS NOT NULL"
			case len(ids) == 0:
				continue
			default:
				cond = quote(c.Name) + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + ")"
				for _, id := range ids {
					args = append(args, id)
				}
			}
			stmt := "DELETE FROM " + quote(t.Name) + " WHERE " + cond
			if c.Null {
				stmt = "UPDATE " + quote(t.Name) + " SET " + quote(c.Name) + " = NULL WHERE " + cond
			}
			if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
				return fmt.Errorf("collect in table %s: %v", t.Name, err)
			}
		}
	}
	return nil
}
