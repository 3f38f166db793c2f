package documents

import (
	"mime"
	"net/http"
	"strconv"
)

// ServeDownload sends a stored document as an attachment: the Content-Type
// is the sniffed type's (never the client's claim), the browser must not
// sniff another, and the name is sent both as plain ASCII fallback and
// RFC 5987-encoded (mime.FormatMediaType does both as needed). A sandbox
// CSP keeps the bytes inert should a browser still render them.
func ServeDownload(w http.ResponseWriter, name string, t Type, data []byte) {
	h := w.Header()
	h.Set("Content-Type", t.MediaType())
	h.Set("X-Content-Type-Options", "nosniff")
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": SafeName(name, t)})
	if disp == "" {
		disp = "attachment"
	}
	h.Set("Content-Disposition", disp)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}
