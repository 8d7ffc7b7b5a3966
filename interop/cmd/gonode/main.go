// gonode runs one real Go memberlist node (hashicorp/memberlist v0.6.0) for interop tests.
// It reports what happens as JSON lines on stdout and takes commands as JSON lines on stdin;
// see README.md in interop/ for the protocol. Stdin EOF shuts it down; SIGTERM leaves first.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/memberlist-ts/interop/internal/wirego"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var (
	outMu sync.Mutex
	out   = bufio.NewWriter(os.Stdout)
)

// emit writes one JSON event line.
func emit(ev map[string]any) {
	b, err := json.Marshal(ev)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","error":%q}`, err.Error()))
	}
	outMu.Lock()
	defer outMu.Unlock()
	_, _ = out.Write(b)
	_ = out.WriteByte('\n')
	_ = out.Flush()
}

func stateName(s memberlist.NodeStateType) string {
	switch s {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	case memberlist.StateLeft:
		return "left"
	}
	return strconv.Itoa(int(s))
}

func nodeJSON(n *memberlist.Node) map[string]any {
	return map[string]any{
		"name": n.Name, "addr": n.Addr.String(), "port": n.Port,
		"meta": base64.StdEncoding.EncodeToString(n.Meta), "state": stateName(n.State),
		"pmin": n.PMin, "pmax": n.PMax, "pcur": n.PCur, "dmin": n.DMin, "dmax": n.DMax, "dcur": n.DCur,
	}
}

// logWriter turns memberlist's "[LEVEL] memberlist: ..." lines into log events.
type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		level := "INFO"
		if i := strings.Index(line, "["); i >= 0 {
			if j := strings.Index(line[i:], "]"); j > 0 {
				level = line[i+1 : i+j]
			}
		}
		emit(map[string]any{"event": "log", "level": level, "line": line})
	}
	return len(p), nil
}

// delegate serves user messages, broadcasts, local state and the event/merge/conflict hooks.
type delegate struct {
	m          *memberlist.Memberlist
	mu         sync.Mutex
	meta       []byte
	localState []byte
	queue      *memberlist.TransmitLimitedQueue
}

type userBroadcast []byte

func (b userBroadcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b userBroadcast) Message() []byte                       { return b }
func (b userBroadcast) Finished()                             {}

func (d *delegate) NodeMeta(limit int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.meta
}
func (d *delegate) NotifyMsg(b []byte) {
	emit(map[string]any{"event": "msg", "data": base64.StdEncoding.EncodeToString(b)})
}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte {
	return d.queue.GetBroadcasts(overhead, limit)
}
func (d *delegate) LocalState(join bool) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.localState
}
func (d *delegate) MergeRemoteState(buf []byte, join bool) {
	emit(map[string]any{"event": "remote-state", "join": join, "data": base64.StdEncoding.EncodeToString(buf)})
}

// eventNode describes n with its real state; memberlist calls event delegates with the node
// lock held, so the table can be read here.
func (d *delegate) eventNode(n *memberlist.Node) map[string]any {
	j := nodeJSON(n)
	if d.m != nil {
		if e, ok := tableLocked(d.m)[n.Name]; ok {
			j["state"] = stateName(e.state)
			j["incarnation"] = e.incarnation
		}
	}
	return j
}
func (d *delegate) NotifyJoin(n *memberlist.Node) {
	emit(map[string]any{"event": "join", "node": d.eventNode(n)})
}
func (d *delegate) NotifyLeave(n *memberlist.Node) {
	emit(map[string]any{"event": "leave", "node": d.eventNode(n)})
}
func (d *delegate) NotifyUpdate(n *memberlist.Node) {
	emit(map[string]any{"event": "update", "node": d.eventNode(n)})
}
func (d *delegate) NotifyConflict(existing, other *memberlist.Node) {
	emit(map[string]any{"event": "conflict", "existing": nodeJSON(existing), "other": nodeJSON(other)})
}
func (d *delegate) NotifyMerge(peers []*memberlist.Node) error {
	emit(map[string]any{"event": "merge", "count": len(peers)})
	return nil
}

type pingDelegate struct{ payload []byte }

func (p *pingDelegate) AckPayload() []byte { return p.payload }
func (p *pingDelegate) NotifyPingComplete(n *memberlist.Node, rtt time.Duration, payload []byte) {
	emit(map[string]any{
		"event": "ping-complete", "node": n.Name, "rttMs": float64(rtt.Microseconds()) / 1000,
		"payload": base64.StdEncoding.EncodeToString(payload),
	})
}

