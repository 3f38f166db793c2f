# Convenience targets; each is one script named in the README.
.PHONY: test demo build verify-build sbom vulncheck deb image image-test bench

test:          ; scripts/test
demo:          ; scripts/demo
build:         ; scripts/build
verify-build:  ; scripts/build --verify
sbom:          ; scripts/sbom
vulncheck:     ; scripts/vulncheck
deb:           ; packaging/build-deb
image:         ; images/build
image-test:    ; images/test
bench:
	go test -tags goolm -run '^$$' -bench . -benchtime 5x ./bench/

# docs/screenshots: the citizen pages in German, Arabic and Leichte Sprache
# at 360 and 1280 CSS px (headless Chromium).
.PHONY: screenshots
screenshots:
	BB_SCREENSHOTS=$(CURDIR)/docs/screenshots go test -tags goolm,screenshots -count=1 -run '^TestScreenshots$$' ./e2e
