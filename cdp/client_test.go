package cdp_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ruled/ruled/cdp"
	"github.com/ruled/ruled/cdp/cdptest"
)

var t0 = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// fakeAudiences are n audiences, the newest first.
func fakeAudiences(n int) []cdptest.Audience {
	var out []cdptest.Audience
	for i := range n {
		out = append(out, cdptest.NewAudience(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), fmt.Sprintf("Audience %03d", i), "", t0.Add(-time.Duration(i)*time.Hour)))
	}
	return out
}

// sleeps records the waits of a client instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func client(t *testing.T, fake *cdptest.Server, edit func(*cdp.Config)) (*cdp.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := cdp.Config{ClientID: cdptest.ClientID, ClientSecret: cdptest.ClientSecret, OrgID: cdptest.OrgID, Sandbox: cdptest.Sandbox,
		TokenURL: fake.TokenURL(), APIURL: fake.APIURL(), PageSize: 7, Sleep: sl.sleep}
	if edit != nil {
		edit(&cfg)
	}
	c, err := cdp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func TestAudiencesPaging(t *testing.T) {
	fake := cdptest.Start(t, fakeAudiences(20)...)
	c, _ := client(t, fake, nil)
	got, err := c.Audiences(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || got[0].Name != "Audience 000" || got[19].Name != "Audience 019" {
		t.Fatalf("got %d audiences: first %+v", len(got), got[0])
	}
	if got[0].Origin() != "Experience Platform" || !got[0].Updated.Equal(t0) || !got[0].Active() {
		t.Errorf("audience 0: %+v", got[0])
	}
	want := []string{"token", "audiences?start=", "audiences?start=7", "audiences?start=14"}
	if diff := cmp.Diff(want, fake.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestTokenReusedAndRefreshed(t *testing.T) {
	fake := cdptest.Start(t, fakeAudiences(3)...)
	now := t0
	c, _ := client(t, fake, func(cfg *cdp.Config) { cfg.Now = func() time.Time { return now } })
	ctx := context.Background()
	for range 2 {
		if _, err := c.Audiences(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The token is reused until shortly before it expires ...
	now = now.Add(24*time.Hour - 4*time.Minute)
	if _, err := c.Audiences(ctx); err != nil {
		t.Fatal(err)
	}
	// ... and fetched again, once, when Platform says it is no longer valid.
	fake.Expire()
	if _, err := c.Audiences(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"token", "audiences?start=", "audiences?start=", "token", "audiences?start=", "audiences?start=", "token", "audiences?start="}
	if diff := cmp.Diff(want, fake.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestRetries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults []cdptest.Fault
		waits  []time.Duration // exact; 0 means "a backoff between 500ms and 750ms", then doubled
		err    cdp.Kind
	}{
		{"429 waits for Retry-After", []cdptest.Fault{{Path: "audiences", Status: 429, RetryAfter: "7", Body: `{"error_code":"429001","message":"Too many requests"}`}}, []time.Duration{7 * time.Second}, ""},
		{"Retry-After is capped", []cdptest.Fault{{Path: "audiences", Status: 429, RetryAfter: "3600"}}, []time.Duration{30 * time.Second}, ""},
		{"5xx backs off", []cdptest.Fault{{Path: "audiences", Status: 503}, {Path: "audiences", Status: 502}}, []time.Duration{0, 0}, ""},
		{"a token request is retried too", []cdptest.Fault{{Path: "token", Status: 500}}, []time.Duration{0}, ""},
		{"retries are bounded", []cdptest.Fault{{Path: "audiences", Status: 500}, {Path: "audiences", Status: 500}, {Path: "audiences", Status: 500},
			{Path: "audiences", Status: 500}, {Path: "audiences", Status: 500}}, []time.Duration{0, 0, 0, 0}, cdp.KindServer},
		{"429 forever", []cdptest.Fault{{Path: "audiences", Status: 429, RetryAfter: "1"}, {Path: "audiences", Status: 429, RetryAfter: "1"},
			{Path: "audiences", Status: 429, RetryAfter: "1"}, {Path: "audiences", Status: 429, RetryAfter: "1"}, {Path: "audiences", Status: 429, RetryAfter: "1"}},
			[]time.Duration{time.Second, time.Second, time.Second, time.Second}, cdp.KindRateLimited},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := cdptest.Start(t, fakeAudiences(3)...)
			fake.Lock()
			fake.Faults = tc.faults
			fake.Unlock()
			c, sl := client(t, fake, nil)
			got, err := c.Audiences(context.Background())
			var cerr *cdp.Error
			switch {
			case tc.err == "" && (err != nil || len(got) != 3):
				t.Fatalf("got %d audiences, %v", len(got), err)
			case tc.err != "" && (!errors.As(err, &cerr) || cerr.Kind != tc.err):
				t.Fatalf("error %v, want kind %s", err, tc.err)
			}
			if len(sl.d) != len(tc.waits) {
				t.Fatalf("waited %v, want %d waits", sl.d, len(tc.waits))
			}
			base := 500 * time.Millisecond
			for i, w := range tc.waits {
				if w == 0 {
					if sl.d[i] < base || sl.d[i] > base+base/2 {
						t.Errorf("wait %d is %s, want between %s and %s", i, sl.d[i], base, base+base/2)
					}
					base *= 2
				} else if sl.d[i] != w {
					t.Errorf("wait %d is %s, want %s", i, sl.d[i], w)
				}
			}
		})
	}
}

func TestErrors(t *testing.T) {
	secret := cdptest.ClientSecret
	for _, tc := range []struct {
		name string
		edit func(*cdp.Config)
		fake func(*cdptest.Server)
		kind cdp.Kind
		msg  string
	}{
		{"bad secret", func(c *cdp.Config) { c.ClientSecret = "wrong-secret-value" }, nil, cdp.KindCredentials, "token: credentials: the client id or client secret is wrong: invalid client_secret parameter (HTTP 401, invalid_client)"},
		{"bad client id", func(c *cdp.Config) { c.ClientID = "someone-else" }, nil, cdp.KindCredentials, "invalid client_id parameter"},
		{"missing scope", func(c *cdp.Config) { c.Scopes = []string{"openid", "AdobeID", "cja_api"} }, nil, cdp.KindScope, "a scope is not granted to this credential"},
		{"wrong org", func(c *cdp.Config) { c.OrgID = "9999@AdobeOrg" }, nil, cdp.KindOrg, "audiences: organization: the organization id is wrong, or the credential is not in that organization: Profile is not valid (HTTP 403, 403025)"},
		{"unknown sandbox", func(c *cdp.Config) { c.Sandbox = "dev-2" }, nil, cdp.KindSandbox, `sandbox "dev-2": sandbox dev-2 not found`},
		{"no permission", nil, func(s *cdptest.Server) {
			s.Faults = []cdptest.Fault{{Path: "audiences", Status: 403, Body: `{"title":"Forbidden","status":403,"detail":"User does not have the View Segments permission"}`}}
		}, cdp.KindPermission, "User does not have the View Segments permission"},
		{"token refused twice", nil, func(s *cdptest.Server) {
			s.Faults = []cdptest.Fault{{Path: "audiences", Status: 401, Body: `{"error_code":"401013","message":"Oauth token is not valid"}`},
				{Path: "audiences", Status: 401, Body: `{"error_code":"401013","message":"Oauth token is not valid"}`}}
		}, cdp.KindCredentials, "Platform refused a fresh token: Oauth token is not valid"},
		{"not the documented shape", nil, func(s *cdptest.Server) {
			s.Faults = []cdptest.Fault{{Path: "audiences", Status: 200, Body: `{"children": [{"id": 7}]}`}}
		}, cdp.KindProtocol, "the listing is not the documented JSON"},
		{"network", func(c *cdp.Config) { c.APIURL = "http://127.0.0.1:1"; c.Retries = 1 }, nil, cdp.KindNetwork, "audiences: network: no answer after 2 attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := cdptest.Start(t, fakeAudiences(3)...)
			if tc.fake != nil {
				fake.Lock()
				tc.fake(fake)
				fake.Unlock()
			}
			c, _ := client(t, fake, tc.edit)
			err := c.Check(context.Background())
			var cerr *cdp.Error
			if !errors.As(err, &cerr) || cerr.Kind != tc.kind || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("got %v, want kind %s with %q", err, tc.kind, tc.msg)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "wrong-secret-value") {
				t.Errorf("the error shows the secret: %v", err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	_, err := cdp.New(cdp.Config{ClientSecret: "x"})
	if err == nil || err.Error() != "config: missing client id, organization id" {
		t.Errorf("missing settings: %v", err)
	}
	cfg := cdp.Config{ClientID: "id", ClientSecret: "very-secret", OrgID: "org"}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, "very-secret") {
			t.Errorf("a printed Config shows the secret: %s", s)
		}
	}
}

func TestActivated(t *testing.T) {
	fake := cdptest.Start(t, fakeAudiences(5)...)
	aud := fakeAudiences(5)
	fake.Lock()
	fake.Flows = map[string][]string{"226fb2e1-db69-4760-b67e-9e671e05abfc": {aud[3].ID, aud[1].ID}}
	fake.Unlock()
	c, _ := client(t, fake, nil)
	ctx := context.Background()
	ids, err := c.Activated(ctx, "226fb2e1-db69-4760-b67e-9e671e05abfc")
	if err != nil || !slices.Equal(ids, []string{aud[3].ID, aud[1].ID}) {
		t.Fatalf("activated %q, %v", ids, err)
	}
	pulled, err := c.Audiences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var active []string
	for _, a := range cdp.OnlyActivated(pulled, ids) {
		if a.Active() {
			active = append(active, a.Name)
		}
	}
	if !slices.Equal(active, []string{"Audience 001", "Audience 003"}) {
		t.Errorf("active after the dataflow: %q", active)
	}
	_, err = c.Activated(ctx, "no-such-flow")
	var cerr *cdp.Error
	if !errors.As(err, &cerr) || cerr.Kind != cdp.KindDataflow || !strings.Contains(err.Error(), "no dataflow no-such-flow in sandbox prod") {
		t.Errorf("unknown dataflow: %v", err)
	}
}
