package corpus

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/engine"
	"github.com/ruled/ruled/money"
)

var usd = engine.CartDefaults{Currency: mustCurrency("USD")}

func mustCurrency(code string) money.Currency {
	c, err := money.ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

func demoCarts(t *testing.T) []*engine.Cart {
	t.Helper()
	files, err := filepath.Glob("../testdata/demo/carts/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("demo carts: %v", err)
	}
	var carts []*engine.Cart
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c, err := engine.DecodeCart(data, engine.CartDefaults{Currency: mustCurrency("USD"), Websites: map[string]money.Currency{"ca": mustCurrency("CAD")}})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		carts = append(carts, c)
	}
	return carts
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		want       Entry
		err        string
	}{
		{name: "plain cart", line: `{"items":[{"sku":"A","qty":1,"price":"1.00"}]}`,
			want: Entry{Cart: []byte(`{"items":[{"sku":"A","qty":1,"price":"1.00"}]}`)}},
		{name: "customer id is the cart's", line: `{"customer":{"id":"7"},"items":[]}`,
			want: Entry{Cart: []byte(`{"customer":{"id":"7"},"items":[]}`)}},
		{name: "fields beside the cart", line: `{"id":"order-1","items":[],"placements":["home.hero"],"visitor_id":"v","view":3}`,
			want: Entry{ID: "order-1", Cart: []byte(`{"items":[]}`), Placements: []string{"home.hero"}, VisitorID: "v", View: 3}},
		{name: "numeric id", line: `{"id":100023,"items":[]}`, want: Entry{ID: "100023", Cart: []byte(`{"items":[]}`)}},
		{name: "not an object", line: `[1,2]`, err: "not a JSON object"},
		{name: "bad placements", line: `{"placements":"home.hero"}`, err: "placements: json: cannot unmarshal string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e Entry
			err := parseLine([]byte(tc.line), &e)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, e); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanDirectory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, zip bool) {
		var b bytes.Buffer
		if zip {
			gz := gzip.NewWriter(&b)
			gz.Write([]byte(content))
			gz.Close()
		} else {
			b.WriteString(content)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.ndjson", "{\"id\":\"a1\",\"items\":[]}\n\n{\"items\":[]}\n", false)
	write("b/c.jsonl.gz", "{\"items\":[]}\nnot json\n", true)
	write("b/d.ndjson", "{\"items\":[]}\n", true) // gzip whatever the name
	write(".carts-x.ndjson.gz.tmp", "{\"items\":[]}\n", false)
	write("notes.txt", "{\"items\":[]}\n", false)
	var got []string
	err := Scan(dir, func(e *Entry, err error) error {
		if err != nil {
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v, want a *LineError", err, err)
			}
			got = append(got, "error "+strings.TrimPrefix(err.Error(), dir+"/"))
			return nil
		}
		got = append(got, strings.TrimPrefix(e.ID, dir+"/")+" "+string(e.Cart))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a1 {"items":[]}`,
		`a.ndjson:3 {"items":[]}`,
		`b/c.jsonl.gz:1 {"items":[]}`,
		`error b/c.jsonl.gz:2: not a JSON object`,
		`b/d.ndjson:1 {"items":[]}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
}

// TestEncodeRoundTrip: a recorded cart decodes to the cart that was priced,
// but for the hashed ids and the cut postcode.
func TestEncodeRoundTrip(t *testing.T) {
	anon := NewAnonymizer([]byte("test key"))
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	for _, c := range demoCarts(t) {
		line, err := anon.Encode(Sample{Cart: c, Now: now, Placements: []string{"home.hero"}, VisitorID: "v-1", View: 2})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsRune(line, '\n') {
			t.Fatalf("line has a newline: %s", line)
		}
		var e Entry
		if err := parseLine(line, &e); err != nil {
			t.Fatal(err)
		}
		back, err := engine.DecodeCart(e.Cart, engine.CartDefaults{Currency: mustCurrency("USD"), Websites: map[string]money.Currency{"ca": mustCurrency("CAD")}})
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		want := *c
		want.Customer.ID = anon.ID(c.Customer.ID)
		want.Shipping.Postcode = Postcode(c.Shipping.Postcode)
		if want.Now.IsZero() {
			want.Now = now
		}
		if diff := cmp.Diff(&want, back, cmp.Comparer(func(a, b money.Decimal) bool { return a.Equal(b) }),
			cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
		if e.VisitorID != anon.ID("v-1") || e.View != 2 || !cmp.Equal(e.Placements, []string{"home.hero"}) {
			t.Errorf("placement fields: %+v", e)
		}
	}
}

// TestNoPersonalData: neither the customer id nor the visitor id nor the
// full postcode reaches the file, and the hash depends on the key.
func TestNoPersonalData(t *testing.T) {
	c := &engine.Cart{
		Customer: engine.Customer{ID: "200318", Group: "vip"},
		Items:    []engine.Item{{SKU: "A", Qty: money.One, Price: money.MustParse("10.00")}},
		Shipping: engine.Shipping{Country: "GB", Region: "London", Postcode: "SW1A 1AA"},
	}
	a, b := NewAnonymizer([]byte("one")), NewAnonymizer([]byte("two"))
	line, err := a.Encode(Sample{Cart: c, VisitorID: "visitor-77"})
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"200318", "visitor-77", "SW1A 1AA", "SW1A1", "1AA"} {
		if bytes.Contains(line, []byte(secret)) {
			t.Errorf("%q written: %s", secret, line)
		}
	}
	for _, kept := range []string{`"postcode":"SW1"`, `"region":"London"`, `"country":"GB"`, `"group":"vip"`, `"id":"` + a.ID("200318") + `"`} {
		if !bytes.Contains(line, []byte(kept)) {
			t.Errorf("%s not written: %s", kept, line)
		}
	}
	if a.ID("200318") == b.ID("200318") || a.ID("200318") != a.ID("200318") || a.ID("") != "" {
		t.Errorf("hashes: %q %q %q", a.ID("200318"), b.ID("200318"), a.ID(""))
	}
	if r := NewAnonymizer(nil); r.ID("x") == NewAnonymizer(nil).ID("x") {
		t.Error("two random keys hash alike")
	}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func readLines(t *testing.T, name string) []string {
	t.Helper()
	var lines []string
	err := Scan(name, func(e *Entry, err error) error {
		if err != nil {
			return err
		}
		lines = append(lines, string(e.Cart))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestWriterRotation(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	w, err := NewWriter(WriterOptions{Dir: dir, MaxBytes: 40, MaxAge: time.Minute, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(`{"items":[],"n":"0123456789"}`) // 29 bytes + newline: one per file by size
	for range 3 {
		if err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(w.Files()); got != 2 {
		t.Errorf("files after 3 lines of 30 bytes with 40 a file: %d, want 2", got)
	}
	// While a file is open, only its hidden temporary name exists.
	if got := readLines(t, dir); len(got) != 2 {
		t.Errorf("readable lines while the third file is open: %d, want 2", len(got))
	}
	clk.Add(30 * time.Second)
	if err := w.RotateIfOld(); err != nil || len(w.Files()) != 2 {
		t.Errorf("rotated a file 30s old: %v %d", err, len(w.Files()))
	}
	clk.Add(30 * time.Second)
	if err := w.RotateIfOld(); err != nil || len(w.Files()) != 3 {
		t.Errorf("did not rotate a file 60s old: %v %d", err, len(w.Files()))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "carts-20261201T090000Z-") || !strings.HasSuffix(e.Name(), ".ndjson.gz") {
			t.Errorf("file %s", e.Name())
		}
	}
	if len(entries) != 3 || len(readLines(t, dir)) != 3 {
		t.Errorf("%d files, want 3 holding 3 lines", len(entries))
	}
}

func sampleCart() *engine.Cart {
	return &engine.Cart{Customer: engine.Customer{ID: "c-1", Group: "general"},
		Items: []engine.Item{{SKU: "A", Qty: money.One, Price: money.MustParse("12.50")}}}
}

func TestRecorderSampling(t *testing.T) {
	dir := t.TempDir()
	n := 0
	// Every fourth draw is below the rate.
	r, err := NewRecorder(RecorderOptions{WriterOptions: WriterOptions{Dir: dir}, Rate: 0.25,
		Random: func() float64 { n++; return float64(n%4) / 4 }})
	if err != nil {
		t.Fatal(err)
	}
	for range 400 {
		r.Record(Sample{Cart: sampleCart()})
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	want := RecorderStats{Offered: 400, Sampled: 100, Written: 100, Files: 1}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if got := len(readLines(t, dir)); got != 100 {
		t.Errorf("%d lines, want 100", got)
	}
	if _, err := NewRecorder(RecorderOptions{WriterOptions: WriterOptions{Dir: dir}, Rate: 1.5}); err == nil {
		t.Error("rate 1.5 accepted")
	}
}

// TestRecorderDrops: with the writer stuck, Record neither waits nor
// grows the queue: what does not fit is dropped and counted.
func TestRecorderDrops(t *testing.T) {
	dir := t.TempDir()
	entered, gate := make(chan struct{}), make(chan struct{})
	var once sync.Once
	now := func() time.Time {
		once.Do(func() { close(entered); <-gate })
		return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	}
	r, err := NewRecorder(RecorderOptions{WriterOptions: WriterOptions{Dir: dir, Now: now}, Queue: 2})
	if err != nil {
		t.Fatal(err)
	}
	r.Record(Sample{Cart: sampleCart()})
	<-entered // the writer holds the first cart and is stuck
	start := time.Now()
	for range 10 {
		r.Record(Sample{Cart: sampleCart()})
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Record waited %v", d)
	}
	if st := r.Stats(); st.Dropped != 8 {
		t.Errorf("dropped %d, want 8", st.Dropped)
	}
	close(gate)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.Record(Sample{Cart: sampleCart()}) // after Close: dropped, no panic
	want := RecorderStats{Offered: 12, Sampled: 12, Dropped: 9, Written: 3, Files: 1}
	if diff := cmp.Diff(want, r.Stats()); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	if got := len(readLines(t, dir)); got != 3 {
		t.Errorf("%d lines, want 3", got)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.ndjson.gz")
	err := WriteFile(name, func(w *bufio.Writer) error {
		w.WriteString("{\"items\":[]}\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readLines(t, name); len(got) != 1 {
		t.Errorf("lines %v", got)
	}
	err = WriteFile(name, func(w *bufio.Writer) error { return errors.New("boom") })
	if err == nil {
		t.Fatal("no error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || len(readLines(t, name)) != 1 {
		t.Errorf("a failed write left %d files or changed the old one", len(entries))
	}
}

// FuzzParseLine: for every line that is a JSON object, the cart parseLine
// keeps is the object without the corpus fields, as encoding/json sees it.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","items":[]}`,
		`{ "customer" : {"id": "7"}, "id" : 12 , "placements": ["x"], "view": 2, "visitor_id": "v" }`,
		`{"items":[{"sku":"a\"}","qty":1}],"id":"q\\"}`,
		`{"\u0069d":"escaped","items":[]}`,
		`{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var want map[string]json.RawMessage
		if json.Unmarshal([]byte(line), &want) != nil || want == nil || len(bytes.TrimSpace([]byte(line))) == 0 || bytes.TrimSpace([]byte(line))[0] != '{' {
			return
		}
		var e Entry
		if err := parseLine([]byte(line), &e); err != nil {
			return // a corpus field of the wrong type
		}
		var got map[string]json.RawMessage
		if err := json.Unmarshal(e.Cart, &got); err != nil {
			t.Fatalf("cart %s of %s: %v", e.Cart, line, err)
		}
		for _, f := range extraFields {
			delete(want, f)
		}
		if len(got) != len(want) {
			t.Fatalf("cart %s of %s: %d fields, want %d", e.Cart, line, len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(v)) {
				t.Fatalf("%s: %s, want %s (line %s)", k, got[k], v, line)
			}
		}
	})
}
