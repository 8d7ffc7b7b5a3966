package main

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/hashicorp/memberlist"
)

// memberlist's public Node.State is never updated (the node table keeps the real state in a
// field of its own), so to report alive/suspect/dead/left and incarnations the way tests need, we
// read the node table itself. Callers must hold the node lock, or be inside a delegate callback
// that memberlist calls with the lock held (join/leave/update events).

type tableEntry struct {
	state       memberlist.NodeStateType
	incarnation uint32
}

func nodeLock(m *memberlist.Memberlist) *sync.RWMutex {
	f := reflect.ValueOf(m).Elem().FieldByName("nodeLock")
	return (*sync.RWMutex)(unsafe.Pointer(f.UnsafeAddr()))
}

// tableLocked reads every entry of the node table; the node lock must be held.
func tableLocked(m *memberlist.Memberlist) map[string]tableEntry {
	out := map[string]tableEntry{}
	nodes := reflect.ValueOf(m).Elem().FieldByName("nodes")
	for i := 0; i < nodes.Len(); i++ {
		ns := nodes.Index(i).Elem()
		name := ns.FieldByName("Node").FieldByName("Name").String()
		out[name] = tableEntry{
			state:       memberlist.NodeStateType(ns.FieldByName("State").Int()),
			incarnation: uint32(ns.FieldByName("Incarnation").Uint()),
		}
	}
	return out
}

// allNodes returns every node in the table (dead and left included) with its real state.
func allNodes(m *memberlist.Memberlist) []map[string]any {
	mu := nodeLock(m)
	mu.RLock()
	defer mu.RUnlock()
	table := tableLocked(m)
	nodes := reflect.ValueOf(m).Elem().FieldByName("nodes")
	var out []map[string]any
	for i := 0; i < nodes.Len(); i++ {
		n := (*memberlist.Node)(unsafe.Pointer(nodes.Index(i).Elem().FieldByName("Node").UnsafeAddr()))
		j := nodeJSON(n)
		e := table[n.Name]
		j["state"] = stateName(e.state)
		j["incarnation"] = e.incarnation
		out = append(out, j)
	}
	return out
}
