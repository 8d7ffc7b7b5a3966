// golzw compresses and decompresses with Go's compress/lzw exactly as memberlist does
// (LSB bit order, 8-bit literals), for LZW interop tests.
//
// Batch protocol on stdin/stdout, one frame per request:
//
//	request:  op byte ('c' compress, 'd' decompress), u32 big-endian length, data
//	response: status byte (0 ok, 1 error), u32 big-endian length, data or error text
package main

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"io"
	"os"
)

func run(op byte, data []byte) ([]byte, error) {
	var out bytes.Buffer
	if op == 'c' {
		w := lzw.NewWriter(&out, lzw.LSB, 8)
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	}
	r := lzw.NewReader(bytes.NewReader(data), lzw.LSB, 8)
	defer r.Close()
	if _, err := io.Copy(&out, r); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var hdr [5]byte
	for {
		if _, err := io.ReadFull(in, hdr[:]); err != nil {
			return
		}
		data := make([]byte, binary.BigEndian.Uint32(hdr[1:]))
		if _, err := io.ReadFull(in, data); err != nil {
			return
		}
		res, err := run(hdr[0], data)
		status := byte(0)
		if err != nil {
			status, res = 1, []byte(err.Error())
		}
		var rh [5]byte
		rh[0] = status
		binary.BigEndian.PutUint32(rh[1:], uint32(len(res)))
		out.Write(rh[:])
		out.Write(res)
		out.Flush()
	}
}
