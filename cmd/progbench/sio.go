package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/prog-lang/prog/cmd/internal/progclient"
)

// sioPeer is one socket.io client over Engine.IO 4's long-polling
// transport: GET polls for packets, POST sends them. Packets in one body
// are separated by \x1e; "2" is a ping (answered "3"), "40" the namespace
// connect, "42[…]" an event.
type sioPeer struct {
	path string // /socket.io/?EIO=4&transport=polling&sid=…
	http *progclient.Client
	post sync.Mutex // Engine.IO refuses overlapping POSTs of one client
}

const sioPath = "/socket.io/?EIO=4&transport=polling"

func openSio(ctx context.Context, c *progclient.Client) (*sioPeer, error) {
	body, err := sioDo(ctx, c, "GET", sioPath, "")
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
	p := &sioPeer{path: sioPath + "&sid=" + open.Sid, http: c}
	if err := p.send(ctx, "40"); err != nil {
		return nil, err
	}
	return p, nil
}

var sioPostHeader = []string{"Content-Type: text/plain;charset=UTF-8"}

func sioDo(ctx context.Context, c *progclient.Client, method, path, body string) (string, error) {
	var header []string
	if method == "POST" {
		header = sioPostHeader
	}
	a, err := c.Do(ctx, method, path, header, []byte(body))
	if err != nil {
		return "", err
	}
	if a.Status != 200 {
		return "", fmt.Errorf("socket.io %s: %d %s", method, a.Status, a.Body)
	}
	return string(a.Body), nil
}

func (p *sioPeer) send(ctx context.Context, packet string) error {
	p.post.Lock()
	defer p.post.Unlock()
	_, err := sioDo(ctx, p.http, "POST", p.path, packet)
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
	body, err := sioDo(ctx, p.http, "GET", p.path, "")
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
		case strings.HasPrefix(packet, `42["msg",`) && strings.HasSuffix(packet, "]"):
			text, err := progclient.Text([]byte(packet[len(`42["msg",`) : len(packet)-1]))
			if err != nil {
				return nil, fmt.Errorf("socket.io event %.100q: %v", packet, err)
			}
			texts = append(texts, text)
		case strings.HasPrefix(packet, "42"):
			return nil, fmt.Errorf("socket.io event %.100q, want msg", packet)
		case packet == "1":
			return nil, fmt.Errorf("socket.io closed the connection")
		}
	}
	return texts, nil
}