func parseKey(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && (len(b) == 16 || len(b) == 24 || len(b) == 32) {
		return b, nil
	}
	if b, err := hex.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, fmt.Errorf("key %q is neither base64 nor hex", s)
}

func splitHostPort(s string) (string, int) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		log.Fatalf("bad address %q: %v", s, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		log.Fatalf("bad port in %q", s)
	}
	return host, p
}

func main() {
	var (
		name         = flag.String("name", "", "node name (required)")
		bind         = flag.String("bind", "127.0.0.1:0", "bind IP:PORT")
		advertise    = flag.String("advertise", "", "advertise IP:PORT")
		profile      = flag.String("profile", "lan", "lan|wan|local")
		pv           = flag.Int("protocol-version", 2, "protocol version")
		compression  = flag.Bool("compression", true, "EnableCompression")
		label        = flag.String("label", "", "cluster label")
		skipLabel    = flag.Bool("skip-inbound-label-check", false, "SkipInboundLabelCheck")
		verifyIn     = flag.Bool("verify-incoming", true, "GossipVerifyIncoming")
		verifyOut    = flag.Bool("verify-outgoing", true, "GossipVerifyOutgoing")
		meta         = flag.String("meta", "", "node metadata")
		tcpPings     = flag.Bool("tcp-pings", true, "allow TCP fallback pings")
		probeIv      = flag.Duration("probe-interval", 0, "ProbeInterval")
		probeTo      = flag.Duration("probe-timeout", 0, "ProbeTimeout")
		gossipIv     = flag.Duration("gossip-interval", 0, "GossipInterval")
		pushPullIv   = flag.Duration("pushpull-interval", -1, "PushPullInterval")
		suspMult     = flag.Int("suspicion-mult", 0, "SuspicionMult")
		suspMax      = flag.Int("suspicion-max-timeout-mult", 0, "SuspicionMaxTimeoutMult")
		retrMult     = flag.Int("retransmit-mult", 0, "RetransmitMult")
		gttd         = flag.Duration("gossip-to-the-dead", 0, "GossipToTheDeadTime")
		indirect     = flag.Int("indirect-checks", -1, "IndirectChecks")
		awareMax     = flag.Int("awareness-max-multiplier", 0, "AwarenessMaxMultiplier")
		reclaim      = flag.Duration("dead-node-reclaim", 0, "DeadNodeReclaimTime")
		requireName  = flag.Bool("require-node-names", false, "RequireNodeNames")
		cidrs        = flag.String("cidrs-allowed", "", "comma-separated CIDRs")
		dpv          = flag.Int("delegate-protocol-version", 0, "DelegateProtocolVersion")
		dpmin        = flag.Int("delegate-protocol-min", 0, "DelegateProtocolMin")
		dpmax        = flag.Int("delegate-protocol-max", 0, "DelegateProtocolMax")
		ackPayload   = flag.String("ack-payload", "", "install a PingDelegate answering with this payload")
		bcastMult    = flag.Int("broadcast-retransmit-mult", 8, "RetransmitMult of the user broadcast queue")
		useStdin     = flag.Bool("stdin-commands", true, "read commands from stdin and stop at its end (false: run until a signal)")
		printConfigs = flag.Bool("print-default-configs", false, "print Go's LAN, WAN and Local default configs as JSON and exit")
		keys         multiFlag
		joins        multiFlag
	)
	flag.Var(&keys, "key", "encryption key, base64 or hex (repeatable; first is primary)")
	flag.Var(&joins, "join", "IP:PORT to join (repeatable)")
	flag.Parse()
	if *printConfigs {
		printDefaultConfigs()
		return
	}
	if *name == "" {
		fmt.Fprintln(os.Stderr, "gonode: --name is required")
		os.Exit(2)
	}

	var conf *memberlist.Config
	switch *profile {
	case "lan":
		conf = memberlist.DefaultLANConfig()
	case "wan":
		conf = memberlist.DefaultWANConfig()
	case "local":
		conf = memberlist.DefaultLocalConfig()
	default:
		fmt.Fprintf(os.Stderr, "gonode: unknown --profile %q\n", *profile)
		os.Exit(2)
	}
	conf.Name = *name
	conf.BindAddr, conf.BindPort = splitHostPort(*bind)
	if *advertise != "" {
		conf.AdvertiseAddr, conf.AdvertisePort = splitHostPort(*advertise)
	}
	conf.ProtocolVersion = uint8(*pv)
	conf.EnableCompression = *compression
	conf.Label = *label
	conf.SkipInboundLabelCheck = *skipLabel
	conf.GossipVerifyIncoming = *verifyIn
	conf.GossipVerifyOutgoing = *verifyOut
	conf.DisableTcpPings = !*tcpPings
	if *probeIv > 0 {
		conf.ProbeInterval = *probeIv
	}
	if *probeTo > 0 {
		conf.ProbeTimeout = *probeTo
	}
	if *gossipIv > 0 {
		conf.GossipInterval = *gossipIv
	}
	if *pushPullIv >= 0 {
		conf.PushPullInterval = *pushPullIv
	}
	if *suspMult > 0 {
		conf.SuspicionMult = *suspMult
	}
	if *suspMax > 0 {
		conf.SuspicionMaxTimeoutMult = *suspMax
	}
	if *retrMult > 0 {
		conf.RetransmitMult = *retrMult
	}
	if *gttd > 0 {
		conf.GossipToTheDeadTime = *gttd
	}
	if *indirect >= 0 {
		conf.IndirectChecks = *indirect
	}
	if *awareMax > 0 {
		conf.AwarenessMaxMultiplier = *awareMax
	}
	conf.DeadNodeReclaimTime = *reclaim
	conf.RequireNodeNames = *requireName
	if *cidrs != "" {
		nets, err := memberlist.ParseCIDRs(strings.Split(*cidrs, ","))
		if err != nil {
			fmt.Fprintf(os.Stderr, "gonode: --cidrs-allowed: %v\n", err)
			os.Exit(2)
		}
		conf.CIDRsAllowed = nets
	}
	conf.DelegateProtocolVersion = uint8(*dpv)
	conf.DelegateProtocolMin = uint8(*dpmin)
	conf.DelegateProtocolMax = uint8(*dpmax)
	if len(keys) > 0 {
		var parsed [][]byte
		for _, k := range keys {
			b, err := parseKey(k)
			if err != nil {
				fmt.Fprintf(os.Stderr, "gonode: --key: %v\n", err)
				os.Exit(2)
			}
			parsed = append(parsed, b)
		}
		kr, err := memberlist.NewKeyring(parsed, parsed[0])
		if err != nil {
			fmt.Fprintf(os.Stderr, "gonode: --key: %v\n", err)
			os.Exit(2)
		}
		conf.Keyring = kr
	}
	conf.Logger = log.New(logWriter{}, "", 0)

	d := &delegate{meta: []byte(*meta)}
	conf.Delegate = d
	conf.Events = d
	conf.Conflict = d
	conf.Merge = d
	if *ackPayload != "" {
		conf.Ping = &pingDelegate{payload: []byte(*ackPayload)}
	}

	m, err := memberlist.Create(conf)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gonode: %v\n", err)
		os.Exit(1)
	}
	d.queue = &memberlist.TransmitLimitedQueue{NumNodes: m.NumMembers, RetransmitMult: *bcastMult}
	d.mu.Lock()
	d.m = m
	d.mu.Unlock()
	self := m.LocalNode()
	emit(map[string]any{"event": "ready", "name": self.Name, "addr": self.Addr.String(), "port": self.Port})
	if len(joins) > 0 {
		n, err := m.Join(joins)
		emit(map[string]any{"event": "joined", "joined": n, "error": errText(err)})
	}

	done := make(chan struct{})
	var once sync.Once
	stop := func(leave bool) {
		once.Do(func() {
			if leave {
				_ = m.Leave(time.Second)
			}
			_ = m.Shutdown()
			close(done)
		})
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigs
		stop(true)
	}()
	if *useStdin {
		go readCommands(m, d, conf, func() { stop(false) })
	}
	<-done
	emit(map[string]any{"event": "exit"})
}

