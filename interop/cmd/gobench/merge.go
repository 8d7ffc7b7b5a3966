package main

// The Go side of the push/pull merge benchmark: what memberlist's handleConn runs for an inbound
// push/pull, minus the socket and the stream framing — readRemoteState, sendLocalState (into a
// connection that discards the bytes) and mergeRemoteState — reached through go:linkname, on a
// real memberlist node.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"time"
	_ "unsafe" // go:linkname

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/memberlist"
	w "github.com/memberlist-ts/interop/internal/wirego"
)

// w.PushNodeState has the field layout of memberlist's pushNodeState (State is an int, as
// memberlist's NodeStateType), so the slice can be passed through unchanged.

//go:linkname readRemoteState github.com/hashicorp/memberlist.(*Memberlist).readRemoteState
func readRemoteState(m *memberlist.Memberlist, bufConn io.Reader, dec *codec.Decoder) (bool, []w.PushNodeState, []byte, error)

//go:linkname sendLocalState github.com/hashicorp/memberlist.(*Memberlist).sendLocalState
func sendLocalState(m *memberlist.Memberlist, conn net.Conn, join bool, streamLabel string) error

//go:linkname mergeRemoteState github.com/hashicorp/memberlist.(*Memberlist).mergeRemoteState
func mergeRemoteState(m *memberlist.Memberlist, join bool, remote []w.PushNodeState, userBuf []byte) error

type mergeResult struct {
	Name  string    `json:"name"`
	Nodes int       `json:"nodes"`
	Ms    []float64 `json:"ms"`
}

// quietNode is a LAN-profile node with no timers (no probes, gossip or periodic push/pull), so
// nothing runs beside the merge being timed.
func quietNode(name, bindIP string) (*memberlist.Memberlist, error) {
	conf := memberlist.DefaultLANConfig()
	conf.Name = name
	conf.BindAddr = bindIP
	conf.BindPort = 0
	conf.ProbeInterval = 0
	conf.GossipInterval = 0
	conf.PushPullInterval = 0
	conf.EnableCompression = false // the TypeScript side times the plain reply too
	conf.LogOutput = io.Discard
	return memberlist.Create(conf)
}

// discardConn is a net.Conn that accepts and drops everything written to it.
type discardConn struct{}

func (discardConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (discardConn) SetDeadline(time.Time) error      { return nil }
func (discardConn) SetReadDeadline(time.Time) error  { return nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }

// mergeOnce decodes the push/pull message `state` (starting with its type byte) the way
// handleConn reads a stream, replies with the local state and merges; returns milliseconds.
func mergeOnce(m *memberlist.Memberlist, state []byte) float64 {
	runtime.GC()
	start := time.Now()
	r := bufio.NewReader(bytes.NewReader(state))
	if t, err := r.ReadByte(); err != nil || t != w.PushPullMsg {
		panic(fmt.Sprintf("not a push/pull message: %v", err))
	}
	dec := codec.NewDecoder(r, &codec.MsgpackHandle{})
	join, nodes, user, err := readRemoteState(m, r, dec)
	if err != nil {
		panic(err)
	}
	if err := sendLocalState(m, discardConn{}, join, ""); err != nil {
		panic(err)
	}
	if err := mergeRemoteState(m, join, nodes, user); err != nil {
		panic(err)
	}
	return float64(time.Since(start).Microseconds()) / 1000
}

// benchMerge times `reps` merges into fresh nodes (they learn every member) and `reps` merges
// into a node that already knows the same state (steady-state anti-entropy: nothing changes).
// `warmup` untimed merges run before the timed ones of each kind, as the TypeScript side does.
func benchMerge(statePath, bindIP string, reps, warmup int) []mergeResult {
	state, err := os.ReadFile(statePath)
	if err != nil {
		panic(err)
	}
	fresh := mergeResult{Name: "fresh"}
	for i := -warmup; i < reps; i++ {
		m, err := quietNode(fmt.Sprintf("gobench-merge-%d", i+warmup), bindIP)
		if err != nil {
			panic(err)
		}
		ms := mergeOnce(m, state)
		if i >= 0 {
			fresh.Ms = append(fresh.Ms, ms)
		}
		fresh.Nodes = m.NumMembers()
		_ = m.Shutdown()
	}
	m, err := quietNode("gobench-merge-known", bindIP)
	if err != nil {
		panic(err)
	}
	defer m.Shutdown()
	for i := 0; i <= warmup; i++ { // the first learns the state, the rest warm up as fresh ones do
		mergeOnce(m, state)
	}
	known := mergeResult{Name: "known", Nodes: m.NumMembers()}
	for i := 0; i < reps; i++ {
		known.Ms = append(known.Ms, mergeOnce(m, state))
	}
	return []mergeResult{fresh, known}
}
