package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Audience is one audience of a sandbox, as Platform describes it.
type Audience struct {
	// ID is the segment id: what a shopper's aep-segments-membership
	// carries and ruled's registry keys on.
	ID string
	// AudienceID is the id the audience is known by where it came from
	// (the same as ID for audiences made in Platform).
	AudienceID  string
	Name        string
	Description string
	// Type is SegmentDefinition (made in Platform) or ExternalSegment.
	Type string
	// OriginName is where it came from: REAL_TIME_CUSTOMER_PROFILE,
	// AUDIENCE_ORCHESTRATION, AUDIENCE_MANAGER, CUSTOM_UPLOAD, ...
	OriginName string
	Namespace  string
	// LifecycleState is draft, published, inactive or deleted.
	LifecycleState string
	Updated        time.Time
}

// Active reports whether the audience is live: published, or without a
// state at all.
func (a Audience) Active() bool {
	s := strings.ToLower(a.LifecycleState)
	return s == "" || s == "published" || s == "active"
}

// Origin is the origin shown beside an audience, as Commerce's Real-Time
// CDP Audiences grid shows it.
func (a Audience) Origin() string {
	switch strings.ToUpper(a.OriginName) {
	case "", "REAL_TIME_CUSTOMER_PROFILE":
		return "Experience Platform"
	case "AUDIENCE_ORCHESTRATION":
		return "Audience Orchestration"
	case "AUDIENCE_MANAGER":
		return "Audience Manager"
	case "CUSTOM_UPLOAD":
		return "Custom upload"
	case "AUDIENCE_MATCH":
		return "Audience Match"
	}
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(a.OriginName, "_", " ")))
	if len(words) > 0 {
		words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	}
	return strings.Join(words, " ")
}

// audiencePage is one page of GET /data/core/ups/audiences.
type audiencePage struct {
	Children []struct {
		ID             string      `json:"id"`
		AudienceID     string      `json:"audienceId"`
		Name           string      `json:"name"`
		Description    string      `json:"description"`
		Type           string      `json:"type"`
		OriginName     string      `json:"originName"`
		Namespace      string      `json:"namespace"`
		LifecycleState string      `json:"lifecycleState"`
		UpdateTime     json.Number `json:"updateTime"`  // milliseconds since 1970
		UpdateEpoch    json.Number `json:"updateEpoch"` // seconds since 1970
	} `json:"children"`
	Page *struct {
		TotalCount int             `json:"totalCount"`
		PageSize   int             `json:"pageSize"`
		Next       json.RawMessage `json:"next"` // a string or a number; empty or absent on the last page
	} `json:"_page"`
}

// AudiencesPath is the Segmentation Service's audience listing.
const AudiencesPath = "/data/core/ups/audiences"

// maxPages bounds a listing, so that a server that never ends its paging
// cannot keep a pull running.
const maxPages = 10000

// Audiences lists every audience of the sandbox, page by page, in the order
// Platform returns them (updateTime, newest first).
func (c *Client) Audiences(ctx context.Context) ([]Audience, error) {
	var out []Audience
	seen := map[string]bool{}
	start := "0"
	for range maxPages {
		page, err := c.page(ctx, start, c.cfg.PageSize)
		if err != nil {
			return nil, err
		}
		for _, ch := range page.Children {
			if ch.ID == "" || ch.Name == "" {
				return nil, &Error{Kind: KindProtocol, Op: "audiences", Status: 200, Message: "an audience without id or name"}
			}
			a := Audience{ID: ch.ID, AudienceID: ch.AudienceID, Name: ch.Name, Description: ch.Description, Type: ch.Type,
				OriginName: ch.OriginName, Namespace: ch.Namespace, LifecycleState: ch.LifecycleState}
			if ms, err := ch.UpdateTime.Int64(); err == nil && ms > 0 {
				a.Updated = time.UnixMilli(ms).UTC()
			} else if s, err := ch.UpdateEpoch.Int64(); err == nil && s > 0 {
				a.Updated = time.Unix(s, 0).UTC()
			}
			if seen[a.ID] { // pages shifted under a concurrent change: keep the first
				continue
			}
			seen[a.ID] = true
			out = append(out, a)
		}
		next := ""
		if page.Page != nil {
			next = strings.Trim(string(page.Page.Next), `"`)
			if next == "null" {
				next = ""
			}
		}
		if next == "" || len(page.Children) == 0 {
			return out, nil
		}
		if next == start {
			return nil, &Error{Kind: KindProtocol, Op: "audiences", Status: 200, Message: fmt.Sprintf("paging does not advance: page %s names itself as next", start)}
		}
		start = next
	}
	return nil, &Error{Kind: KindProtocol, Op: "audiences", Message: fmt.Sprintf("more than %d pages", maxPages)}
}

// page reads one page of the listing.
func (c *Client) page(ctx context.Context, start string, limit int) (*audiencePage, error) {
	q := url.Values{"limit": {strconv.Itoa(limit)}, "sort": {"updateTime:desc"}}
	if start != "0" {
		q.Set("start", start)
	}
	body, err := c.get(ctx, "audiences", AudiencesPath, q)
	if err != nil {
		return nil, err
	}
	var page audiencePage
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, &Error{Kind: KindProtocol, Op: "audiences", Status: 200, Message: "the listing is not the documented JSON: " + err.Error()}
	}
	return &page, nil
}

// Check says whether the credentials work: a token, then one page of one
// audience. The error is an *Error saying what is wrong.
func (c *Client) Check(ctx context.Context) error {
	if _, err := c.accessToken(ctx, true); err != nil {
		return err
	}
	_, err := c.page(ctx, "0", 1)
	return err
}
