package matrixbridge

import (
	"errors"
	"fmt"
	"io/fs"

	"maunium.net/go/mautrix/appservice"
)

// WriteRegistration writes the appservice registration file for the
// homeserver. Existing tokens are kept, so regenerating after a config
// change does not break a running homeserver's registration.
func WriteRegistration(cfg *Config) (*appservice.Registration, error) {
	bc, err := cfg.bridgeConfig("", "")
	if err != nil {
		return nil, err
	}
	reg := bc.GenerateRegistration()
	old, err := appservice.LoadRegistration(cfg.AppService.Registration)
	switch {
	case err == nil:
		reg.AppToken, reg.ServerToken, reg.SenderLocalpart = old.AppToken, old.ServerToken, old.SenderLocalpart
	case errors.Is(err, fs.ErrNotExist):
	default:
		return nil, fmt.Errorf("read existing registration: %w", err)
	}
	reg.RateLimited = ptr(false)
	if err := reg.Save(cfg.AppService.Registration); err != nil {
		return nil, fmt.Errorf("write registration: %w", err)
	}
	return reg, nil
}
