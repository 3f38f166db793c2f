package config

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
)

// StaffBackgroundMax is the largest site.staff_background image, in bytes:
// every clerk who turns the background on downloads it.
const StaffBackgroundMax = 4 << 20

// StaffBackgroundTypes are the image types site.staff_background may
// have, recognised by content (the browser draws it into the camera
// picture).
var StaffBackgroundTypes = []string{"image/jpeg", "image/png", "image/webp"}

// validStaffBackground checks site.staff_background: "" or a readable
// image of an allowed type and size.
func validStaffBackground(path string) error {
	if path == "" {
		return nil
	}
	const allowed = `a JPEG, PNG or WebP file of at most 4 MiB, or ""`
	f, err := os.Open(path)
	if err != nil {
		return bad("site.staff_background", fmt.Sprintf("%q cannot be read", path), allowed)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > StaffBackgroundMax {
		return bad("site.staff_background", fmt.Sprintf("%q is not a file of at most 4 MiB", path), allowed)
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if typ := http.DetectContentType(head[:n]); !slices.Contains(StaffBackgroundTypes, typ) {
		return bad("site.staff_background", fmt.Sprintf("%q is %s, not an image", path, typ), allowed)
	}
	return nil
}
