package runtime

import "sync"

// tableCache keeps, on SQLite, the rows of each table as the last read of
// the whole table found them, so that a call reading a table nobody has
// written since does not read it again: chat's post reads every
// subscriber on every line, and reading 1,000 rows through database/sql
// was most of a post's time.
//
// It is exact, not a cache that may be stale:
//   - SQLite has one connection, so transactions run in turn, and a call
//     looks in the cache only inside its transaction;
//   - every write of this process (a call's statements, collection, the
//     database's own Exec) empties it, and a call that has written reads
//     the database, not the cache, from then on; and it stores nothing;
//   - a commit by another process changes SQLite's data_version, which
//     each call reads once before it looks, and a changed version
//     empties the cache.
//
// PostgreSQL has none: several servers may share one database, and a
// read there costs a round trip the cache could not tell was needed.
type tableCache struct {
	mu      sync.Mutex
	version int64 // data_version when the entries were read
	tables  map[string]cachedRows
}

type cachedRows struct {
	ids  []int64
	rows any // []R of the table's row type
}

// maxCachedRows is the largest table kept: a bigger one is read each time
// rather than held twice.
const maxCachedRows = 100_000

func (c *tableCache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.tables = nil
	c.mu.Unlock()
}

// cached returns the rows of table if the cache holds them at version.
func (c *tableCache) cached(version int64, table string) (cachedRows, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		c.version, c.tables = version, nil
	}
	e, ok := c.tables[table]
	return e, ok
}

func (c *tableCache) keep(version int64, table string, e cachedRows) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != version {
		return
	}
	if c.tables == nil {
		c.tables = map[string]cachedRows{}
	}
	c.tables[table] = e
}

// ScanTable reads every row of table, with its id, through query (SELECT
// "_id", … FROM table), row reading one row: from the cache when it
// holds the table, else from the database. The slices returned are
// shared with the cache and other calls; they are never written to
// (Prog's values do not change, and appending to them copies, their
// capacity being their length).
func ScanTable[R any](x *Ctx, table, query string, row func(q *Rows) (int64, R)) ([]int64, []R) {
	c := x.srv.db.cache
	caching := c != nil && !x.wrote
	var version int64
	if caching {
		version = x.dataVersion()
		if e, ok := c.cached(version, table); ok {
			return e.ids, e.rows.([]R)
		}
	}
	var ids []int64
	var rows []R
	q := x.Query(query)
	for q.Next() {
		id, r := row(q)
		ids, rows = append(ids, id), append(rows, r)
	}
	ids, rows = ids[:len(ids):len(ids)], rows[:len(rows):len(rows)]
	if caching && len(ids) <= maxCachedRows {
		c.keep(version, table, cachedRows{ids, rows})
	}
	return ids, rows
}
