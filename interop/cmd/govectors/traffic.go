package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/memberlist"
	"github.com/memberlist-ts/interop/internal/wirerecorder"
	w "github.com/memberlist-ts/interop/internal/wirego"
)

type trafficConfig struct {
	Name            string   `json:"name"`
	Compression     bool     `json:"compression"`
	Keys            []string `json:"keys"`
	ProtocolVersion int      `json:"protocolVersion"`
	Label           string   `json:"label"`
}

type decodedMessage struct {
	Type      uint8            `json:"type"`
	TypeName  string           `json:"typeName"`
	Fields    map[string]any   `json:"fields,omitempty"`
	Header    map[string]any   `json:"header,omitempty"`
	Nodes     []map[string]any `json:"nodes,omitempty"`
	UserState *string          `json:"userState,omitempty"`
	Payload   *string          `json:"payload,omitempty"`
	Hex       string           `json:"hex"`
}

type encryptionInfo struct {
	Version  uint8 `json:"version"`
	KeyIndex int   `json:"keyIndex"`
}

type decoded struct {
	Label      *string          `json:"label"`
	Encrypted  *encryptionInfo  `json:"encrypted"`
	CRC        bool             `json:"crc"`
	Compressed bool             `json:"compressed"`
	Compound   bool             `json:"compound"`
	Plaintext  string           `json:"plaintext"`
	Messages   []decodedMessage `json:"messages"`
}

type trafficRecord struct {
	Scenario string        `json:"scenario"`
	Config   trafficConfig `json:"config"`
	Kind     string        `json:"kind"`
	Channel  string        `json:"channel"`
	From     string        `json:"from"`
	To       string        `json:"to"`
	Dir      string        `json:"dir,omitempty"`
	Hex      string        `json:"hex"`
	Decoded  decoded       `json:"decoded"`
}

var typeNames = map[uint8]string{
	0: "ping", 1: "indirectPing", 2: "ack", 3: "suspect", 4: "alive", 5: "dead", 6: "pushPull",
	7: "compound", 8: "user", 9: "compress", 10: "encrypt", 11: "nack", 12: "hasCrc", 13: "err",
}

func trafficConfigs() []trafficConfig {
	k16, k24, k32 := hx(key(16, 0x10)), hx(key(24, 0x20)), hx(key(32, 0x30))
	return []trafficConfig{
		{"plain", true, nil, 2, ""},
		{"no-compression", false, nil, 2, ""},
		{"key16-v1", true, []string{k16}, 2, ""},
		{"key24-v1", true, []string{k24}, 2, ""},
		{"key32-v1", true, []string{k32}, 2, ""},
		{"key16-v0", true, []string{k16}, 1, ""},
		{"key32-v0-no-compression", false, []string{k32}, 1, ""},
		{"label", true, nil, 2, "prod"},
		{"label-key32", true, []string{k32}, 2, "prod"},
		{"protocol-3", true, nil, 3, ""},
		{"protocol-4", true, nil, 4, ""},
		{"protocol-5", true, nil, 5, ""},
	}
}

// userDelegate gives the scenario user broadcasts, user state and a place to receive messages.
type userDelegate struct {
	queue *memberlist.TransmitLimitedQueue
	meta  []byte
}

type bcast []byte

func (b bcast) Invalidates(memberlist.Broadcast) bool { return false }
func (b bcast) Message() []byte                       { return b }
func (b bcast) Finished()                             {}

func (d *userDelegate) NodeMeta(int) []byte                     { return d.meta }
func (d *userDelegate) NotifyMsg([]byte)                        {}
func (d *userDelegate) GetBroadcasts(o, l int) [][]byte         { return d.queue.GetBroadcasts(o, l) }
func (d *userDelegate) LocalState(join bool) []byte             { return []byte(fmt.Sprintf("state join=%v", join)) }
func (d *userDelegate) MergeRemoteState(buf []byte, join bool) {}

