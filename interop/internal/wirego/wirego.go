// Package wirego reaches memberlist's own (unexported) encoders and message layouts, so the
// interop programs produce bytes with real memberlist code rather than a re-implementation.
//
// The functions are bound with go:linkname; the structs mirror memberlist's wire structs field for
// field (names, types and codec tags), which is what its reflection-based msgpack codec encodes.
package wirego

import (
	"bytes"
	_ "unsafe" // go:linkname

	"github.com/hashicorp/memberlist"
)

// Message types, as in memberlist's net.go.
const (
	PingMsg         uint8 = 0
	IndirectPingMsg uint8 = 1
	AckRespMsg      uint8 = 2
	SuspectMsg      uint8 = 3
	AliveMsg        uint8 = 4
	DeadMsg         uint8 = 5
	PushPullMsg     uint8 = 6
	CompoundMsg     uint8 = 7
	UserMsg         uint8 = 8
	CompressMsg     uint8 = 9
	EncryptMsg      uint8 = 10
	NackRespMsg     uint8 = 11
	HasCrcMsg       uint8 = 12
	ErrMsg          uint8 = 13
)

var _ = memberlist.DefaultLANConfig // links the package

type Ping struct {
	SeqNo      uint32
	Node       string
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type IndirectPingReq struct {
	SeqNo      uint32
	Target     []byte
	Port       uint16
	Node       string
	Nack       bool
	SourceAddr []byte `codec:",omitempty"`
	SourcePort uint16 `codec:",omitempty"`
	SourceNode string `codec:",omitempty"`
}

type AckResp struct {
	SeqNo   uint32
	Payload []byte
}

type NackResp struct {
	SeqNo uint32
}

type ErrResp struct {
	Error string
}

type Suspect struct {
	Incarnation uint32
	Node        string
	From        string
}

type Alive struct {
	Incarnation uint32
	Node        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Vsn         []uint8
}

type Dead struct {
	Incarnation uint32
	Node        string
	From        string
}

type PushPullHeader struct {
	Nodes        int
	UserStateLen int
	Join         bool
}

type UserMsgHeader struct {
	UserMsgLen int
}

type PushNodeState struct {
	Name        string
	Addr        []byte
	Port        uint16
	Meta        []byte
	Incarnation uint32
	State       int
	Vsn         []uint8
}

type Compress struct {
	Algo uint8
	Buf  []byte
}

//go:linkname encode github.com/hashicorp/memberlist.encode
func encode(msgType uint8, in any, msgpackUseNewTimeFormat bool) (*bytes.Buffer, error)

//go:linkname decode github.com/hashicorp/memberlist.decode
func decode(buf []byte, out any) error

//go:linkname makeCompoundMessage github.com/hashicorp/memberlist.makeCompoundMessage
func makeCompoundMessage(msgs [][]byte) *bytes.Buffer

//go:linkname decodeCompoundMessage github.com/hashicorp/memberlist.decodeCompoundMessage
func decodeCompoundMessage(buf []byte) (trunc int, parts [][]byte, err error)

//go:linkname compressPayload github.com/hashicorp/memberlist.compressPayload
func compressPayload(inp []byte, msgpackUseNewTimeFormat bool) (*bytes.Buffer, error)

//go:linkname decompressPayload github.com/hashicorp/memberlist.decompressPayload
func decompressPayload(msg []byte) ([]byte, error)

//go:linkname encryptPayload github.com/hashicorp/memberlist.encryptPayload
func encryptPayload(vsn uint8, key []byte, msg []byte, data []byte, dst *bytes.Buffer) error

//go:linkname decryptPayload github.com/hashicorp/memberlist.decryptPayload
func decryptPayload(keys [][]byte, msg []byte, data []byte) ([]byte, error)

// Encode is memberlist's encode: the type byte followed by the msgpack body.
func Encode(msgType uint8, in any) ([]byte, error) {
	b, err := encode(msgType, in, false)
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode is memberlist's decode of a msgpack body (without the type byte).
func Decode(buf []byte, out any) error { return decode(buf, out) }

// Compound is memberlist's makeCompoundMessage.
func Compound(msgs [][]byte) []byte { return makeCompoundMessage(msgs).Bytes() }

// SplitCompound is memberlist's decodeCompoundMessage (buf excludes the type byte).
func SplitCompound(buf []byte) (int, [][]byte, error) { return decodeCompoundMessage(buf) }

// CompressPayload is memberlist's compressPayload: a whole compress message.
func CompressPayload(inp []byte) ([]byte, error) {
	b, err := compressPayload(inp, false)
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DecompressPayload is memberlist's decompressPayload (msg excludes the type byte).
func DecompressPayload(msg []byte) ([]byte, error) { return decompressPayload(msg) }

// EncryptPayload is memberlist's encryptPayload.
func EncryptPayload(vsn uint8, key, msg, aad []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := encryptPayload(vsn, key, msg, aad, &buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecryptPayload is memberlist's decryptPayload.
func DecryptPayload(keys [][]byte, msg, aad []byte) ([]byte, error) { return decryptPayload(keys, msg, aad) }
