// Package cdptest is a local stand-in for Adobe IMS and the Experience
// Platform audience listing, for tests: it answers the documented requests
// with the documented shapes (client-credentials tokens; GET
// /data/core/ups/audiences with start and limit, answered with children and
// _page), checks every header a real call must carry, and can be told to
// fail the ways the real services do (a bad secret, a wrong organization,
// a missing scope, 401 for an expired token, 429 with Retry-After, 5xx).
//
// It is test support: nothing in ruled's binary imports it. A Server is
// safe for concurrent use.
package cdptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Credentials the fake accepts by default.
const (
	ClientID     = "ruled-test-client"
	ClientSecret = "s3cr3t-p8-test-value"
	OrgID        = "1234ABCD5678@AdobeOrg"
	Sandbox      = "prod"
)

// Audience is one audience the fake lists, in Platform's JSON.
type Audience struct {
	ID             string `json:"id"`
	AudienceID     string `json:"audienceId"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	Type           string `json:"type"`
	OriginName     string `json:"originName"`
	Namespace      string `json:"namespace"`
	LifecycleState string `json:"lifecycleState"`
	UpdateTime     int64  `json:"updateTime"`
	UpdateEpoch    int64  `json:"updateEpoch"`
}

// NewAudience is an audience made in Platform, published, modified at
// updated.
func NewAudience(id, name, description string, updated time.Time) Audience {
	return Audience{ID: id, AudienceID: id, Name: name, Description: description, Type: "SegmentDefinition",
		OriginName: "REAL_TIME_CUSTOMER_PROFILE", Namespace: "AEPSegments", LifecycleState: "published",
		UpdateTime: updated.UnixMilli(), UpdateEpoch: updated.Unix()}
}

// Fault is an answer forced on the next matching request.
type Fault struct {
	Path       string // "token" or "audiences"
	Status     int
	RetryAfter string // the Retry-After header, when set
	Body       string
}

// Server is the fake. Change its fields under Lock/Unlock while it runs.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	Audiences []Audience
	// Scopes are those the credential may ask for.
	Scopes []string
	// TokenLife is the expires_in of new tokens (default 24h).
	TokenLife time.Duration
	// Faults are served first, in order, each once.
	Faults []Fault
	// Flows are the destination dataflows: flow id → the audience ids it
	// activates.
	Flows map[string][]string

	tokens   map[string]bool // valid tokens
	issued   int
	requests []string // "token" or "audiences?start=…", in order
}

// Start serves the fake on a loopback port until the test ends.
func Start(t interface{ Cleanup(func()) }, audiences ...Audience) *Server {
	s := &Server{Audiences: audiences, Scopes: []string{"openid", "AdobeID", "read_organizations", "additional_info.projectedProductContext", "session"},
		TokenLife: 24 * time.Hour, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ims/token/v3", s.token)
	mux.HandleFunc("GET /data/core/ups/audiences", s.audiences)
	mux.HandleFunc("GET /data/foundation/flowservice/flows/{id}", s.flow)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// TokenURL and APIURL are what a client is configured with.
func (s *Server) TokenURL() string { return s.URL + "/ims/token/v3" }
func (s *Server) APIURL() string   { return s.URL }

// Lock and Unlock guard the exported fields.
func (s *Server) Lock()   { s.mu.Lock() }
func (s *Server) Unlock() { s.mu.Unlock() }

// Expire invalidates every token issued so far, as their expiry would.
func (s *Server) Expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Requests lists the requests served, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// fault pops the first fault for path.
func (s *Server) fault(w http.ResponseWriter, path string) bool {
	for i, f := range s.Faults {
		if f.Path != path {
			continue
		}
		s.Faults = slices.Delete(s.Faults, i, i+1)
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.Status)
		fmt.Fprint(w, f.Body)
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// token answers IMS's client-credentials grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, "token")
	if s.fault(w, "token") {
		return
	}
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		writeJSON(w, 400, map[string]string{"error": "invalid_request", "error_description": "form body expected"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type", "error_description": "unsupported grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != ClientID {
		writeJSON(w, 400, map[string]string{"error": "invalid_client", "error_description": "invalid client_id parameter"})
		return
	}
	if r.PostForm.Get("client_secret") != ClientSecret {
		writeJSON(w, 401, map[string]string{"error": "invalid_client", "error_description": "invalid client_secret parameter"})
		return
	}
	for _, sc := range strings.Split(r.PostForm.Get("scope"), ",") {
		if sc = strings.TrimSpace(sc); sc != "" && !slices.Contains(s.Scopes, sc) {
			writeJSON(w, 400, map[string]string{"error": "invalid_scope", "error_description": "invalid_scope"})
			return
		}
	}
	s.issued++
	tok := "tok-" + strconv.Itoa(s.issued)
	s.tokens[tok] = true
	writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(s.TokenLife.Seconds())})
}

// audiences answers GET /data/core/ups/audiences?start=&limit=.
func (s *Server) audiences(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	s.requests = append(s.requests, "audiences?start="+q.Get("start"))
	if s.fault(w, "audiences") || !s.authorized(w, r) {
		return
	}
	start, limit := 0, 20
	if v := q.Get("start"); v != "" {
		start, _ = strconv.Atoi(v)
	}
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	list := slices.Clone(s.Audiences)
	slices.SortStableFunc(list, func(a, b Audience) int { return int(b.UpdateTime - a.UpdateTime) }) // sort=updateTime:desc
	end := min(start+limit, len(list))
	children := []Audience{}
	if start < len(list) {
		children = list[start:end]
	}
	page := map[string]any{"totalCount": len(list), "pageSize": len(children)}
	links := map[string]any{}
	if end < len(list) {
		page["next"] = strconv.Itoa(end)
		links["next"] = map[string]string{"href": fmt.Sprintf("@/audiences?start=%d&limit=%d&totalCount=%d", end, limit, len(list))}
	}
	writeJSON(w, 200, map[string]any{"children": children, "_page": page, "_links": links})
}

// authorized checks the headers every Platform call carries, answering
// as Platform does when one is wrong.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok || tok == "":
		writeJSON(w, 403, map[string]string{"error_code": "403010", "message": "Oauth token is missing."})
		return false
	case !s.tokens[tok]:
		writeJSON(w, 401, map[string]string{"error_code": "401013", "message": "Oauth token is not valid"})
		return false
	case r.Header.Get("x-api-key") == "":
		writeJSON(w, 403, map[string]string{"error_code": "403000", "message": "Api Key is required"})
		return false
	case r.Header.Get("x-api-key") != ClientID:
		writeJSON(w, 403, map[string]string{"error_code": "403003", "message": "Api Key is invalid"})
		return false
	case r.Header.Get("x-gw-ims-org-id") == "":
		writeJSON(w, 400, map[string]string{"error_code": "400003", "message": "Missing header"})
		return false
	case r.Header.Get("x-gw-ims-org-id") != OrgID:
		writeJSON(w, 403, map[string]string{"error_code": "403025", "message": "Profile is not valid"})
		return false
	case r.Header.Get("x-sandbox-name") != Sandbox:
		writeJSON(w, 404, map[string]any{"type": "http://ns.adobe.com/aep/errors/SANDBOX-404", "title": "Not Found", "status": 404,
			"detail": "sandbox " + r.Header.Get("x-sandbox-name") + " not found"})
		return false
	}
	return true
}

// flow answers GET /data/foundation/flowservice/flows/{id}: a destination
// dataflow with its segment selectors, in the documented shape.
func (s *Server) flow(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	s.requests = append(s.requests, "flow "+id)
	if s.fault(w, "flow") || !s.authorized(w, r) {
		return
	}
	ids, ok := s.Flows[id]
	if !ok {
		writeJSON(w, 404, map[string]any{"type": "https://ns.adobe.com/aep/errors/FLOW-1001-404", "title": "Not Found", "status": 404,
			"detail": "Flow with id " + id + " not found"})
		return
	}
	selectors := []map[string]any{}
	for _, a := range ids {
		selectors = append(selectors, map[string]any{"type": "PLATFORM_SEGMENT", "value": map[string]any{"id": a, "name": a}})
	}
	writeJSON(w, 200, map[string]any{"items": []map[string]any{{
		"id": id, "name": "Commerce destination", "state": "enabled", "sandboxName": Sandbox,
		"transformations": []map[string]any{{"name": "GeneralTransform", "params": map[string]any{
			"segmentSelectors": map[string]any{"selectors": selectors}}}},
	}}})
}