// runScenario drives three real nodes through join, probes, gossip, user messages, a metadata
// update, an unreachable node (indirect probes, nacks, TCP ping, suspicion, death, refutation)
// and a graceful leave, and returns what went over the wire.
func runScenario(tc trafficConfig, base int) []wirerecorder.Record {
	nw := wirerecorder.NewNetwork()
	var keys [][]byte
	for _, k := range tc.Keys {
		b, _ := hex.DecodeString(k)
		keys = append(keys, b)
	}
	var nodes []*memberlist.Memberlist
	var delegates []*userDelegate
	addrs := []string{}
	for i := 0; i < 3; i++ {
		ip := fmt.Sprintf("127.0.%d.%d", base, 11+i)
		t := nw.NewTransport(ip, 7946)
		addrs = append(addrs, t.Addr())
		c := memberlist.DefaultLocalConfig()
		c.Name = fmt.Sprintf("n%d", i+1)
		c.Transport = t
		c.EnableCompression = tc.Compression
		c.ProtocolVersion = uint8(tc.ProtocolVersion)
		c.Label = tc.Label
		c.ProbeInterval = 60 * time.Millisecond
		c.ProbeTimeout = 25 * time.Millisecond
		c.GossipInterval = 20 * time.Millisecond
		c.PushPullInterval = 300 * time.Millisecond
		c.SuspicionMult = 2
		c.GossipToTheDeadTime = 200 * time.Millisecond
		c.TCPTimeout = 200 * time.Millisecond
		c.Logger = log.New(io.Discard, "", 0)
		if len(keys) > 0 {
			kr, err := memberlist.NewKeyring(keys, keys[0])
			must(err)
			c.Keyring = kr
		}
		d := &userDelegate{meta: []byte(c.Name + "-meta")}
		c.Delegate = d
		m, err := memberlist.Create(c)
		must(err)
		d.queue = &memberlist.TransmitLimitedQueue{NumNodes: m.NumMembers, RetransmitMult: 2}
		nodes = append(nodes, m)
		delegates = append(delegates, d)
	}
	_, err := nodes[1].Join([]string{addrs[0]})
	must(err)
	_, err = nodes[2].Join([]string{addrs[0]})
	must(err)
	time.Sleep(400 * time.Millisecond)
	delegates[0].queue.QueueBroadcast(bcast("user broadcast"))
	must(nodes[0].SendBestEffort(nodes[1].LocalNode(), []byte("best effort")))
	must(nodes[0].SendReliable(nodes[1].LocalNode(), []byte("reliable message")))
	delegates[1].meta = []byte("n2-meta-v2")
	_ = nodes[1].UpdateNode(200 * time.Millisecond)
	// UDP to n3 fails but TCP works: indirect probes with nacks and a successful TCP ping.
	nw.BlockPackets(addrs[0], addrs[2], true)
	nw.BlockPackets(addrs[1], addrs[2], true)
	time.Sleep(300 * time.Millisecond)
	nw.BlockPackets(addrs[0], addrs[2], false)
	nw.BlockPackets(addrs[1], addrs[2], false)
	// n3 becomes unreachable: indirect probes with nacks, failed TCP pings, suspicion, death.
	nw.Block(addrs[0], addrs[2], true)
	nw.Block(addrs[1], addrs[2], true)
	time.Sleep(900 * time.Millisecond)
	// Healed: n3 hears it was declared dead and refutes.
	nw.Block(addrs[0], addrs[2], false)
	nw.Block(addrs[1], addrs[2], false)
	time.Sleep(600 * time.Millisecond)
	_ = nodes[1].Leave(300 * time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	for _, m := range nodes {
		_ = m.Shutdown()
	}
	return nw.Records()
}

func decodePacketRecord(b []byte, tc trafficConfig, keys [][]byte) (decoded, error) {
	var d decoded
	buf, label, err := memberlist.RemoveLabelHeaderFromPacket(b)
	if err != nil {
		return d, err
	}
	if b[0] == 244 {
		d.Label = &label
	}
	if len(keys) > 0 {
		info, plain, err := decryptWithIndex(keys, buf, []byte(label))
		if err != nil {
			return d, err
		}
		d.Encrypted, buf = info, plain
	}
	if len(buf) >= 5 && buf[0] == w.HasCrcMsg {
		if crc32.ChecksumIEEE(buf[5:]) != binary.BigEndian.Uint32(buf[1:5]) {
			return d, fmt.Errorf("bad crc")
		}
		d.CRC, buf = true, buf[5:]
	}
	if buf[0] == w.CompressMsg {
		plain, err := w.DecompressPayload(buf[1:])
		if err != nil {
			return d, err
		}
		d.Compressed, buf = true, plain
	}
	d.Plaintext = hx(buf)
	parts := [][]byte{buf}
	if buf[0] == w.CompoundMsg {
		_, ps, err := w.SplitCompound(buf[1:])
		if err != nil {
			return d, err
		}
		d.Compound, parts = true, ps
	}
	for _, p := range parts {
		m, err := decodeBody(p)
		if err != nil {
			return d, err
		}
		d.Messages = append(d.Messages, m)
	}
	return d, nil
}

func decryptWithIndex(keys [][]byte, buf, aad []byte) (*encryptionInfo, []byte, error) {
	for i, k := range keys {
		if plain, err := w.DecryptPayload([][]byte{k}, buf, aad); err == nil {
			return &encryptionInfo{Version: buf[0], KeyIndex: i}, plain, nil
		}
	}
	return nil, nil, fmt.Errorf("no key decrypts the record")
}

// decodeBody decodes one whole message (type byte first) into Go-named fields.
func decodeBody(p []byte) (decodedMessage, error) {
	m := decodedMessage{Type: p[0], TypeName: typeNames[p[0]], Hex: hx(p)}
	var v any
	switch p[0] {
	case w.PingMsg:
		v = &w.Ping{}
	case w.IndirectPingMsg:
		v = &w.IndirectPingReq{}
	case w.AckRespMsg:
		v = &w.AckResp{}
	case w.NackRespMsg:
		v = &w.NackResp{}
	case w.SuspectMsg:
		v = &w.Suspect{}
	case w.AliveMsg:
		v = &w.Alive{}
	case w.DeadMsg:
		v = &w.Dead{}
	case w.ErrMsg:
		v = &w.ErrResp{}
	case w.UserMsg:
		s := hx(p[1:])
		m.Payload = &s
		return m, nil
	default:
		return m, fmt.Errorf("unexpected message type %d", p[0])
	}
	if err := w.Decode(p[1:], v); err != nil {
		return m, err
	}
	m.Fields = fieldsJSON(v)
	return m, nil
}

// decodeStreamRecord undoes label, encryption and compression of one stream side, then decodes
// the message the way memberlist's readStream/readRemoteState/readUserMsg do.
func decodeStreamRecord(b []byte, dir string, tc trafficConfig, keys [][]byte) (decoded, error) {
	var d decoded
	buf := b
	label := tc.Label
	if dir == "request" && len(buf) > 0 && buf[0] == 244 {
		n := int(buf[1])
		l := string(buf[2 : 2+n])
		d.Label, buf = &l, buf[2+n:]
	}
	if buf[0] == w.EncryptMsg {
		size := binary.BigEndian.Uint32(buf[1:5])
		aad := append(append([]byte{}, buf[:5]...), label...)
		info, plain, err := decryptWithIndex(keys, buf[5:5+size], aad)
		if err != nil {
			return d, err
		}
		d.Encrypted, buf = info, plain
	}
	if buf[0] == w.CompressMsg {
		plain, err := w.DecompressPayload(buf[1:])
		if err != nil {
			return d, err
		}
		d.Compressed, buf = true, plain
	}
	d.Plaintext = hx(buf)
	msg := decodedMessage{Type: buf[0], TypeName: typeNames[buf[0]], Hex: hx(buf)}
	r := bytes.NewReader(buf[1:])
	dec := codec.NewDecoder(r, &codec.MsgpackHandle{})
	switch buf[0] {
	case w.PushPullMsg:
		var h w.PushPullHeader
		if err := dec.Decode(&h); err != nil {
			return d, err
		}
		msg.Header = fieldsJSON(&h)
		for i := 0; i < h.Nodes; i++ {
			var n w.PushNodeState
			if err := dec.Decode(&n); err != nil {
				return d, err
			}
			msg.Nodes = append(msg.Nodes, fieldsJSON(&n))
		}
		us := make([]byte, h.UserStateLen)
		if _, err := io.ReadFull(r, us); err != nil {
			return d, err
		}
		s := hx(us)
		msg.UserState = &s
	case w.UserMsg:
		var h w.UserMsgHeader
		if err := dec.Decode(&h); err != nil {
			return d, err
		}
		msg.Header = fieldsJSON(&h)
		payload := make([]byte, h.UserMsgLen)
		if _, err := io.ReadFull(r, payload); err != nil {
			return d, err
		}
		s := hx(payload)
		msg.Payload = &s
	default:
		m, err := decodeBody(buf)
		if err != nil {
			return d, err
		}
		msg.Fields = m.Fields
	}
	d.Messages = []decodedMessage{msg}
	return d, nil
}

// kindOf names what a record carries, for picking a few of each kind.
func kindOf(channel string, d decoded) string {
	var names []string
	for _, m := range d.Messages {
		names = append(names, m.TypeName)
	}
	sort.Strings(names)
	names = uniq(names)
	k := channel + ":" + strings.Join(names, "+")
	if d.Compound {
		k += ":compound"
	}
	if d.CRC {
		k += ":crc"
	}
	if d.Compressed {
		k += ":compressed"
	}
	return k
}

func uniq(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || s[i-1] != x {
			out = append(out, x)
		}
	}
	return out
}

