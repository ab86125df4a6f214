package runtime

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // PostgreSQL, for --db postgres://…
	"modernc.org/sqlite"             // the embedded default database
)

// database is the program's database: SQLite (a file; the default) or
// PostgreSQL (--db postgres://…). Generated SQL is written once, with ?
// placeholders; for PostgreSQL they become $1, $2, ….
type database struct {
	*sql.DB
	lock     io.Closer // held until Close: no other server uses the database
	postgres bool
	rebound  sync.Map    // query → query with $n placeholders
	cache    *tableCache // SQLite only
}

// query runs a query in tx, or outside any transaction when tx is nil.
func (d *database) query(ctx context.Context, tx *sql.Tx, query string, args []any) (*sql.Rows, error) {
	if tx != nil {
		return tx.QueryContext(ctx, d.q(query), args...)
	}
	return d.QueryContext(ctx, d.q(query), args...)
}

// ExecContext runs a statement outside the program's calls (the runtime's
// own, and tests'); like every write, it empties the table cache.
func (d *database) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	d.cache.clear()
	return d.DB.ExecContext(ctx, query, args...)
}

// Close closes the database, then releases its lock, so that a server
// started after Close has returned finds the database free.
func (d *database) Close() error {
	var err error
	if d.DB != nil {
		err = d.DB.Close()
	}
	if d.lock != nil {
		err = errors.Join(err, d.lock.Close())
	}
	return err
}

// Exec is ExecContext without a context.
func (d *database) Exec(query string, args ...any) (sql.Result, error) {
	return d.ExecContext(context.Background(), query, args...)
}

// isPostgres reports whether a --db value names a PostgreSQL database.
func isPostgres(spec string) bool {
	return strings.HasPrefix(spec, "postgres://") || strings.HasPrefix(spec, "postgresql://")
}

// defaultDBConns is the PostgreSQL connections a server keeps at most
// unless told (--db-conns). More make sends faster, not deliveries: on 2
// cores, 16 instead of 8 made one process's fan-out a fifth faster and
// one node's two fifths, but with 2 and 3 nodes on the same cores, each
// reading every message of the log, the senders outran the deliveries,
// which fell by half and by three fifths.
func defaultDBConns() int { return max(8, 4*goruntime.GOMAXPROCS(0)) }

// openDB locks the database, opens it and makes the program's tables.
// SQLite runs in WAL mode with one connection, so transactions run in
// turn; PostgreSQL runs them concurrently, SERIALIZABLE, on conns
// connections at most (0: defaultDBConns), and the runtime retries the
// ones that fail to serialize.
func openDB(ctx context.Context, spec string, cluster bool, conns int, tables []*Table, log *slog.Logger) (*database, error) {
	d := &database{postgres: isPostgres(spec)}
	// The lock comes before anything writes: the journal mode and the
	// tables here, the run's number and the forgetting of earlier runs'
	// clients in NewServer, which on a live server's database would
	// delete that server's rows.
	var err error
	d.lock, err = lockDB(ctx, spec, cluster, log)
	if errors.Is(err, errHeld) {
		return nil, anotherServer(spec, cluster)
	}
	if err != nil {
		return nil, fmt.Errorf("open the database %s: %v", redact(spec), err)
	}
	if d.postgres {
		var cfg *pgx.ConnConfig
		cfg, err = pgx.ParseConfig(spec)
		if err == nil {
			// A statement run outside BEGIN (a call's single read, see
			// Ctx.read) is a SERIALIZABLE transaction of its own too. Not
			// in cluster mode: there calls always run in a transaction
			// (begin asks for SERIALIZABLE), and the runtime's own
			// statements run READ COMMITTED, so that they never make a
			// call fail to serialize (cluster.go).
			if !cluster {
				cfg.RuntimeParams["default_transaction_isolation"] = "serializable"
			}
			d.DB = sql.OpenDB(pipeline{stdlib.GetConnector(*cfg)})
			// A bounded pool keeps a burst of calls within the
			// database's max_connections (defaultDBConns).
			if conns <= 0 {
				conns = defaultDBConns()
			}
			d.SetMaxOpenConns(conns)
			d.SetMaxIdleConns(conns)
		}
	} else {
		dsn := "file:" + spec + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_txlock=immediate"
		var c driver.Connector
		c, err = sqlite.NewConnector(dsn)
		if err == nil {
			d.DB = sql.OpenDB(stmtCache{c})
			d.SetMaxOpenConns(1)
			d.cache = &tableCache{}
		}
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("open the database %s: %v", redact(spec), err)
	}
	if err := d.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("open the database %s: %v", redact(spec), err)
	}
	for _, t := range tables {
		if err := d.makeTable(ctx, t); err != nil {
			d.Close()
			return nil, err
		}
	}
	return d, nil
}

