// gobench measures Go memberlist's own codec (its unexported encode/decode, reached through
// go:linkname) per message type, AES-GCM and LZW on 1400-byte packets, and the push/pull merge of
// a large remote state, for `npm run bench`; `memnode` runs a plain node for the memory benchmark.
// It prints one JSON object; the TypeScript side runs the same inputs and prints the ratios.
package main

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"time"

	w "github.com/memberlist-ts/interop/internal/wirego"
)

type result struct {
	Name       string  `json:"name"`
	EncodeOps  float64 `json:"encodeOps"`
	DecodeOps  float64 `json:"decodeOps"`
	RoundTrips float64 `json:"roundTripOps"`
	Bytes      int     `json:"bytes"`
	Input      string  `json:"input"`
}

// opsPerSec runs fn in batches until `dur` has passed and returns calls per second.
func opsPerSec(dur time.Duration, fn func()) float64 {
	for i := 0; i < 1000; i++ { // warm-up
		fn()
	}
	n := 0
	start := time.Now()
	for time.Since(start) < dur {
		for i := 0; i < 256; i++ {
			fn()
		}
		n += 256
	}
	return float64(n) / time.Since(start).Seconds()
}

func roundTrip(enc, dec float64) float64 { return 1 / (1/enc + 1/dec) }

// Inputs: realistic values (node names like a Consul/Serf cluster's, IPv4 addresses, full Vsn).
var (
	addr = []byte{10, 1, 2, 3}
	vsn  = []uint8{1, 5, 2, 2, 5, 4}
	meta = []byte("\xff\x83\xa4role\xa4node\xa2dc\xa3dc1\xa3vsn\xa1\x32aaaa") // 32 bytes of tags
)

type codecCase struct {
	name    string
	msgType uint8
	value   any
	noType  bool // pushNodeState travels without a type byte
}

func codecCases() []codecCase {
	return []codecCase{
		{"ping", w.PingMsg, &w.Ping{SeqNo: 123456, Node: "node-12.dc1", SourceAddr: addr, SourcePort: 7946, SourceNode: "node-7.dc1"}, false},
		{"indirectPing", w.IndirectPingMsg, &w.IndirectPingReq{SeqNo: 123456, Target: addr, Port: 7946, Node: "node-12.dc1", Nack: true, SourceAddr: addr, SourcePort: 7946, SourceNode: "node-7.dc1"}, false},
		{"ack", w.AckRespMsg, &w.AckResp{SeqNo: 123456, Payload: meta}, false},
		{"nack", w.NackRespMsg, &w.NackResp{SeqNo: 123456}, false},
		{"suspect", w.SuspectMsg, &w.Suspect{Incarnation: 42, Node: "node-12.dc1", From: "node-7.dc1"}, false},
		{"alive", w.AliveMsg, &w.Alive{Incarnation: 42, Node: "node-12.dc1", Addr: addr, Port: 7946, Meta: meta, Vsn: vsn}, false},
		{"dead", w.DeadMsg, &w.Dead{Incarnation: 42, Node: "node-12.dc1", From: "node-7.dc1"}, false},
		{"pushPullHeader", w.PushPullMsg, &w.PushPullHeader{Nodes: 1000, UserStateLen: 300, Join: false}, false},
		{"pushNodeState", w.PushPullMsg, &w.PushNodeState{Name: "node-12.dc1", Addr: addr, Port: 7946, Meta: meta, Incarnation: 42, State: 0, Vsn: vsn}, true},
		{"userMsgHeader", w.UserMsg, &w.UserMsgHeader{UserMsgLen: 1024}, false},
		{"compress", w.CompressMsg, &w.Compress{Algo: 0, Buf: make([]byte, 600)}, false},
		{"err", w.ErrMsg, &w.ErrResp{Error: "no installed keys could decrypt the message"}, false},
	}
}

