package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// sioPeer is one socket.io client over Engine.IO 4's long-polling
// transport: GET polls for packets, POST sends them. Packets in one body
// are separated by \x1e; "2" is a ping (answered "3"), "40" the namespace
// connect, "42[…]" an event.
type sioPeer struct {
	url  string // /socket.io/?EIO=4&transport=polling&sid=…
	http *http.Client
	post sync.Mutex // Engine.IO refuses overlapping POSTs of one client
}

func openSio(ctx context.Context, c *http.Client, base string) (*sioPeer, error) {
	u := strings.TrimSuffix(base, "/") + "/socket.io/?EIO=4&transport=polling"
	body, err := sioDo(ctx, c, "GET", u, "")
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(body, "0{") {
		return nil, fmt.Errorf("socket.io handshake answered %.100q", body)
	}
	var open struct{ Sid string }
	if err := json.Unmarshal([]byte(body[1:]), &open); err != nil || open.Sid == "" {
		return nil, fmt.Errorf("socket.io handshake answered %.100q", body)
	}
	p := &sioPeer{url: u + "&sid=" + open.Sid, http: c}
	if err := p.send(ctx, "40"); err != nil {
		return nil, err
	}
	return p, nil
}

func sioDo(ctx context.Context, c *http.Client, method, url, body string) (string, error) {
	req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if method == "POST" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("socket.io %s: %d %s", method, resp.StatusCode, b)
	}
	return string(b), err
}

func (p *sioPeer) send(ctx context.Context, packet string) error {
	p.post.Lock()
	defer p.post.Unlock()
	_, err := sioDo(ctx, p.http, "POST", p.url, packet)
	return err
}

func (p *sioPeer) emit(ctx context.Context, event string, args ...any) error {
	b, _ := json.Marshal(append([]any{event}, args...))
	return p.send(ctx, "42"+string(b))
}

func (p *sioPeer) subscribe(ctx context.Context) error { return p.emit(ctx, "subscribe") }

func (p *sioPeer) postText(ctx context.Context, text string) error { return p.emit(ctx, "post", text) }

// poll waits for the next packets and returns the texts of "msg" events.
func (p *sioPeer) poll(ctx context.Context) ([]string, error) {
	body, err := sioDo(ctx, p.http, "GET", p.url, "")
	if err != nil {
		return nil, err
	}
	var texts []string
	for _, packet := range strings.Split(body, "\x1e") {
		switch {
		case packet == "2":
			if err := p.send(ctx, "3"); err != nil {
				return nil, err
			}
		case strings.HasPrefix(packet, "42"):
			var ev []json.RawMessage
			if err := json.Unmarshal([]byte(packet[2:]), &ev); err != nil || len(ev) != 2 {
				return nil, fmt.Errorf("socket.io event %.100q", packet)
			}
			var text string
			json.Unmarshal(ev[1], &text)
			texts = append(texts, text)
		case packet == "1":
			return nil, fmt.Errorf("socket.io closed the connection")
		}
	}
	return texts, nil
}
