package main

import (
	"bytes"
	"compress/lzw"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"math/rand"

	"github.com/hashicorp/memberlist"
	w "github.com/memberlist-ts/interop/internal/wirego"
)

type compoundVector struct {
	Name  string   `json:"name"`
	Parts []string `json:"parts"`
	Hex   string   `json:"hex"`
}

type compoundDecodeVector struct {
	Name      string   `json:"name"`
	Hex       string   `json:"hex"`
	Parts     []string `json:"parts"`
	Truncated int      `json:"truncated"`
	Error     *string  `json:"error"`
}

type inputVector struct {
	Name  string `json:"name"`
	Input string `json:"input"`
	Hex   string `json:"hex"`
}

// generatedInput describes a large input TS regenerates instead of storing it.
type generatedInput struct {
	Kind   string `json:"kind"` // "lcg": byte i = (state>>16) % modulo, state = state*1103515245+12345 (u32)
	Seed   uint32 `json:"seed"`
	Length int    `json:"length"`
	Modulo int    `json:"modulo"`
}

type lzwVector struct {
	Name         string          `json:"name"`
	Input        string          `json:"input,omitempty"`
	Generated    *generatedInput `json:"generated,omitempty"`
	Output       string          `json:"output,omitempty"`
	OutputLength int             `json:"outputLength"`
	OutputSHA256 string          `json:"outputSha256"`
}

type crcVector struct {
	Name    string `json:"name"`
	Payload string `json:"payload"`
	CRC     uint32 `json:"crc"`
	Hex     string `json:"hex"`
}

type labelVector struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Payload string `json:"payload"`
	Hex     string `json:"hex"`
}

type encryptVector struct {
	Name      string `json:"name"`
	Version   uint8  `json:"version"`
	Key       string `json:"key"`
	AAD       string `json:"aad"`
	Plaintext string `json:"plaintext"`
	Hex       string `json:"hex"`
}

type decryptVector struct {
	Name      string   `json:"name"`
	Keys      []string `json:"keys"`
	AAD       string   `json:"aad"`
	Hex       string   `json:"hex"`
	Plaintext *string  `json:"plaintext"`
	Error     *string  `json:"error"`
}

type streamFrameVector struct {
	Name      string `json:"name"`
	Version   uint8  `json:"version"`
	Key       string `json:"key"`
	Label     string `json:"label"`
	Plaintext string `json:"plaintext"`
	Hex       string `json:"hex"`
}

type framing struct {
	Compound       []compoundVector       `json:"compound"`
	CompoundDecode []compoundDecodeVector `json:"compoundDecode"`
	Compress       []inputVector          `json:"compress"`
	LZW            []lzwVector            `json:"lzw"`
	CRC            []crcVector            `json:"crc"`
	Label          []labelVector          `json:"label"`
	Encrypt        []encryptVector        `json:"encrypt"`
	Decrypt        []decryptVector        `json:"decrypt"`
	StreamFrame    []streamFrameVector    `json:"streamFrame"`
}

func hx(b []byte) string { return hex.EncodeToString(b) }

func lcg(g generatedInput) []byte {
	out := make([]byte, g.Length)
	s := g.Seed
	for i := range out {
		s = s*1103515245 + 12345
		out[i] = byte(int(s>>16) % g.Modulo)
	}
	return out
}

// goLZW compresses exactly as memberlist's compressPayload does (LSB, literal width 8).
func goLZW(in []byte) []byte {
	var b bytes.Buffer
	zw := lzw.NewWriter(&b, lzw.LSB, 8)
	_, err := zw.Write(in)
	must(err)
	must(zw.Close())
	return b.Bytes()
}

func key(n int, salt byte) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = byte(i*7) + salt
	}
	return k
}

