package main

// memnode: a plain LAN-profile memberlist node for the memory benchmark. It prints one "ready"
// line, then answers each "mem" line on stdin with its live heap after a GC and its RSS
// ("mem-release": the same after debug.FreeOSMemory, which also returns free pages to the
// system), and shuts down when stdin ends.

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/hashicorp/memberlist"
)

func runMemNode(name, bind string) error {
	host, portText, err := net.SplitHostPort(bind)
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return err
	}
	conf := memberlist.DefaultLANConfig()
	conf.Name = name
	conf.BindAddr = host
	conf.BindPort = port
	conf.LogOutput = io.Discard
	m, err := memberlist.Create(conf)
	if err != nil {
		return err
	}
	defer m.Shutdown()
	out := json.NewEncoder(os.Stdout)
	_ = out.Encode(map[string]any{"event": "ready", "name": name})
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		cmd := strings.TrimSpace(sc.Text())
		if cmd != "mem" && cmd != "mem-release" {
			continue
		}
		runtime.GC()
		if cmd == "mem-release" {
			debug.FreeOSMemory()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		_ = out.Encode(map[string]any{
			"event": "mem", "members": m.NumMembers(), "heap": ms.HeapAlloc, "rss": selfRSS(),
		})
	}
	return nil
}

// selfRSS is VmRSS from /proc/self/status, in bytes (0 when unavailable).
func selfRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}
