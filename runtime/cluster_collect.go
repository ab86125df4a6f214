package runtime

// Collection in cluster mode (cluster.go): any node claims the sessions
// whose page went away, and the claims of nodes that went away.

import (
	"context"
	"errors"
	"fmt"
)

// errNotClaimed says that another node took over the collection of a
// session (this node's lease had run out).
var errNotClaimed = errors.New("another node is collecting the client")

// clusterLeaving is a session this node has claimed for collection.
type clusterLeaving struct {
	id        string
	client    Client
	leaveNext int
}

// clusterCollect claims the sessions to collect, then runs each one's
// on leave handlers and deletes its rows. A session stays claimed by this
// node while the database is unavailable, and the next run goes on with
// it; one claimed by a node whose lease ran out is taken over.
func (s *Server) clusterCollect() {
	s.collectMu.Lock()
	defer s.collectMu.Unlock()
	claimed, err := s.cluster.claim(s.ctx, s.cfg)
	if err != nil {
		if s.ctx.Err() == nil {
			s.collectLog.log(s.log, "collecting clients: cannot claim them; trying again", "err", err)
		}
		return
	}
	for _, l := range claimed {
		err := s.clusterForget(l)
		switch {
		case err == nil, errors.Is(err, errNotClaimed):
		case s.ctx.Err() != nil:
			return
		case dbUnavailable(err):
			s.collectLog.log(s.log, "collecting clients: the database is unavailable; trying again", "err", err)
			return // the rest would fail the same way; they stay claimed
		default:
			s.collectLog.log(s.log, "collecting a client failed; its rows stay", "client", l.client, "err", err)
		}
	}
}