// readCommands serves JSON-line commands from stdin and stops the node when stdin ends.
func readCommands(m *memberlist.Memberlist, d *delegate, conf *memberlist.Config, stop func()) {
	{
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			handleCommand(m, d, conf, sc.Bytes(), stop)
		}
		stop()
	}
}

func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

type command struct {
	ID        any    `json:"id"`
	Cmd       string `json:"cmd"`
	Addrs     []string
	Node      string `json:"node"`
	Addr      string `json:"addr"`
	Data      string `json:"data"`
	Meta      string `json:"meta"`
	TimeoutMs int    `json:"timeoutMs"`
	Op        string `json:"op"`
	Key       string `json:"key"`
	Count     int    `json:"count"`
	Prefix    string `json:"prefix"`
}

func handleCommand(m *memberlist.Memberlist, d *delegate, conf *memberlist.Config, line []byte, shutdown func()) {
	var c command
	if err := json.Unmarshal(line, &c); err != nil {
		emit(map[string]any{"event": "reply", "ok": false, "error": "bad command: " + err.Error()})
		return
	}
	reply := func(err error, fields map[string]any) {
		ev := map[string]any{"event": "reply", "id": c.ID, "cmd": c.Cmd, "ok": err == nil, "error": errText(err)}
		for k, v := range fields {
			ev[k] = v
		}
		emit(ev)
	}
	timeout := time.Duration(c.TimeoutMs) * time.Millisecond
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	data, _ := base64.StdEncoding.DecodeString(c.Data)
	findNode := func() (*memberlist.Node, error) {
		for _, n := range m.Members() {
			if n.Name == c.Node {
				return n, nil
			}
		}
		return nil, fmt.Errorf("unknown node %q", c.Node)
	}
	switch c.Cmd {
	case "members":
		// Every node in the table, dead and left ones included, with its real state.
		reply(nil, map[string]any{"members": allNodes(m), "health": m.GetHealthScore()})
	case "join":
		n, err := m.Join(c.Addrs)
		reply(err, map[string]any{"joined": n})
	case "leave":
		reply(m.Leave(timeout), nil)
	case "shutdown":
		reply(nil, nil)
		shutdown()
	case "send-best-effort", "send-reliable":
		n, err := findNode()
		if err == nil {
			if c.Cmd == "send-reliable" {
				err = m.SendReliable(n, data)
			} else {
				err = m.SendBestEffort(n, data)
			}
		}
		reply(err, nil)
	case "update-meta":
		d.mu.Lock()
		d.meta = []byte(c.Meta)
		d.mu.Unlock()
		reply(m.UpdateNode(timeout), nil)
	case "broadcast":
		d.queue.QueueBroadcast(userBroadcast(data))
		reply(nil, nil)
	case "local-state":
		d.mu.Lock()
		d.localState = data
		d.mu.Unlock()
		reply(nil, nil)
	case "health":
		reply(nil, map[string]any{"score": m.GetHealthScore()})
	case "ping":
		addr, err := net.ResolveUDPAddr("udp", c.Addr)
		if err == nil {
			var rtt time.Duration
			rtt, err = m.Ping(c.Node, addr)
			reply(err, map[string]any{"rttMs": float64(rtt.Microseconds()) / 1000})
			return
		}
		reply(err, nil)
	case "keyring":
		keyringCommand(m, conf, c, reply)
	case "add-nodes":
		reply(addNodes(m, conf, c.Prefix, c.Count, timeout), map[string]any{"members": m.NumMembers()})
	default:
		reply(fmt.Errorf("unknown command %q", c.Cmd), nil)
	}
}

