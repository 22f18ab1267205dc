package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ruled/ruled/cdp/cdptest"
)

// platformDemo is the demo store's audiences as Platform lists them, with
// what has changed there since audiences.yaml was written: VIP Shoppers has
// a new description (the hand-written one stays), High Cart Abandoners is
// no longer activated (a rule uses it: kept, marked), and Gift Buyers is
// new.
func platformDemo() []cdptest.Audience {
	day := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	origin := func(a cdptest.Audience, o string) cdptest.Audience {
		a.OriginName, a.Type = o, "ExternalSegment"
		return a
	}
	return []cdptest.Audience{
		cdptest.NewAudience("a791c66e-df31-4216-bf09-4f07500b5c0f", "VIP Shoppers", "Top 2% by revenue (CDP wording)", day),
		cdptest.NewAudience("894a1d6f-ff5a-4b23-b517-0cfd81ba7d94", "Churn Risk", "", day),
		cdptest.NewAudience("63fb2125-1cae-4879-9520-a8bcee7f8287", "Lapsed Customers", "", day),
		cdptest.NewAudience("312d2e7b-7eaf-48f2-aa4e-6d661f6e8887", "New Subscribers", "", day),
		origin(cdptest.NewAudience("19503b05-c43a-42e9-ba4d-8d4397195d75", "Outdoor Enthusiasts", "", day), "AUDIENCE_MANAGER"),
		origin(cdptest.NewAudience("c3d4559d-e897-415b-8b7c-5b131e173e24", "Loyalty Gold", "", day), "CUSTOM_UPLOAD"),
		cdptest.NewAudience("5a0c4d2e-1111-4c3b-9d2e-0f1e2d3c4b5a", "Gift Buyers", "Bought a gift card in the last year.", day.Add(time.Hour)),
	}
}

// platformArgs point a command at the fake, with the secret in the
// environment only.
func platformArgs(t *testing.T, fake *cdptest.Server, extra ...string) []string {
	t.Setenv(SecretEnv, cdptest.ClientSecret)
	return append([]string{"--client-id", cdptest.ClientID, "--org-id", cdptest.OrgID,
		"--token-url", fake.TokenURL(), "--api-url", fake.APIURL()}, extra...)
}

func copyDemoTree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	if err := os.CopyFS(dir, os.DirFS("../../testdata/demo")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestAudiencesTestConnection(t *testing.T) {
	fake := cdptest.Start(t, platformDemo()...)
	for _, tc := range []struct {
		name   string
		args   []string
		secret string
		code   int
		want   string
	}{
		{"ok", nil, cdptest.ClientSecret, exitOK, "connection ok: organization " + cdptest.OrgID + ", sandbox prod"},
		{"bad secret", nil, "not-the-secret", exitWrong, "the client id or client secret is wrong: invalid client_secret parameter"},
		{"wrong org", []string{"--org-id", "0000@AdobeOrg"}, cdptest.ClientSecret, exitWrong, "the organization id is wrong"},
		{"missing scope", []string{"--scopes", "openid,AdobeID,target_sdk"}, cdptest.ClientSecret, exitWrong, "a scope is not granted to this credential"},
		{"unknown sandbox", []string{"--sandbox", "qa"}, cdptest.ClientSecret, exitWrong, `sandbox "qa"`},
		{"no secret", nil, "", exitWrong, "missing client secret"},
		{"network", []string{"--api-url", "http://127.0.0.1:1", "--timeout", "5s"}, cdptest.ClientSecret, exitCantRun, "network: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"audiences", "test-connection"}, platformArgs(t, fake, tc.args...)...)
			t.Setenv(SecretEnv, tc.secret)
			code, out, errs := runCLI(t, "", args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d, want %d with %q\nstdout: %s\nstderr: %s", code, tc.code, tc.want, out, errs)
			}
			if tc.secret != "" && strings.Contains(out+errs, tc.secret) {
				t.Errorf("the secret was printed")
			}
		})
	}
}

