// Command heapsize loads and compiles a rules directory as ruled serve's
// first build does (the collector paced at 40, -gc), collects, and prints what stays live: the heap the
// program holds (HeapAlloc), the spans it occupies (HeapInuse, so the
// fragmentation between them) and the process's VmRSS; with -profile, a
// heap profile of it.
//
//	heapsize -dir /tmp/p -profile /tmp/heap.pprof
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/loader"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("heapsize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "rules directory (required)")
	profile := fs.String("profile", "", "file to write a heap profile of the compiled program to")
	reloads := fs.Int("reloads", 0, "then reload this many times, each after touching rules/campaigns-000.yaml (the directory is changed), and print the time of each")
	limit := fs.Float64("limit", 0, "with -reloads: a soft memory limit during each reload, this factor times what the runtime holds before it (0: none; serve bounds the whole process, see cmd/ruled/headroom.go)")
	cpuprofile := fs.String("cpuprofile", "", "with -reloads: file to write a CPU profile of the reloads to")
	gcPercent := fs.Int("gc", 40, "the collector's pacing (GOGC) during the first build, as ruled serve's")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "heapsize: -dir is required and no arguments are taken")
		return 2
	}
	if *profile != "" {
		runtime.MemProfileRate = 4096
	}
	// The first build runs as ruled serve's does (see its headroom.go).
	gc := debug.SetGCPercent(*gcPercent)
	start := time.Now()
	var cache loader.Cache
	set, diags, _, err := cache.Load(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "heapsize:", err)
		return 1
	}
	loaded := time.Since(start)
	var c engine.Compiler
	p, more := c.Compile(set)
	if p == nil || diags.HasErrors() {
		fmt.Fprintln(stderr, "heapsize: the rules do not compile:", diags, more)
		return 1
	}
	compiled := time.Since(start) - loaded
	debug.SetGCPercent(gc)
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Fprintf(stdout, "%s: load %v, compile %v\n", p.Summary(), loaded.Round(time.Millisecond), compiled.Round(time.Millisecond))
	fmt.Fprintf(stdout, "HeapAlloc %.1f MB  HeapInuse %.1f MB  HeapObjects %d  VmRSS %s\n",
		mb(m.HeapAlloc), mb(m.HeapInuse), m.HeapObjects, status("VmRSS"))
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.Lookup("heap").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "heapsize:", err)
			return 1
		}
	}
	if *reloads > 0 {
		if err := reload(stdout, *dir, *reloads, *limit, *cpuprofile, &cache, &c); err != nil {
			fmt.Fprintln(stderr, "heapsize:", err)
			return 1
		}
	}
	// Keep what was built live until measured.
	runtime.KeepAlive(p)
	runtime.KeepAlive(&cache)
	runtime.KeepAlive(&c)
	return 0
}

func mb(b uint64) float64 { return float64(b) / (1 << 20) }

// status is a field of /proc/self/status ("" where there is none).
func status(field string) string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// reload reloads dir n times as ruled serve does after one file changed.
func reload(stdout io.Writer, dir string, n int, limit float64, cpuprofile string, cache *loader.Cache, c *engine.Compiler) error {
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	name := filepath.Join(dir, "rules", "campaigns-000.yaml")
	for i := range n {
		b, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(name, fmt.Appendf(b, "# %d\n", i), 0o644); err != nil {
			return err
		}
		if limit > 0 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			debug.SetMemoryLimit(int64(limit * float64(m.Sys-m.HeapReleased)))
		}
		start := time.Now()
		set, diags, st, err := cache.Load(dir)
		if err != nil {
			return err
		}
		loaded := time.Since(start)
		p, more := c.Compile(set)
		if p == nil || diags.HasErrors() {
			return fmt.Errorf("the rules do not compile: %v %v", diags, more)
		}
		fmt.Fprintf(stdout, "reload %d: %v (read %v, parse %v, validate %v, compile %v)\n", i+1, time.Since(start).Round(time.Millisecond/10),
			st.Read.Round(time.Millisecond/10), st.Parse.Round(time.Millisecond/10), st.Validate.Round(time.Millisecond/10), (time.Since(start) - loaded).Round(time.Millisecond/10))
		debug.SetMemoryLimit(math.MaxInt64)
		runtime.GC() // as serve does after a reload: the pages stay for the next one
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Fprintf(stdout, "  then HeapAlloc %.1f MB  HeapInuse %.1f MB  VmRSS %s  GC cycles %d\n", mb(m.HeapAlloc), mb(m.HeapInuse), status("VmRSS"), m.NumGC)
		runtime.KeepAlive(p)
	}
	return nil
}
