package config

import (
	"strings"
	"testing"
)

// TestTOTPRequiredRolesValidate: an unknown role in
// auth.totp.required_roles is refused naming the field; known ones pass.
func TestTOTPRequiredRolesValidate(t *testing.T) {
	c := Defaults()
	c.Auth.TOTP.RequiredRoles = []string{"admin", "lead"}
	if err := c.Auth.validate(); err != nil {
		t.Fatalf("admin, lead: %v", err)
	}
	c.Auth.TOTP.RequiredRoles = []string{"admin", "chef"}
	if err := c.Auth.validate(); err == nil || !strings.Contains(err.Error(), "auth.totp.required_roles") {
		t.Fatalf("unknown role: %v", err)
	}
}