func TestAudiencesPull(t *testing.T) {
	fake := cdptest.Start(t, platformDemo()...)
	dir := copyDemoTree(t)
	file := filepath.Join(dir, "audiences.yaml")
	// An audience nothing uses, gone from Platform: dropped.
	old, _ := os.ReadFile(file)
	extra := "\n  - id: 0d7e2f4a-2222-4b1c-8e3d-123456789abc\n    name: Retired Segment\n    origin: Experience Platform\n"
	if err := os.WriteFile(file, append(old, extra...), 0o644); err != nil {
		t.Fatal(err)
	}

	// A dry run says what would change and writes nothing.
	before, _ := os.ReadFile(file)
	code, out, errs := runCLI(t, "", append([]string{"audiences", "pull", "--rules", dir, "--dry-run"}, platformArgs(t, fake)...)...)
	if after, _ := os.ReadFile(file); code != exitOK || !strings.Contains(out, "added (1): Gift Buyers") ||
		!strings.HasSuffix(out, "not written (--dry-run): 8 audiences\n") || string(after) != string(before) {
		t.Fatalf("dry run: exit %d, wrote: %v\n%s%s", code, string(after) != string(before), out, errs)
	}

	args := append([]string{"audiences", "pull", "--rules", dir}, platformArgs(t, fake)...)
	code, out, errs = runCLI(t, "", args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	want := "added (1): Gift Buyers\n" +
		"updated (6): Churn Risk, Lapsed Customers, Loyalty Gold, New Subscribers, Outdoor Enthusiasts, VIP Shoppers\n" +
		"removed (1): Retired Segment\n" +
		"no longer activated, kept and marked removed because rules or blocks use them (1): High Cart Abandoners\n" +
		"wrote " + file + ": 8 audiences\n"
	if out != want {
		t.Errorf("summary:\n%s\nwant:\n%s", out, want)
	}
	b, _ := os.ReadFile(file)
	text := string(b)
	for _, w := range []string{
		"# Audiences published to Northwind Outfitters",     // the file's own comment stays
		"description: Top 2% of customers by 12-month net",  // the hand-written description stays
		"name: Gift Buyers\n    description: Bought a gift", // the new one has the CDP's
		"name: High Cart Abandoners",
		"    removed: 20", // marked, with the time of the pull
		"origin: Custom upload",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("audiences.yaml lacks %q:\n%s", w, text)
		}
	}
	if strings.Contains(text, "Retired Segment") || strings.Contains(text, cdptest.ClientSecret) {
		t.Errorf("audiences.yaml:\n%s", text)
	}
	if names := orderOf(text, "name: "); !sortedFold(names) {
		t.Errorf("audiences not sorted by name: %q", names)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".audiences.yaml.*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}

	// The pulled registry loads, and the listing flags the kept audience.
	if code, out, errs := runCLI(t, "", "check", "--rules", dir); code != exitOK {
		t.Fatalf("check after pull: exit %d\n%s%s", code, out, errs)
	}
	_, list, _ := runCLI(t, "", "audiences", "list", "--rules", dir, "--search", "abandon")
	if !strings.Contains(list, "rule abandoner-nudge-packs-10 (NO LONGER ACTIVATED since") || !strings.HasSuffix(list, "1 of 8 audiences\n") {
		t.Errorf("list:\n%s", list)
	}

	// Pulling again changes nothing, byte for byte.
	code, out, _ = runCLI(t, "", args...)
	after, _ := os.ReadFile(file)
	if code != exitOK || out != file+" is up to date: 8 audiences\n" || string(after) != text {
		t.Errorf("second pull: exit %d, %q; file changed: %v", code, out, string(after) != text)
	}
}

func TestAudiencesPullRefusesWhatBreaksRules(t *testing.T) {
	aud := platformDemo()
	aud[0].Name = "VIP Customers" // rules say audience("VIP Shoppers")
	fake := cdptest.Start(t, aud...)
	dir := copyDemoTree(t)
	file := filepath.Join(dir, "audiences.yaml")
	before, _ := os.ReadFile(file)
	code, out, errs := runCLI(t, "", append([]string{"audiences", "pull", "--rules", dir}, platformArgs(t, fake)...)...)
	if code != exitWrong || out != "" || !strings.Contains(errs, "was not written") || !strings.Contains(errs, `unknown audience "VIP Shoppers"`) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("audiences.yaml changed")
	}
}

