package matrixbridge

import (
	"reflect"
	"strings"
	"testing"
)

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := ParseConfig(ExampleConfig())
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if cfg.Language != "de" || cfg.AppService.URL != "http://127.0.0.1:29340" {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if _, err := cfg.bridgeConfig("as", "hs"); err != nil {
		t.Fatalf("bridgev2 config: %v", err)
	}
}

func TestConfigUnknownKeyIsError(t *testing.T) {
	_, err := ParseConfig(append(ExampleConfig(), []byte("\nlanguag: en\n")...))
	if err == nil || !strings.Contains(err.Error(), "languag") {
		t.Fatalf("want error naming the unknown key, got %v", err)
	}
}

func TestConfigValidateNamesFields(t *testing.T) {
	cfg, err := ParseConfig(ExampleConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Language = "fr"
	cfg.Homeserver.Purge = "dendrite"
	cfg.Admins = []string{"admin"}
	err = cfg.Validate()
	for _, field := range []string{"language", "homeserver.admin_token_file", "admins[0]"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
}

// Every config field has a yaml tag, so strict decoding sees all of them.
func TestConfigFieldsHaveYAMLTags(t *testing.T) {
	var check func(reflect.Type)
	check = func(typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			if f.Tag.Get("yaml") == "" {
				t.Errorf("%s.%s has no yaml tag", typ.Name(), f.Name)
			}
			if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == typ.PkgPath() {
				check(f.Type)
			}
		}
	}
	check(reflect.TypeOf(Config{}))
}
