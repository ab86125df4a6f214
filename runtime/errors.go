package runtime

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// unavailable reports whether err says that the database cannot be
// reached or is not serving now (down, restarting, out of connections,
// busy with another process), rather than refusing a statement: the same
// work may succeed later.
func unavailable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01–57P03: shut down or
		// starting; 53300: too many connections.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "53300"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.Timeout(err) || pgconn.SafeToRetry(err) || retryable(err)
}

// pageError is what a page is told of a failed call, in the program's
// terms: a Prog runtime error says what the program did, but a database
// failure or an internal error would show SQL, hosts or Go types, so the
// page gets one sentence and the server log the details.
func pageError(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Msg
	case dbUnavailable(err):
		return "the database is unavailable; try again later"
	}
	var db *dbError
	if errors.As(err, &db) {
		return "the database refused the call (the server log has the details)"
	}
	return "an internal error in the server (the server log has the details)"
}