func benchCodec(dur time.Duration) []result {
	var out []result
	for _, c := range codecCases() {
		c := c
		enc, err := w.Encode(c.msgType, c.value)
		if err != nil {
			panic(err)
		}
		typ := reflect.TypeOf(c.value).Elem()
		e := opsPerSec(dur, func() { _, _ = w.Encode(c.msgType, c.value) })
		d := opsPerSec(dur, func() {
			v := reflect.New(typ).Interface()
			if err := w.Decode(enc[1:], v); err != nil {
				panic(err)
			}
		})
		input := enc
		if c.noType {
			input = enc[1:]
		}
		out = append(out, result{c.name, e, d, roundTrip(e, d), len(input), hex.EncodeToString(input)})
	}
	// compound: a ping plus four alives, as a probe piggy-backs gossip.
	ping, _ := w.Encode(w.PingMsg, codecCases()[0].value)
	alive, _ := w.Encode(w.AliveMsg, codecCases()[5].value)
	parts := [][]byte{ping, alive, alive, alive, alive}
	compound := w.Compound(parts)
	e := opsPerSec(dur, func() { _ = w.Compound(parts) })
	d := opsPerSec(dur, func() {
		if _, _, err := w.SplitCompound(compound[1:]); err != nil {
			panic(err)
		}
	})
	out = append(out, result{"compound", e, d, roundTrip(e, d), len(compound), hex.EncodeToString(compound)})
	return out
}

// packet1400 is a realistic 1400-byte gossip packet: a compound of alive messages.
func packet1400() []byte {
	var parts [][]byte
	size := 2
	for i := 0; ; i++ {
		a := &w.Alive{Incarnation: uint32(i), Node: fmt.Sprintf("node-%d.dc1", i), Addr: []byte{10, 1, byte(i >> 8), byte(i)}, Port: 7946, Meta: meta, Vsn: vsn}
		m, _ := w.Encode(w.AliveMsg, a)
		if size+2+len(m) > 1400 {
			break
		}
		parts = append(parts, m)
		size += 2 + len(m)
	}
	p := w.Compound(parts)
	return append(p, make([]byte, 1400-len(p))...)
}

func benchCrypto(dur time.Duration) []result {
	var out []result
	pkt := packet1400()
	for _, size := range []int{16, 32} {
		key := make([]byte, size)
		for i := range key {
			key[i] = byte(i)
		}
		sealed, _ := w.EncryptPayload(1, key, pkt, []byte("label"))
		e := opsPerSec(dur, func() { _, _ = w.EncryptPayload(1, key, pkt, []byte("label")) })
		d := opsPerSec(dur, func() {
			if _, err := w.DecryptPayload([][]byte{key}, sealed, []byte("label")); err != nil {
				panic(err)
			}
		})
		out = append(out, result{fmt.Sprintf("aes-gcm-%d", size*8), e, d, roundTrip(e, d), len(pkt), hex.EncodeToString(pkt)})
	}
	return out
}

func benchLZW(dur time.Duration) []result {
	pkt := packet1400()
	c, _ := w.CompressPayload(pkt)
	e := opsPerSec(dur, func() { _, _ = w.CompressPayload(pkt) })
	d := opsPerSec(dur, func() {
		if _, err := w.DecompressPayload(c[1:]); err != nil {
			panic(err)
		}
	})
	return []result{{"lzw-1400", e, d, roundTrip(e, d), len(pkt), hex.EncodeToString(pkt)}}
}

func main() {
	ms := flag.Int("ms", 300, "milliseconds per measurement")
	statePath := flag.String("state", "", "merge: file holding a push/pull message")
	bind := flag.String("bind", "127.0.1.46", "merge: IP to bind (port 0); memnode: IP:PORT")
	reps := flag.Int("reps", 5, "merge: repetitions")
	warmup := flag.Int("warmup", 0, "merge: untimed fresh merges first")
	name := flag.String("name", "gobench-memnode", "memnode: node name")
	flag.Parse()
	dur := time.Duration(*ms) * time.Millisecond
	what := flag.Arg(0)
	var res []result
	switch what {
	case "codec":
		res = benchCodec(dur)
	case "crypto":
		res = benchCrypto(dur)
	case "lzw":
		res = benchLZW(dur)
	case "merge":
		_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"go": runtime.Version(), "results": benchMerge(*statePath, *bind, *reps, *warmup)})
		return
	case "memnode":
		if err := runMemNode(*name, *bind); err != nil {
			fmt.Fprintln(os.Stderr, "gobench memnode:", err)
			os.Exit(1)
		}
		return
	default:
		fmt.Fprintln(os.Stderr, "usage: gobench [flags] codec|crypto|lzw|merge|memnode")
		os.Exit(2)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"go": runtime.Version(), "results": res})
}
