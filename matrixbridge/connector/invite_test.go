package connector

import (
	"context"
	"testing"

	"github.com/buergerbuero/buergerbuero/appliance/apptest"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/matrixbridge/staffapi"
)

// !invite refuses before anything happens on Matrix when the consultation
// belongs to a counselling office; the bridge learns that from the office
// list the appliance gives the inviting clerk.
func TestOfficeConfidentialFromAppliance(t *testing.T) {
	app := apptest.Start(t, apptest.Options{Quiet: true, NoMedia: true, Configure: func(c *config.Config) {
		c.Offices[1].Confidential = true // bauamt
	}})
	c := New(Options{API: staffapi.New(app.URL, app.ServiceToken, app.Client())})
	for office, want := range map[string]bool{"bauamt": true, "buergerbuero": false} {
		got, err := c.officeConfidential(context.Background(), "anna", office)
		if err != nil || got != want {
			t.Errorf("officeConfidential(%s) = %v, %v; want %v", office, got, err, want)
		}
	}
}
