// chaos-porcupine: checks each key of a fault run's history (libs/chaos JSONL) as a linearizable
// register with Porcupine. Writes answered 201 are known to have happened within their
// [invoke, complete]; writes answered otherwise except 4xx may have happened at any time after
// their invoke (Jepsen's :info: their return is put at the end of the history); 4xx writes did
// not happen and failed reads are left out. A 404 read returns the empty register.
//
// Usage: chaos-porcupine [-timeout-per-key 2s] history.jsonl
// Prints one JSON object: {"result":"Ok|Illegal|Unknown","keys":N,"operations":N,"illegal":[...],"unknown":[...]}.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

type line struct {
	T          string          `json:"t"`
	Worker     int             `json:"worker"`
	Op         string          `json:"op"`
	Key        string          `json:"key"`
	Value      *string         `json:"value"`
	InvokeMs   float64         `json:"invokeMs"`
	CompleteMs float64         `json:"completeMs"`
	Status     json.RawMessage `json:"status"`
}

type input struct {
	write bool
	value string
}

func status(raw json.RawMessage) (int, bool) {
	var n int
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, false
	}
	return n, true
}

var register = porcupine.Model{
	Init: func() interface{} { return "" },
	Step: func(state, in, out interface{}) (bool, interface{}) {
		i := in.(input)
		if i.write {
			return true, i.value
		}
		return out.(string) == state.(string), state
	},
	DescribeOperation: func(in, out interface{}) string {
		i := in.(input)
		if i.write {
			return fmt.Sprintf("write(%q)", i.value)
		}
		return fmt.Sprintf("read() -> %q", out.(string))
	},
}

func main() {
	perKey := flag.Duration("timeout-per-key", 2*time.Second, "Porcupine's bound per key (Unknown past it)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: chaos-porcupine [-timeout-per-key 2s] history.jsonl")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()
	byKey := map[string][]porcupine.Operation{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	const end = int64(math.MaxInt64 / 2)
	ops := 0
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.T != "op" {
			continue
		}
		code, numeric := status(l.Status)
		call := int64(l.InvokeMs * 10)
		ret := int64(l.CompleteMs * 10)
		var op porcupine.Operation
		if l.Op == "read" {
			if !numeric || (code != 200 && code != 404) {
				continue
			}
			out := ""
			if code == 200 && l.Value != nil {
				out = *l.Value
			}
			op = porcupine.Operation{ClientId: l.Worker, Input: input{}, Call: call, Output: out, Return: ret}
		} else {
			if numeric && code >= 400 && code < 500 {
				continue
			}
			if !(numeric && code == 201) {
				ret = end
			}
			v := ""
			if l.Value != nil {
				v = *l.Value
			}
			op = porcupine.Operation{ClientId: l.Worker, Input: input{write: true, value: v}, Call: call, Output: "", Return: ret}
		}
		byKey[l.Key] = append(byKey[l.Key], op)
		ops++
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	illegal, unknown := []string{}, []string{}
	for _, k := range keys {
		switch porcupine.CheckOperationsTimeout(register, byKey[k], *perKey) {
		case porcupine.Illegal:
			illegal = append(illegal, k)
		case porcupine.Unknown:
			unknown = append(unknown, k)
		}
	}
	result := "Ok"
	if len(unknown) > 0 {
		result = "Unknown"
	}
	if len(illegal) > 0 {
		result = "Illegal"
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"result": result, "keys": len(keys), "operations": ops, "illegal": illegal, "unknown": unknown})
}