func keyringCommand(m *memberlist.Memberlist, conf *memberlist.Config, c command, reply func(error, map[string]any)) {
	kr := conf.Keyring
	if kr == nil {
		reply(fmt.Errorf("encryption is not configured"), nil)
		return
	}
	var err error
	if c.Op != "list" {
		var key []byte
		key, err = parseKey(c.Key)
		if err == nil {
			switch c.Op {
			case "install":
				err = kr.AddKey(key)
			case "use":
				err = kr.UseKey(key)
			case "remove":
				err = kr.RemoveKey(key)
			default:
				err = fmt.Errorf("unknown keyring op %q", c.Op)
			}
		}
	}
	var list []string
	for _, k := range kr.GetKeys() {
		list = append(list, base64.StdEncoding.EncodeToString(k))
	}
	reply(err, map[string]any{"keys": list, "primary": base64.StdEncoding.EncodeToString(kr.GetPrimaryKey())})
}

// addNodes makes this node learn `count` extra members the way a peer would tell it: alive
// messages, encoded by memberlist's own encoder, in compound packets sent to our UDP port
// (wrapped with our label and primary key when configured, through memberlist's own encryptor).
func addNodes(m *memberlist.Memberlist, conf *memberlist.Config, prefix string, count int, timeout time.Duration) error {
	self := m.LocalNode()
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: self.Addr, Port: int(self.Port)})
	if err != nil {
		return err
	}
	defer conn.Close()
	want := m.NumMembers() + count
	var batch [][]byte
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		pkt := wirego.Compound(batch)
		batch = nil
		if conf.Keyring != nil && conf.GossipVerifyOutgoing {
			vsn := uint8(1)
			if conf.ProtocolVersion < 2 {
				vsn = 0
			}
			enc, err := wirego.EncryptPayload(vsn, conf.Keyring.GetPrimaryKey(), pkt, []byte(conf.Label))
			if err != nil {
				return err
			}
			pkt = enc
		}
		if conf.Label != "" {
			pkt = append([]byte{244, byte(len(conf.Label))}, append([]byte(conf.Label), pkt...)...)
		}
		_, err := conn.Write(pkt)
		time.Sleep(500 * time.Microsecond)
		return err
	}
	sendAll := func() error {
		for i := 0; i < count; i++ {
			a := wirego.Alive{
				Incarnation: 1,
				Node:        fmt.Sprintf("%s-%d", prefix, i),
				Addr:        []byte{127, 1, byte(i >> 8), byte(i)},
				Port:        7946,
				Vsn:         []uint8{1, 5, 2, 0, 0, 0},
			}
			msg, err := wirego.Encode(wirego.AliveMsg, &a)
			if err != nil {
				return err
			}
			batch = append(batch, msg)
			if len(batch) == 10 {
				if err := send(); err != nil {
					return err
				}
			}
		}
		return send()
	}
	// memberlist drops alive messages when its handoff queue is full, so resend (alive messages
	// with the same incarnation are idempotent) until everything has arrived.
	deadline := time.Now().Add(timeout)
	for m.NumMembers() < want {
		if err := sendAll(); err != nil {
			return err
		}
		settle := time.Now().Add(time.Second)
		for m.NumMembers() < want && time.Now().Before(settle) {
			time.Sleep(20 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d members after %s", m.NumMembers(), want, timeout)
		}
	}
	return nil
}