const perKind = 2

func trafficVectors() []trafficRecord {
	configs := trafficConfigs()
	results := make([][]trafficRecord, len(configs))
	var wg sync.WaitGroup
	for i, tc := range configs {
		wg.Add(1)
		go func(i int, tc trafficConfig) {
			defer wg.Done()
			var keys [][]byte
			for _, k := range tc.Keys {
				b, _ := hex.DecodeString(k)
				keys = append(keys, b)
			}
			seen := map[string]int{}
			for _, r := range runScenario(tc, i+1) {
				var d decoded
				var err error
				if r.Channel == "packet" {
					d, err = decodePacketRecord(r.Bytes, tc, keys)
				} else {
					d, err = decodeStreamRecord(r.Bytes, r.Dir, tc, keys)
				}
				if err != nil {
					panic(fmt.Sprintf("%s: cannot decode a record memberlist wrote: %v", tc.Name, err))
				}
				kind := kindOf(r.Channel, d)
				if seen[kind] >= perKind {
					continue
				}
				seen[kind]++
				results[i] = append(results[i], trafficRecord{
					Scenario: "three-nodes", Config: tc, Kind: kind, Channel: r.Channel,
					From: r.From, To: r.To, Dir: r.Dir, Hex: hx(r.Bytes), Decoded: d,
				})
			}
		}(i, tc)
	}
	wg.Wait()
	var all []trafficRecord
	for _, rs := range results {
		sort.SliceStable(rs, func(a, b int) bool { return rs[a].Kind < rs[b].Kind })
		all = append(all, rs...)
	}
	return all
}
