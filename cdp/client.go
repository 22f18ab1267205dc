package cdp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Adobe's production endpoints, the defaults of Config.
const (
	DefaultTokenURL = "https://ims-na1.adobelogin.com/ims/token/v3"
	DefaultAPIURL   = "https://platform.adobe.io"
)

// DefaultScopes are the scopes the Developer Console gives an Experience
// Platform server-to-server credential.
var DefaultScopes = []string{"openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext", "session"}

// Config is what a Client needs. ClientID, ClientSecret and OrgID are
// required; the others have defaults.
type Config struct {
	ClientID     string // the credential's client id; also the x-api-key
	ClientSecret string // never logged, never in an error
	OrgID        string // the IMS organization, e.g. 1234ABCD5678@AdobeOrg
	Sandbox      string // default "prod"
	Scopes       []string

	TokenURL string // default DefaultTokenURL
	APIURL   string // default DefaultAPIURL

	// HTTPClient makes the requests (default: one with a 30s timeout).
	HTTPClient *http.Client
	// Retries is how many times a request that hit 429, 5xx or a network
	// failure is tried again (default 4; negative: never).
	Retries int
	// Backoff is the first wait before retrying a 5xx or a network failure;
	// each next wait doubles, up to MaxBackoff (defaults 500ms and 30s).
	// Retry-After is obeyed up to MaxBackoff too.
	Backoff, MaxBackoff time.Duration
	// PageSize is how many audiences are asked for per page (default 100).
	PageSize int
	// Sleep waits between attempts (default: a timer that stops with ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock of token expiry (default time.Now).
	Now func() time.Time
}

// String leaves the secret out, so that a Config printed by mistake shows
// none.
func (c Config) String() string {
	return fmt.Sprintf("cdp.Config{ClientID: %q, ClientSecret: [redacted], OrgID: %q, Sandbox: %q, Scopes: %q, TokenURL: %q, APIURL: %q}",
		c.ClientID, c.OrgID, c.Sandbox, c.Scopes, c.TokenURL, c.APIURL)
}

// GoString is String, for %#v.
func (c Config) GoString() string { return c.String() }

// Client talks to Adobe IMS and Experience Platform.
type Client struct {
	cfg Config

	mu      sync.Mutex
	token   string    // guarded by mu
	expires time.Time // guarded by mu: when to stop using token
}