// claim takes the sessions to collect, up to collectMax, marking them as
// this node's: the page said it closed, or ended; or it has had no push
// request for the client timeout, or closed one and made no new one
// within the leave grace (a push request held by a node that is gone
// counts as closed); or another node began and went away.
func (c *cluster) claim(ctx context.Context, cfg Config) ([]*clusterLeaving, error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `WITH live AS (SELECT "id" FROM "_prog_nodes" WHERE "lease" > now())
		SELECT s."id", s."client", s."leave_next", s."collector" IS NOT NULL, s."gone", s."ended" IS NOT NULL,
			p."cut_at" IS NOT NULL AND p."cut_at" < now() - $3 * interval '1 millisecond'
		FROM "_prog_sessions" s JOIN "_prog_polls" p ON p."session" = s."id"
		WHERE CASE WHEN s."collector" IS NOT NULL THEN s."collector" = $1 OR s."collector" NOT IN (SELECT "id" FROM live)
			ELSE s."gone" OR s."ended" IS NOT NULL OR
				(p."poll_node" IS NULL OR p."poll_node" NOT IN (SELECT "id" FROM live)) AND
				(p."last_poll" < now() - $2 * interval '1 millisecond' OR p."cut_at" < now() - $3 * interval '1 millisecond') END
		ORDER BY s."id" LIMIT $4 FOR UPDATE OF s SKIP LOCKED`,
		c.node, cfg.ClientTimeout.Milliseconds(), cfg.LeaveGrace.Milliseconds(), collectMax)
	if err != nil {
		return nil, err
	}
	var claimed []*clusterLeaving
	var ids []string
	for rows.Next() {
		l := &clusterLeaving{}
		var client int64
		var taken, gone, ended, cut bool
		if err := rows.Scan(&l.id, &client, &l.leaveNext, &taken, &gone, &ended, &cut); err != nil {
			rows.Close()
			return nil, err
		}
		l.client = Client(client)
		reason := "no push request for the client timeout"
		switch {
		case taken:
			reason = "its collection was begun by a node that is gone, or could not finish"
		case gone:
			reason = "the page was closed"
		case ended:
			reason = "the page fell behind"
		case cut:
			reason = "the page closed its push request and made no new one within the leave grace"
		}
		c.srv.log.Info("client collected", "client", l.client, "reason", reason, "node", c.node)
		claimed = append(claimed, l)
		ids = append(ids, l.id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE "_prog_sessions" SET "collector" = $1 WHERE "id" = ANY($2)`, c.node, ids); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	c.changed(ids...) // their push requests end
	return claimed, nil
}

// clusterForget runs what is left of l's collection: each on leave
// handler not yet run, in a transaction that also counts it as run (so it
// runs once, whichever node goes on), then the deletion of its rows.
func (s *Server) clusterForget(l *clusterLeaving) error {
	c := s.cluster
	for ; l.leaveNext < len(s.prog.Leave); l.leaveNext++ {
		i, h := l.leaveNext, s.prog.Leave[l.leaveNext]
		_, err := s.run(s.ctx, nil, func(x *Ctx) any {
			c.markLeft(x, l.id, i+1)
			h.Run(x, l.client)
			return nil
		})
		var db *dbError
		switch {
		case errors.As(err, &db) && db.commit:
			// It may have committed: running it again could do it twice.
			s.leaveLogs[i].log(s.log, "on leave's commit failed; it may have run, and does not run again", "pos", h.Pos, "client", l.client, "err", err)
		case errors.Is(err, errNotClaimed), err != nil && (dbUnavailable(err) || s.ctx.Err() != nil):
			return err
		case err != nil:
			s.leaveLogs[i].log(s.log, "on leave failed; the client's rows go all the same", "pos", h.Pos, "client", l.client, "err", err)
		default:
			continue
		}
		// A handler that failed counts as run all the same.
		if _, err := s.run(s.ctx, nil, func(x *Ctx) any { c.markLeft(x, l.id, i+1); return nil }); err != nil {
			return err
		}
	}
	var chans []int64
	_, err := s.run(s.ctx, nil, func(x *Ctx) any {
		tx := x.begin()
		chans = chans[:0]
		rows, err := tx.QueryContext(x.ctx, `SELECT "ch" FROM "_prog_chans" WHERE "session" = $1`, l.id)
		if err != nil {
			failDB(err)
		}
		for rows.Next() {
			var ch int64
			if err := rows.Scan(&ch); err != nil {
				rows.Close()
				failDB(err)
			}
			chans = append(chans, ch)
		}
		if err := rows.Err(); err != nil {
			failDB(err)
		}
		if err := s.db.forget(x.ctx, tx, s.prog.Tables, false, []int64{int64(l.client)}, chans); err != nil {
			failDB(err)
		}
		for _, stmt := range []string{
			`DELETE FROM "_prog_calls" WHERE "session" = $1`,
			`DELETE FROM "_prog_chans" WHERE "session" = $1`,
			`DELETE FROM "_prog_polls" WHERE "session" = $1`,
		} {
			if _, err := tx.ExecContext(x.ctx, stmt, l.id); err != nil {
				failDB(err)
			}
		}
		res, err := tx.ExecContext(x.ctx, `DELETE FROM "_prog_sessions" WHERE "id" = $1 AND "collector" = $2`, l.id, c.node)
		if err != nil {
			failDB(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			panic(&dbError{err: errNotClaimed})
		}
		return nil
	})
	if err == nil {
		c.forgetOwner(chans)
		c.log.drop(l.id)
	}
	if err == nil && s.hooks.collected != nil {
		s.hooks.collected(l.client)
	}
	return err
}

// markLeft counts the on leave handlers of session sid before next as
// run, in x's transaction; it fails it when another node took the
// session over.
func (c *cluster) markLeft(x *Ctx, sid string, next int) {
	res, err := x.begin().ExecContext(x.ctx, `UPDATE "_prog_sessions" SET "leave_next" = $2 WHERE "id" = $1 AND "collector" = $3`, sid, next, c.node)
	if err != nil {
		failDB(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		panic(&dbError{err: fmt.Errorf("on leave: %w", errNotClaimed)})
	}
}