func TestAudiencesPullRetriesThenFails(t *testing.T) {
	fake := cdptest.Start(t, platformDemo()...)
	fake.Lock()
	for range 5 {
		fake.Faults = append(fake.Faults, cdptest.Fault{Path: "audiences", Status: 503, Body: `{"title":"Service Unavailable"}`})
	}
	fake.Unlock()
	dir := copyDemoTree(t)
	code, _, errs := runCLI(t, "", append([]string{"audiences", "pull", "--rules", dir}, platformArgs(t, fake)...)...)
	if code != exitCantRun || !strings.Contains(errs, "server error after 5 attempts") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

func orderOf(text, prefix string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "- ")), prefix); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedFold(l []string) bool {
	for i := 1; i < len(l); i++ {
		if strings.ToLower(l[i-1]) > strings.ToLower(l[i]) {
			return false
		}
	}
	return true
}

func TestServePullAudiences(t *testing.T) {
	fake := cdptest.Start(t, platformDemo()...)
	dir := copyDemoTree(t)
	t.Setenv(SecretEnv, cdptest.ClientSecret)
	s := serve(t, "--rules", dir, "--debounce", "20ms", "--pull-audiences", "100ms",
		"--aep-client-id", cdptest.ClientID, "--aep-org-id", cdptest.OrgID, "--aep-token-url", fake.TokenURL(), "--aep-api-url", fake.APIURL())
	c := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, v, err := getJSON(t, c, "GET", s.url+"/v1/audiences?q=gift", "")
		if err == nil {
			if l, _ := v["audiences"].([]any); len(l) == 1 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pulled audience never showed: %v %v\n%s", v, err, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(s.log.String(), `"msg":"audiences pulled"`) {
		t.Errorf("the pull was not logged:\n%s", s.log)
	}
	if strings.Contains(s.log.String(), cdptest.ClientSecret) {
		t.Error("the secret was logged")
	}
	// Platform failing later keeps the registry: the next pulls log and wait.
	fake.Lock()
	for range 20 {
		fake.Faults = append(fake.Faults, cdptest.Fault{Path: "audiences", Status: 403, Body: `{"error_code":"403025","message":"Profile is not valid"}`})
	}
	fake.Unlock()
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(s.log.String(), "audience pull failed") {
		if time.Now().After(deadline) {
			t.Fatalf("no failed pull logged:\n%s", s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, v, _ := getJSON(t, c, "GET", s.url+"/v1/audiences?q=gift", ""); code != 200 || len(v["audiences"].([]any)) != 1 {
		t.Errorf("after a failed pull: %d %v", code, v)
	}
}

func TestAudiencesPullDataflow(t *testing.T) {
	fake := cdptest.Start(t, platformDemo()...)
	const flow = "226fb2e1-db69-4760-b67e-9e671e05abfc"
	fake.Lock()
	// The destination activates every demo audience but Outdoor Enthusiasts,
	// and not the new Gift Buyers.
	fake.Flows = map[string][]string{flow: {
		"a791c66e-df31-4216-bf09-4f07500b5c0f", "894a1d6f-ff5a-4b23-b517-0cfd81ba7d94", "63fb2125-1cae-4879-9520-a8bcee7f8287",
		"312d2e7b-7eaf-48f2-aa4e-6d661f6e8887", "c3d4559d-e897-415b-8b7c-5b131e173e24", "82eda232-b815-4f42-9379-85a9dcb6b286"}}
	fake.Unlock()
	dir := copyDemoTree(t)
	code, out, errs := runCLI(t, "", append([]string{"audiences", "pull", "--rules", dir, "--dataflow", flow}, platformArgs(t, fake)...)...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// High Cart Abandoners is in the dataflow but not listed by Platform
	// (the demo fake has no such audience): kept, marked, as rules use it.
	for _, w := range []string{"no longer activated, kept and marked removed because rules or blocks use them (2): High Cart Abandoners, Outdoor Enthusiasts\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("summary lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "Gift Buyers") {
		t.Errorf("an audience the dataflow does not activate was added:\n%s", out)
	}
	code, out, errs = runCLI(t, "", append([]string{"audiences", "test-connection", "--dataflow", flow}, platformArgs(t, fake)...)...)
	if code != exitOK || !strings.Contains(out, "dataflow "+flow+" activates 6 audiences") {
		t.Errorf("test-connection: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = runCLI(t, "", append([]string{"audiences", "test-connection", "--dataflow", "nope"}, platformArgs(t, fake)...)...)
	if code != exitWrong || !strings.Contains(errs, "no dataflow nope in sandbox prod") || !strings.Contains(errs, "check --dataflow") {
		t.Errorf("unknown dataflow: exit %d\n%s", code, errs)
	}
}