// New checks cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"client id", cfg.ClientID}, {"client secret", cfg.ClientSecret}, {"organization id", cfg.OrgID}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, &Error{Kind: KindConfig, Message: "missing " + strings.Join(missing, ", ")}
	}
	if cfg.Sandbox == "" {
		cfg.Sandbox = "prod"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = DefaultTokenURL
	}
	if cfg.APIURL == "" {
		cfg.APIURL = DefaultAPIURL
	}
	cfg.APIURL = strings.TrimSuffix(cfg.APIURL, "/")
	for _, u := range []string{cfg.TokenURL, cfg.APIURL} {
		if p, err := url.Parse(u); err != nil || p.Scheme == "" || p.Host == "" {
			return nil, &Error{Kind: KindConfig, Message: fmt.Sprintf("%q is not an absolute URL", u)}
		}
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tokenMargin is how long before its expiry a token is replaced, so that a
// request never starts with a token about to lapse.
const tokenMargin = 5 * time.Minute

// accessToken returns a valid token, fetching one when there is none or it
// is about to expire (or fresh is set: Platform refused the last one).
func (c *Client) accessToken(ctx context.Context, fresh bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !fresh && c.token != "" && c.cfg.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
		"scope":         {strings.Join(c.cfg.Scopes, ",")},
	}
	body, status, err := c.send(ctx, "token", func() (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
		}
		return req, err
	})
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", imsError(status, body)
	}
	var tok struct {
		AccessToken string      `json:"access_token"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", &Error{Kind: KindProtocol, Op: "token", Status: status, Message: "the token answer holds no access_token"}
	}
	life := 24 * time.Hour
	if s, err := tok.ExpiresIn.Int64(); err == nil && s > 0 {
		life = time.Duration(s) * time.Second
	}
	// Keep a margin, but never more than half the token's life.
	c.token, c.expires = tok.AccessToken, c.cfg.Now().Add(life-min(tokenMargin, life/2))
	return c.token, nil
}

// get calls GET path?query on Platform with a token, fetching a new token
// once when Platform refuses the one it has.
func (c *Client) get(ctx context.Context, op, path string, query url.Values) ([]byte, error) {
	u := c.cfg.APIURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	fresh := false
	for {
		token, err := c.accessToken(ctx, fresh)
		if err != nil {
			return nil, err
		}
		body, status, err := c.send(ctx, op, func() (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("x-api-key", c.cfg.ClientID)
				req.Header.Set("x-gw-ims-org-id", c.cfg.OrgID)
				req.Header.Set("x-sandbox-name", c.cfg.Sandbox)
				req.Header.Set("Accept", "application/json")
			}
			return req, err
		})
		if err != nil {
			return nil, err
		}
		if status == http.StatusUnauthorized && !fresh {
			fresh = true // expired or revoked early: one new token, one more try
			continue
		}
		if status != http.StatusOK {
			return nil, platformError(op, status, body, c.cfg.Sandbox)
		}
		return body, nil
	}
}

// send makes a request, retrying 429 (after Retry-After), 5xx and network
// failures with backoff, at most Retries more times. It returns the last
// answer's body and status; err is for a request that never got one.
func (c *Client) send(ctx context.Context, op string, build func() (*http.Request, error)) ([]byte, int, error) {
	wait := c.cfg.Backoff
	for attempt := 0; ; attempt++ {
		req, err := build()
		if err != nil {
			return nil, 0, &Error{Kind: KindConfig, Op: op, Message: err.Error()}
		}
		resp, err := c.cfg.HTTPClient.Do(req)
		var body []byte
		var retryAfter time.Duration
		status := 0
		if err == nil {
			body, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
			resp.Body.Close()
			status = resp.StatusCode
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())
		}
		if ctx.Err() != nil {
			return nil, 0, &Error{Kind: KindNetwork, Op: op, Message: "stopped: " + ctx.Err().Error(), err: ctx.Err()}
		}
		retry := err != nil || status == http.StatusTooManyRequests || status >= 500
		if !retry {
			return body, status, nil
		}
		if attempt >= c.cfg.Retries {
			if err != nil {
				return nil, 0, &Error{Kind: KindNetwork, Op: op, Message: fmt.Sprintf("no answer after %d attempts: %v", attempt+1, redactURL(err)), err: err}
			}
			if status == http.StatusTooManyRequests {
				return nil, 0, &Error{Kind: KindRateLimited, Op: op, Status: status, Message: fmt.Sprintf("still rate limited after %d attempts", attempt+1)}
			}
			return nil, 0, &Error{Kind: KindServer, Op: op, Status: status, Message: fmt.Sprintf("server error after %d attempts: %s", attempt+1, summary(body))}
		}
		d := wait + rand.N(wait/2+1) // jitter, so that many clients do not retry in step
		if status == http.StatusTooManyRequests && retryAfter > 0 {
			d = retryAfter
		}
		d = min(d, c.cfg.MaxBackoff)
		if err := c.cfg.Sleep(ctx, d); err != nil {
			return nil, 0, &Error{Kind: KindNetwork, Op: op, Message: "stopped: " + err.Error(), err: err}
		}
		wait = min(wait*2, c.cfg.MaxBackoff)
	}
}

// parseRetryAfter reads Retry-After: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redactURL drops the query of a URL in a transport error: the token
// request sends none, but a listing's query is of no use in a message.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.RawQuery = ""
			return fmt.Errorf("%s %s: %w", ue.Op, u.Redacted(), ue.Err)
		}
	}
	return err
}