// redact hides a password in a database URL, for messages.
func redact(spec string) string {
	if i, j := strings.Index(spec, "://"), strings.LastIndex(spec, "@"); i >= 0 && j > i {
		if k := strings.Index(spec[i+3:j], ":"); k >= 0 {
			return spec[:i+3+k] + ":…" + spec[j:]
		}
	}
	return spec
}

// q returns query with this database's placeholders. Generated queries
// hold no string literals, so every ? is a placeholder.
func (d *database) q(query string) string {
	if !d.postgres || !strings.Contains(query, "?") {
		return query
	}
	if r, ok := d.rebound.Load(query); ok {
		return r.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
		} else {
			b.WriteRune(c)
		}
	}
	d.rebound.Store(query, b.String())
	return b.String()
}

// begin begins a transaction of the program's; on PostgreSQL its BEGIN
// goes with the first statement (pipeline).
func (d *database) begin(ctx context.Context) (*sql.Tx, error) {
	if d.postgres {
		return d.BeginTx(held(ctx), &sql.TxOptions{Isolation: sql.LevelSerializable})
	}
	return d.BeginTx(ctx, nil)
}

// retryable reports whether a transaction failed only because it ran
// at the same time as another: a serialization failure or a deadlock
// (PostgreSQL), or a busy database (SQLite, another process).
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked")
}

// sqlType is the column type a Kind is stored as.
func (d *database) sqlType(k Kind) string {
	switch {
	case k == KindFloat && d.postgres:
		return "DOUBLE PRECISION"
	case k == KindFloat:
		return "REAL"
	case k == KindString:
		return "TEXT"
	case k == KindBool && d.postgres:
		return "BOOLEAN"
	case d.postgres:
		return "BIGINT"
	}
	return "INTEGER"
}

// quote quotes an identifier for SQL.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// makeTable creates t, or checks that the table already there has t's
// columns: a program whose tables changed needs its data moved by hand,
// never dropped silently.
func (d *database) makeTable(ctx context.Context, t *Table) error {
	idCol := t.idColumn()
	// A serial is never reused: SQLite's AUTOINCREMENT and PostgreSQL's
	// sequence never give a number twice. The hidden _id of a table
	// without one may give a deleted last row's number again, which
	// keeps insertion order all the same.
	id := quote(idCol) + ` INTEGER PRIMARY KEY`
	switch {
	case d.postgres:
		id = quote(idCol) + ` BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY`
	case t.Serial != "":
		id += " AUTOINCREMENT"
	}
	cols := []string{id}
	for _, c := range t.Columns {
		if c.Name == t.Serial {
			continue
		}
		def := quote(c.Name) + " " + d.sqlType(c.Kind)
		if c.Kind == KindString && d.postgres {
			// Strings compare by code point (the queries say COLLATE
			// "C"); an index on the column serves them if it is "C" too.
			def += ` COLLATE "C"`
		}
		if !c.Null {
			def += " NOT NULL"
		}
		cols = append(cols, def)
	}
	if _, err := d.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+quote(t.Name)+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return fmt.Errorf("create table %s: %v", t.Name, err)
	}
	query := `SELECT name, type, "notnull" = 0 FROM pragma_table_info(?) ORDER BY cid`
	if d.postgres {
		query = `SELECT column_name, upper(data_type), is_nullable = 'YES' FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`
	}
	rows, err := d.QueryContext(ctx, query, t.Name)
	if err != nil {
		return fmt.Errorf("table %s: %v", t.Name, err)
	}
	defer rows.Close()
	type column struct {
		typ  string
		null bool
	}
	have := map[string]column{}
	var order []string
	for rows.Next() {
		var name, typ string
		var null bool
		if err := rows.Scan(&name, &typ, &null); err != nil {
			return err
		}
		have[name] = column{typ, null}
		order = append(order, name)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("table %s in the database does not match the program: %s; the program keeps its data, so move it by hand or use another --db",
			t.Name, fmt.Sprintf(format, args...))
	}
	want := map[string]bool{idCol: true}
	if _, ok := have[idCol]; !ok {
		return mismatch("column %s is missing", idCol)
	}
	for _, c := range t.Columns {
		want[c.Name] = true
		h, ok := have[c.Name]
		switch {
		case c.Name == t.Serial:
		case !ok:
			return mismatch("column %s is missing", c.Name)
		case h.typ != d.sqlType(c.Kind):
			return mismatch("column %s holds %s, the program declares %s", c.Name, h.typ, d.sqlType(c.Kind))
		case h.null != c.Null && c.Name != "_id":
			if c.Null {
				return mismatch("column %s is NOT NULL, the program declares an option", c.Name)
			}
			return mismatch("column %s allows NULL, the program declares no option", c.Name)
		}
	}
	for _, name := range order {
		if !want[name] {
			return mismatch("column %s is not declared", name)
		}
	}
	return d.makeIndexes(ctx, t)
}

