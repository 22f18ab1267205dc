package cdp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// FlowsPath is the Flow Service's dataflow lookup.
const FlowsPath = "/data/foundation/flowservice/flows/"

// Activated returns the ids of the audiences a destination dataflow
// activates: the PLATFORM_SEGMENT selectors of its transformations, in
// the order the dataflow lists them. The dataflow of the Commerce
// destination is what Commerce's Audience Activation reads; its id shows in
// Experience Platform under Destinations > Browse.
func (c *Client) Activated(ctx context.Context, flowID string) ([]string, error) {
	flowID = strings.TrimSpace(flowID)
	if flowID == "" {
		return nil, &Error{Kind: KindConfig, Op: "dataflow", Message: "no dataflow id"}
	}
	body, err := c.get(ctx, "dataflow", FlowsPath+url.PathEscape(flowID), nil)
	if err != nil {
		var cerr *Error
		if errors.As(err, &cerr) && cerr.Status == http.StatusNotFound && cerr.Kind == KindProtocol {
			cerr.Kind, cerr.Message = KindDataflow, "no dataflow "+flowID+" in sandbox "+c.cfg.Sandbox+": "+cerr.Message
		}
		return nil, err
	}
	var v struct {
		Items []struct {
			ID              string `json:"id"`
			Transformations []struct {
				Params struct {
					SegmentSelectors struct {
						Selectors []struct {
							Type  string `json:"type"`
							Value struct {
								ID string `json:"id"`
							} `json:"value"`
						} `json:"selectors"`
					} `json:"segmentSelectors"`
				} `json:"params"`
			} `json:"transformations"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, &Error{Kind: KindProtocol, Op: "dataflow", Status: 200, Message: "the dataflow is not the documented JSON: " + err.Error()}
	}
	if len(v.Items) == 0 {
		return nil, &Error{Kind: KindDataflow, Op: "dataflow", Status: 200, Message: "no dataflow " + flowID + " in sandbox " + c.cfg.Sandbox}
	}
	var ids []string
	seen := map[string]bool{}
	for _, it := range v.Items {
		for _, tr := range it.Transformations {
			for _, s := range tr.Params.SegmentSelectors.Selectors {
				if s.Type == "PLATFORM_SEGMENT" && s.Value.ID != "" && !seen[s.Value.ID] {
					seen[s.Value.ID] = true
					ids = append(ids, s.Value.ID)
				}
			}
		}
	}
	return ids, nil
}

// OnlyActivated keeps the audiences whose id is in ids; the others are
// returned as not active, so that Merge treats them as no longer activated.
func OnlyActivated(pulled []Audience, ids []string) []Audience {
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	out := make([]Audience, len(pulled))
	for i, a := range pulled {
		if !in[a.ID] {
			a.LifecycleState = "not-activated"
		}
		out[i] = a
	}
	return out
}