// printDefaultConfigs prints the protocol knobs of memberlist's three default configs (durations
// in milliseconds) so tests can compare them with memberlist-ts's profiles.
func printDefaultConfigs() {
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	describe := func(c *memberlist.Config) map[string]any {
		return map[string]any{
			"bindAddr": c.BindAddr, "bindPort": c.BindPort, "advertisePort": c.AdvertisePort,
			"protocolVersion": c.ProtocolVersion, "tcpTimeout": ms(c.TCPTimeout),
			"indirectChecks": c.IndirectChecks, "retransmitMult": c.RetransmitMult,
			"suspicionMult": c.SuspicionMult, "suspicionMaxTimeoutMult": c.SuspicionMaxTimeoutMult,
			"pushPullInterval": ms(c.PushPullInterval), "probeInterval": ms(c.ProbeInterval),
			"probeTimeout": ms(c.ProbeTimeout), "disableTcpPings": c.DisableTcpPings,
			"awarenessMaxMultiplier": c.AwarenessMaxMultiplier, "gossipInterval": ms(c.GossipInterval),
			"gossipNodes": c.GossipNodes, "gossipToTheDeadTime": ms(c.GossipToTheDeadTime),
			"gossipVerifyIncoming": c.GossipVerifyIncoming, "gossipVerifyOutgoing": c.GossipVerifyOutgoing,
			"enableCompression": c.EnableCompression, "label": c.Label,
			"skipInboundLabelCheck":   c.SkipInboundLabelCheck,
			"delegateProtocolVersion": c.DelegateProtocolVersion, "delegateProtocolMin": c.DelegateProtocolMin,
			"delegateProtocolMax": c.DelegateProtocolMax, "handoffQueueDepth": c.HandoffQueueDepth,
			"udpBufferSize": c.UDPBufferSize, "deadNodeReclaimTime": ms(c.DeadNodeReclaimTime),
			"requireNodeNames": c.RequireNodeNames, "queueCheckInterval": ms(c.QueueCheckInterval),
		}
	}
	emit(map[string]any{
		"lan":   describe(memberlist.DefaultLANConfig()),
		"wan":   describe(memberlist.DefaultWANConfig()),
		"local": describe(memberlist.DefaultLocalConfig()),
	})
}