func (t *Table) idColumn() string {
	if t.Serial != "" {
		return t.Serial
	}
	return "_id"
}

// makeIndexes adds the table's indexes that the database lacks: on a new
// table all of them, on a table an earlier program made the ones added
// since. A unique index the rows already break stops the server.
func (d *database) makeIndexes(ctx context.Context, t *Table) error {
	for _, ix := range t.Indexes {
		if len(ix.Columns) == 1 && ix.Columns[0] == t.idColumn() {
			continue // the primary key
		}
		var cols []string
		for _, c := range ix.Columns {
			cols = append(cols, quote(c))
		}
		stmt := "CREATE INDEX IF NOT EXISTS "
		if ix.Kind != "index" {
			stmt = "CREATE UNIQUE INDEX IF NOT EXISTS "
		}
		stmt += quote(indexName(t.Name, ix)) + " ON " + quote(t.Name) + " (" + strings.Join(cols, ", ") + ")"
		if _, err := d.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("table %s: cannot add the %s on (%s): %v", t.Name, ix.Kind, strings.Join(ix.Columns, ", "), err)
		}
	}
	return nil
}

// indexName names an index after its table, kind and columns, within
// PostgreSQL's 63 bytes (where index names share the schema's name space).
func indexName(table string, ix TableIndex) string {
	name := table + "_" + ix.Kind + "_" + strings.Join(ix.Columns, "_")
	if len(name) <= 63 {
		return name
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return fmt.Sprintf("%s_%x", name[:46], h.Sum64())
}

// nextRun numbers this run of the program in its database, so that the
// ids of clients and channels of different runs never meet.
func (d *database) nextRun(ctx context.Context) (int64, error) {
	if _, err := d.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS "_prog_meta" ("key" TEXT PRIMARY KEY, "value" BIGINT NOT NULL)`); err != nil {
		return 0, err
	}
	var run int64
	err := d.QueryRowContext(ctx, d.q(`INSERT INTO "_prog_meta" ("key", "value") VALUES ('run', 1)
		ON CONFLICT ("key") DO UPDATE SET "value" = "_prog_meta"."value" + 1 RETURNING "value"`)).Scan(&run)
	return run, err
}

// forget deletes the rows that hold any of the clients or channels given
// (all of them when all is set: the clients of a previous run) and sets
// option columns that hold one to none, in tx.
func (d *database) forget(ctx context.Context, tx *sql.Tx, tables []*Table, all bool, clients, chans []int64) error {
	d.cache.clear() // it writes; tx holds the one connection until it ends
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
			if _, err := tx.ExecContext(ctx, d.q(stmt), args...); err != nil {
				return fmt.Errorf("collect in table %s: %w", t.Name, err)
			}
		}
	}
	return nil
}
