// Package wirerecorder is an in-memory network for real memberlist nodes that records every packet
// and every stream byte they send, so golden vectors come from what memberlist actually writes.
package wirerecorder

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

// Record is one packet, or everything one side wrote on one stream.
type Record struct {
	Seq     int
	Channel string // "packet" or "stream"
	From    string
	To      string
	Dir     string // streams: "request" (dialer) or "response"
	Bytes   []byte
}

// Network connects transports by "ip:port" and records traffic.
type Network struct {
	mu      sync.Mutex
	nodes   map[string]*Transport
	records []Record
	seq     int
	blocked map[string]bool // "from>to" pairs whose packets and dials fail
	udpOnly map[string]bool // "from>to" pairs whose packets are dropped but dials work
}

func NewNetwork() *Network {
	return &Network{nodes: map[string]*Transport{}, blocked: map[string]bool{}, udpOnly: map[string]bool{}}
}

// Block makes traffic between a and b (both directions) disappear: packets are dropped, dials fail.
func (n *Network) Block(a, b string, blocked bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.blocked[a+">"+b] = blocked
	n.blocked[b+">"+a] = blocked
}

// BlockPackets drops packets between a and b (both directions) while streams still connect, so
// probes fail over UDP and succeed over TCP.
func (n *Network) BlockPackets(a, b string, blocked bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.udpOnly[a+">"+b] = blocked
	n.udpOnly[b+">"+a] = blocked
}

func (n *Network) isBlocked(from, to string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.blocked[from+">"+to]
}

func (n *Network) packetBlocked(from, to string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.blocked[from+">"+to] || n.udpOnly[from+">"+to]
}

func (n *Network) record(r Record) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	r.Seq = n.seq
	n.records = append(n.records, r)
}

// Records returns a copy of everything recorded so far, in order.
func (n *Network) Records() []Record {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Record(nil), n.records...)
}

// NewTransport creates the transport for a node at ip:port.
func (n *Network) NewTransport(ip string, port int) *Transport {
	t := &Transport{
		net: n, ip: net.ParseIP(ip).To4(), port: port,
		packets: make(chan *memberlist.Packet, 1024), streams: make(chan net.Conn, 64),
	}
	n.mu.Lock()
	n.nodes[t.Addr()] = t
	n.mu.Unlock()
	return t
}

// Transport implements memberlist.NodeAwareTransport over the in-memory network.
type Transport struct {
	net     *Network
	ip      net.IP
	port    int
	packets chan *memberlist.Packet
	streams chan net.Conn
	mu      sync.Mutex
	closed  bool
}

func (t *Transport) Addr() string { return net.JoinHostPort(t.ip.String(), strconv.Itoa(t.port)) }

func (t *Transport) FinalAdvertiseAddr(string, int) (net.IP, int, error) { return t.ip, t.port, nil }

func (t *Transport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *Transport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	now := time.Now()
	buf := append([]byte(nil), b...)
	t.net.record(Record{Channel: "packet", From: t.Addr(), To: a.Addr, Bytes: buf})
	if t.net.packetBlocked(t.Addr(), a.Addr) {
		return now, nil
	}
	t.net.mu.Lock()
	dst := t.net.nodes[a.Addr]
	t.net.mu.Unlock()
	if dst == nil {
		return now, nil
	}
	dst.mu.Lock()
	defer dst.mu.Unlock()
	if !dst.closed {
		select {
		case dst.packets <- &memberlist.Packet{Buf: buf, From: addrOf(t.Addr()), Timestamp: now}:
		default:
		}
	}
	return now, nil
}

func (t *Transport) PacketCh() <-chan *memberlist.Packet { return t.packets }
func (t *Transport) StreamCh() <-chan net.Conn           { return t.streams }

func (t *Transport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *Transport) DialAddressTimeout(a memberlist.Address, _ time.Duration) (net.Conn, error) {
	if t.net.isBlocked(t.Addr(), a.Addr) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connection refused")}
	}
	t.net.mu.Lock()
	dst := t.net.nodes[a.Addr]
	t.net.mu.Unlock()
	if dst == nil {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connection refused")}
	}
	client, server := net.Pipe()
	rc := &recConn{Conn: client, net: t.net, from: t.Addr(), to: a.Addr, dir: "request", local: addrOf(t.Addr()), remote: addrOf(a.Addr)}
	rs := &recConn{Conn: server, net: t.net, from: a.Addr, to: t.Addr(), dir: "response", local: addrOf(a.Addr), remote: addrOf(t.Addr())}
	dst.mu.Lock()
	defer dst.mu.Unlock()
	if dst.closed {
		return nil, fmt.Errorf("connection refused")
	}
	dst.streams <- rs
	return rc, nil
}

func (t *Transport) Shutdown() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	return nil
}

// recConn records everything written on one side; the record is made when the side closes.
type recConn struct {
	net.Conn
	net           *Network
	from, to, dir string
	local, remote net.Addr
	mu            sync.Mutex
	buf           bytes.Buffer
	done          bool
}

func (c *recConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.buf.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *recConn) Close() error {
	c.mu.Lock()
	if !c.done && c.buf.Len() > 0 {
		c.done = true
		c.net.record(Record{Channel: "stream", From: c.from, To: c.to, Dir: c.dir, Bytes: append([]byte(nil), c.buf.Bytes()...)})
	}
	c.mu.Unlock()
	return c.Conn.Close()
}

func (c *recConn) LocalAddr() net.Addr  { return c.local }
func (c *recConn) RemoteAddr() net.Addr { return c.remote }

func addrOf(s string) net.Addr {
	host, port, _ := net.SplitHostPort(s)
	p, _ := strconv.Atoi(port)
	return &net.TCPAddr{IP: net.ParseIP(host), Port: p}
}

var _ memberlist.NodeAwareTransport = (*Transport)(nil)
