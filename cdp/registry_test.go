package cdp_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ruled/ruled/cdp"
	"github.com/ruled/ruled/rules"
)

func TestMerge(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	earlier := now.Add(-48 * time.Hour)
	upd := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	existing := []rules.Audience{
		{ID: "a", Name: "VIP Shoppers", Description: "written by hand", Origin: "Experience Platform", Updated: upd(1)},
		{ID: "b", Name: "Churn Risk", Origin: "Experience Platform", Updated: upd(1)},
		{ID: "c", Name: "Old Unused", Origin: "Experience Platform"},
		{ID: "d", Name: "Lapsed Customers", Origin: "Experience Platform"},
		{ID: "e", Name: "Was Gone", Origin: "Experience Platform", Removed: earlier},
		{ID: "f", Name: "Still Gone", Origin: "Audience Manager", Removed: earlier},
		{ID: "g", Name: "Same", Origin: "Experience Platform", Updated: upd(1)},
	}
	pulled := []cdp.Audience{
		{ID: "a", Name: "VIP Shoppers", Description: "Top 2% from the CDP", OriginName: "REAL_TIME_CUSTOMER_PROFILE", LifecycleState: "published", Updated: upd(2)},
		{ID: "b", Name: "Churn-Risk Customers", Description: "from the CDP", OriginName: "REAL_TIME_CUSTOMER_PROFILE", LifecycleState: "published", Updated: upd(3)},
		{ID: "e", Name: "Was Gone", LifecycleState: "published", Updated: upd(4)},
		{ID: "g", Name: "Same", LifecycleState: "published", Updated: upd(1)},
		{ID: "n", Name: "new subscribers", Description: "new", OriginName: "CUSTOM_UPLOAD", LifecycleState: "published", Updated: upd(5)},
		{ID: "x", Name: "A Draft", LifecycleState: "draft"},
		{ID: "d", Name: "Lapsed Customers", LifecycleState: "inactive"},
	}
	used := map[string]bool{"Lapsed Customers": true, "Still Gone": true, "VIP Shoppers": true}
	got, ch := cdp.Merge(existing, pulled, func(n string) bool { return used[n] }, now)

	want := []rules.Audience{
		{ID: "b", Name: "Churn-Risk Customers", Description: "from the CDP", Origin: "Experience Platform", Updated: upd(3)},
		{ID: "d", Name: "Lapsed Customers", Origin: "Experience Platform", Removed: now},
		{ID: "n", Name: "new subscribers", Description: "new", Origin: "Custom upload", Updated: upd(5)},
		{ID: "g", Name: "Same", Origin: "Experience Platform", Updated: upd(1)},
		{ID: "f", Name: "Still Gone", Origin: "Audience Manager", Removed: earlier},
		{ID: "a", Name: "VIP Shoppers", Description: "written by hand", Origin: "Experience Platform", Updated: upd(2)},
		{ID: "e", Name: "Was Gone", Origin: "Experience Platform", Updated: upd(4)},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
	wantCh := cdp.Changes{
		Added:   []string{"new subscribers"},
		Renamed: []cdp.Rename{{"Churn Risk", "Churn-Risk Customers"}},
		Updated: []string{"VIP Shoppers"},
		Removed: []string{"Old Unused"},
		Kept:    []string{"Lapsed Customers"},
		Back:    []string{"Was Gone"},
		At:      now,
	}
	if diff := cmp.Diff(wantCh, ch, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	// Merging the same pull again changes nothing.
	again, ch2 := cdp.Merge(got, pulled, func(n string) bool { return used[n] }, now.Add(time.Hour))
	if !ch2.Empty() {
		t.Errorf("a second merge changed %+v", ch2)
	}
	if diff := cmp.Diff(got, again, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("a second merge moved the registry (-first +second):\n%s", diff)
	}
}
