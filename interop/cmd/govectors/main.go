// govectors writes golden vectors produced by real Go memberlist (v0.6.0): message bodies and
// framing layers made by memberlist's own functions, and the traffic real nodes send in a scripted
// three-node scenario under several configurations. `npm run vectors` regenerates them.
package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func header() map[string]any {
	return map[string]any{
		"generator":  "interop/cmd/govectors",
		"memberlist": "v0.6.0",
		"go":         runtime.Version(),
		"regenerate": "npm run vectors",
	}
}

func write(dir, name string, body map[string]any) {
	doc := header()
	for k, v := range body {
		doc[k] = v
	}
	b, err := json.MarshalIndent(doc, "", " ")
	must(err)
	must(os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644))
}

func main() {
	out := flag.String("out", "test/vectors", "output directory")
	only := flag.String("only", "", "messages|framing|traffic (default all)")
	flag.Parse()
	must(os.MkdirAll(*out, 0o755))
	if *only == "" || *only == "messages" {
		write(*out, "messages.json", map[string]any{"vectors": messageVectors()})
	}
	if *only == "" || *only == "framing" {
		f := framingVectors()
		write(*out, "framing.json", map[string]any{"framing": f})
	}
	if *only == "" || *only == "traffic" {
		write(*out, "traffic.json", map[string]any{"records": trafficVectors()})
	}
}
