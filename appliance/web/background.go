package web

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"time"
)

// staffBackground serves the picture clerks may put behind themselves on
// camera (static/background.js): the county's (site.staff_background,
// read on each request so it can be replaced without a restart) or the
// built-in neutral one. It is no secret; the camera picture it ends up in
// is.
func (s *Server) staffBackground(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	if p := s.opt.StaffBackground; p != "" {
		f, err := os.Open(p)
		if err == nil {
			defer f.Close()
			if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
				head := make([]byte, 512)
				n, _ := f.Read(head)
				w.Header().Set("Content-Type", http.DetectContentType(head[:n]))
				if _, err := f.Seek(0, 0); err == nil {
					http.ServeContent(w, r, "", fi.ModTime(), f)
					return
				}
			}
		}
		// validated at start; gone since: the neutral picture rather than none
		s.log.Warn("site.staff_background unreadable, serving the built-in one", "err", err)
	}
	b, _ := fs.ReadFile(staticSub(), "staff-background.jpg")
	w.Header().Set("Content-Type", "image/jpeg")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}