func framingVectors() framing {
	var f framing
	ping, _ := w.Encode(w.PingMsg, &w.Ping{SeqNo: 1, Node: "n2", SourceAddr: ip4, SourcePort: 7946, SourceNode: "n1"})
	alive, _ := w.Encode(w.AliveMsg, &w.Alive{Incarnation: 1, Node: "n1", Addr: ip4, Port: 7946, Vsn: vsn})
	user := append([]byte{w.UserMsg}, []byte("hello")...)

	// Compound messages made by memberlist's makeCompoundMessage.
	addCompound := func(name string, parts [][]byte) {
		var hexParts []string
		for _, p := range parts {
			hexParts = append(hexParts, hx(p))
		}
		f.Compound = append(f.Compound, compoundVector{name, hexParts, hx(w.Compound(parts))})
	}
	addCompound("one-part", [][]byte{ping})
	addCompound("ping-alive", [][]byte{ping, alive})
	addCompound("with-user-message", [][]byte{alive, user, ping})
	var many [][]byte
	for i := 0; i < 255; i++ {
		m, _ := w.Encode(w.NackRespMsg, &w.NackResp{SeqNo: uint32(i)})
		many = append(many, m)
	}
	addCompound("255-parts", many)

	// decodeCompoundMessage on good and broken input.
	addDecode := func(name string, body []byte) {
		trunc, parts, err := w.SplitCompound(body)
		v := compoundDecodeVector{Name: name, Hex: hx(body), Truncated: trunc, Parts: []string{}}
		for _, p := range parts {
			v.Parts = append(v.Parts, hx(p))
		}
		if err != nil {
			s := err.Error()
			v.Error = &s
		}
		f.CompoundDecode = append(f.CompoundDecode, v)
	}
	good := w.Compound([][]byte{ping, alive})[1:]
	addDecode("good", good)
	addDecode("last-part-short", good[:len(good)-3])
	addDecode("first-part-short", good[:5+10])
	addDecode("truncated-length-slice", good[:3])
	addDecode("empty", []byte{})
	addDecode("zero-parts", []byte{0})

	// compressPayload: whole compress messages.
	for _, in := range []struct {
		name string
		b    []byte
	}{{"empty", nil}, {"one-byte", []byte{'a'}}, {"ping-alive-compound", w.Compound([][]byte{ping, alive})}, {"alive", alive}} {
		c, err := w.CompressPayload(in.b)
		must(err)
		f.Compress = append(f.Compress, inputVector{in.name, hx(in.b), hx(c)})
	}

	// Raw LZW, small inputs stored, large ones described by a generator.
	addLZW := func(name string, in []byte, g *generatedInput) {
		out := goLZW(in)
		sum := sha256.Sum256(out)
		v := lzwVector{Name: name, Generated: g, OutputLength: len(out), OutputSHA256: hx(sum[:])}
		if g == nil {
			v.Input = hx(in)
		}
		if len(out) <= 8192 {
			v.Output = hx(out)
		}
		f.LZW = append(f.LZW, v)
	}
	addLZW("empty", []byte{}, nil)
	addLZW("one-byte", []byte{'a'}, nil)
	addLZW("hello", []byte("hello"), nil)
	addLZW("kwkwk", []byte("abababababababababab"), nil)
	addLZW("repetitive-4k", bytes.Repeat([]byte("memberlist "), 373), nil)
	for _, g := range []generatedInput{
		{"lcg", 1, 65536, 256},    // random: 12-bit codes and table resets
		{"lcg", 2, 400_000, 256},  // fills the code table many times
		{"lcg", 3, 1 << 20, 7},    // 1 MiB, low entropy: long matches
		{"lcg", 4, 1<<20 + 5, 256}, // 1 MiB random
	} {
		g := g
		addLZW("generated", lcg(g), &g)
	}

	// CRC header as rawSendMsgPacket builds it.
	for _, in := range []struct {
		name string
		b    []byte
	}{{"ping", ping}, {"compound", w.Compound([][]byte{ping, alive})}, {"empty", []byte{}}} {
		crc := crc32.ChecksumIEEE(in.b)
		h := make([]byte, 5, 5+len(in.b))
		h[0] = w.HasCrcMsg
		binary.BigEndian.PutUint32(h[1:], crc)
		f.CRC = append(f.CRC, crcVector{in.name, hx(in.b), crc, hx(append(h, in.b...))})
	}

	// Labels with memberlist's AddLabelHeaderToPacket.
	for _, l := range []string{"a", "prod", string(bytes.Repeat([]byte{'L'}, 255))} {
		out, err := memberlist.AddLabelHeaderToPacket(ping, l)
		must(err)
		f.Label = append(f.Label, labelVector{"label-" + itoa(len(l)), l, hx(ping), hx(out)})
	}

	// Encryption with memberlist's encryptPayload (random nonces).
	r := rand.New(rand.NewSource(7))
	for _, size := range []int{16, 24, 32} {
		for _, vsnByte := range []uint8{0, 1} {
			for _, aad := range []string{"", "prod"} {
				for _, n := range []int{0, 1, 15, 16, 17, 1400} {
					pt := make([]byte, n)
					r.Read(pt)
					k := key(size, byte(n))
					enc, err := w.EncryptPayload(vsnByte, k, pt, []byte(aad))
					must(err)
					f.Encrypt = append(f.Encrypt, encryptVector{
						Name: "key" + itoa(size) + "-v" + itoa(int(vsnByte)) + "-aad" + itoa(len(aad)) + "-len" + itoa(n),
						Version: vsnByte, Key: hx(k), AAD: hx([]byte(aad)), Plaintext: hx(pt), Hex: hx(enc),
					})
				}
			}
		}
	}

	// decryptPayload with keyrings.
	k1, k2, k3 := key(16, 1), key(24, 2), key(32, 3)
	msg := []byte("secret gossip")
	encK2, _ := w.EncryptPayload(1, k2, msg, []byte("lbl"))
	encK3v0, _ := w.EncryptPayload(0, k3, msg, nil)
	addDecrypt := func(name string, keys [][]byte, aad string, payload []byte) {
		v := decryptVector{Name: name, AAD: hx([]byte(aad)), Hex: hx(payload)}
		for _, k := range keys {
			v.Keys = append(v.Keys, hx(k))
		}
		plain, err := w.DecryptPayload(keys, payload, []byte(aad))
		if err != nil {
			s := err.Error()
			v.Error = &s
		} else {
			s := hx(plain)
			v.Plaintext = &s
		}
		f.Decrypt = append(f.Decrypt, v)
	}
	addDecrypt("right-key-second", [][]byte{k1, k2, k3}, "lbl", encK2)
	addDecrypt("v0-right-key-last", [][]byte{k1, k2, k3}, "", encK3v0)
	addDecrypt("wrong-key", [][]byte{k1, k3}, "lbl", encK2)
	addDecrypt("wrong-label", [][]byte{k2}, "other", encK2)
	addDecrypt("too-short", [][]byte{k2}, "", encK2[:20])
	addDecrypt("bad-version", [][]byte{k2}, "lbl", append([]byte{2}, encK2[1:]...))

	// Encrypted stream frames as rawSendMsgStream/encryptLocalState build them.
	for _, c := range []struct {
		vsn   uint8
		size  int
		label string
	}{{1, 16, ""}, {1, 32, "prod"}, {0, 24, ""}, {0, 32, "prod"}} {
		k := key(c.size, 9)
		pt, _ := w.CompressPayload(w.Compound([][]byte{ping, alive}))
		length := encryptedLen(c.vsn, len(pt))
		header := []byte{w.EncryptMsg, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(header[1:], uint32(length))
		enc, err := w.EncryptPayload(c.vsn, k, pt, append(append([]byte{}, header...), c.label...))
		must(err)
		f.StreamFrame = append(f.StreamFrame, streamFrameVector{
			Name: "v" + itoa(int(c.vsn)) + "-key" + itoa(c.size) + "-label" + itoa(len(c.label)),
			Version: c.vsn, Key: hx(k), Label: c.label, Plaintext: hx(pt), Hex: hx(append(header, enc...)),
		})
	}
	return f
}

func encryptedLen(vsn uint8, n int) int {
	if vsn == 0 {
		return 1 + 12 + n + (16 - n%16) + 16
	}
	return 1 + 12 + n + 16
}
