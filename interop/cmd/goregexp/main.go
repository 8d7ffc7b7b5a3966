// Command goregexp is the Go side of the tag-filter differential test (test/serf-regexp.test.ts):
// it reads JSON lines {"pattern": …, "input": …} on stdin and writes one JSON line per input,
// {"ok": true, "match": bool} when regexp.Compile accepts the pattern (Serf's filter is
// regexp.MatchString, unanchored), or {"ok": false, "error": "…"} when it does not.
// Patterns and inputs may also come base64-encoded ("patternB64", "inputB64") to carry bytes
// that are not valid UTF-8.
package main

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"os"
	"regexp"
)

type request struct {
	Pattern    string `json:"pattern"`
	Input      string `json:"input"`
	PatternB64 string `json:"patternB64,omitempty"`
	InputB64   string `json:"inputB64,omitempty"`
}

type response struct {
	OK    bool   `json:"ok"`
	Match bool   `json:"match"`
	Error string `json:"error,omitempty"`
}

func decode(plain, b64 string) string {
	if b64 == "" {
		return plain
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			panic(err)
		}
		re, err := regexp.Compile(decode(req.Pattern, req.PatternB64))
		var resp response
		if err != nil {
			resp.Error = err.Error()
		} else {
			resp.OK = true
			resp.Match = re.MatchString(decode(req.Input, req.InputB64))
		}
		if err := enc.Encode(resp); err != nil {
			panic(err)
		}
		out.Flush()
	}
	if err := in.Err(); err != nil {
		panic(err)
	}
}
