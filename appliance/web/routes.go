package web

import (
	"net/http"
)

func (s *Server) routes() {
	// health
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)

	// public citizen API (contract: docs/api/openapi.yaml)
	s.handle("GET /api/v1/offices", s.apiOffices)
	s.handle("GET /api/v1/offices/{id}", s.apiOffice)
	s.handle("POST /api/v1/offices/{id}/knocks", s.apiKnock)
	s.handle("GET /api/v1/tickets/{id}", s.apiTicket)
	s.handle("DELETE /api/v1/tickets/{id}", s.apiLeave)
	s.handle("GET /api/v1/tickets/{id}/events", s.apiTicketEvents)
	s.handle("POST /api/v1/tickets/{id}/enter", s.apiEnter)
	s.handle("GET /api/v1/tickets/{id}/messages", s.apiCitizenMessages)
	s.handle("POST /api/v1/tickets/{id}/messages", s.apiCitizenPost)
	s.handle("POST /api/v1/tickets/{id}/files", s.apiCitizenFile)
	s.handle("POST /api/v1/invites/redeem", s.apiRedeemInvite)
	s.handle("POST /api/v1/stream-keys", s.apiStreamKey)
	s.handle("GET /api/v1/pow/challenge", s.apiPowChallenge)

	// events: citizens' hours, press conferences (api_events.go)
	s.handle("GET /api/v1/events", s.apiEvents)
	s.handle("GET /api/v1/events/{id}", s.apiEvent)
	s.handle("POST /api/v1/events/{id}/viewers", s.apiEventJoin)
	s.handle("GET /api/v1/events/{id}/state", s.apiEventState)
	s.handle("POST /api/v1/events/{id}/questions", s.apiEventAsk)
	s.handle("PUT /api/v1/events/{id}/hand", s.apiEventHand)
	s.handle("POST /api/v1/events/{id}/media", s.apiEventMedia)
	s.handle("GET /api/v1/events/{id}/stream", s.apiEventStream)
	s.handle("POST /api/v1/speaker-invites/redeem", s.apiSpeakerInvite)

	// public booking API (api_booking.go)
	s.handle("GET /api/v1/offices/{id}/services", s.apiServices)
	s.handle("GET /api/v1/offices/{id}/services/{svc}/slots", s.apiSlots)
	s.handle("POST /api/v1/offices/{id}/holds", s.apiHold)
	s.handle("POST /api/v1/holds/{id}/confirm", s.apiConfirmHold)
	s.handle("DELETE /api/v1/bookings/{id}", s.apiCancelBooking)
	s.handle("POST /api/v1/bookings/{id}/arrive", s.apiArrive)
	s.handle("POST /api/v1/offices/{id}/waitlist", s.apiJoinWaitlist)
	s.handle("POST /api/v1/waitlist/{id}/confirm", s.apiConfirmWaitlist)
	s.handle("POST /api/v1/offers/{id}/accept", s.apiAcceptOffer)

	// room API for every member (clerk, citizen, participant)
	s.handle("GET /api/v1/rooms/{room}", s.apiRoom)
	s.handle("GET /api/v1/rooms/{room}/messages", s.apiRoomMessages)
	s.handle("POST /api/v1/rooms/{room}/messages", s.apiRoomPost)
	s.handle("POST /api/v1/rooms/{room}/files", s.apiRoomFile)
	s.handle("GET /api/v1/rooms/{room}/files", s.apiRoomFiles)
	s.handle("GET /api/v1/rooms/{room}/files/{file}", s.apiRoomFileGet)
	s.handle("DELETE /api/v1/rooms/{room}/files/{file}", s.apiRoomFileDelete)
	s.handle("GET /api/v1/rooms/{room}/events", s.apiRoomEvents)
	s.handle("GET /api/v1/rooms/{room}/media", s.apiRoomMedia)
	s.handle("GET /api/v1/rooms/{room}/captions", s.apiCaptions)
	s.handle("POST /api/v1/rooms/{room}/captions", s.apiCaptionPost)
	s.handle("GET /api/v1/rooms/{room}/whiteboard", s.apiWhiteboard)
	s.handle("POST /api/v1/rooms/{room}/whiteboard", s.apiWhiteboardPost)

	// staff API (contract: docs/api/staff-api.md, docs/api/openapi.yaml)
	s.handle("POST /api/v1/staff/login", s.staffNetworkAPI(s.apiLogin))
	s.handle("POST /api/v1/staff/logout", s.staffSignedIn(s.apiLogout))
	s.handle("POST /api/v1/staff/me/password", s.staffSignedIn(s.apiPassword))
	s.handle("GET /api/v1/staff/me", s.staffOnly(s.apiMe))
	s.handle("PUT /api/v1/staff/me/presence", s.staffOnly(s.apiPresence))
	s.handle("GET /api/v1/staff/clerks", s.staffOnly(s.apiClerks))
	s.handle("GET /api/v1/staff/offices", s.staffOnly(s.apiStaffOffices))
	s.handle("GET /api/v1/staff/tickets/{id}", s.staffOnly(s.apiStaffTicket))
	s.handle("POST /api/v1/staff/tickets/{id}/{action}", s.staffOnly(s.apiTicketAction))
	s.handle("GET /api/v1/staff/rooms/{room}/messages", s.staffOnly(s.apiStaffMessages))
	s.handle("POST /api/v1/staff/rooms/{room}/messages", s.staffOnly(s.apiStaffPost))
	s.handle("POST /api/v1/staff/rooms/{room}/files", s.staffOnly(s.apiStaffFile))
	s.handle("POST /api/v1/staff/rooms/{room}/invites", s.staffOnly(s.apiInvite))
	s.handle("POST /api/v1/staff/rooms/{room}/join", s.staffOnly(s.apiJoinRoom))
	s.handle("POST /api/v1/staff/rooms/{room}/members", s.staffOnly(s.apiAddColleague))
	s.handle("GET /api/v1/staff/events", s.staffOnly(s.apiStaffEvents))
	s.handle("GET /api/v1/staff/outbox", s.staffOnly(s.apiOutbox))
	s.handle("POST /api/v1/staff/events", s.staffOnly(s.apiStaffEventCreate))
	s.handle("GET /api/v1/staff/events/{id}", s.staffOnly(s.apiStaffEvent))
	s.handle("PUT /api/v1/staff/events/{id}", s.staffOnly(s.apiStaffEventEdit))
	s.handle("POST /api/v1/staff/events/{id}/cancel", s.staffOnly(s.apiStaffEventCancel))
	s.handle("POST /api/v1/staff/events/{id}/speaker-invites", s.staffOnly(s.apiStaffSpeakerInvite))
	s.handle("POST /api/v1/staff/events/{id}/questions/{q}/{action}", s.staffOnly(s.apiStaffQuestion))
	s.handle("POST /api/v1/staff/events/{id}/stage", s.staffOnly(s.apiStaffStage))
	s.handle("POST /api/v1/staff/events/{id}/media", s.staffOnly(s.apiStaffEventMedia))
	s.handle("GET /api/v1/staff/events/{id}/stream", s.staffOnly(s.apiStaffEventStream))
	s.handle("POST /api/v1/staff/calendar-feeds", s.staffOnly(s.apiCreateFeed))
	s.handle("DELETE /api/v1/staff/calendar-feeds/{id}", s.staffOnly(s.apiRevokeFeed))
	s.handle("POST /api/v1/staff/appointments", s.staffOnly(s.apiStaffBook))
	s.handle("POST /api/v1/staff/appointments/{id}/cancel", s.staffOnly(s.apiStaffCancel))
	s.handle("POST /api/v1/staff/appointments/capacity", s.staffOnly(s.apiStaffCapacity))
	s.handle("GET /api/v1/staff/appointments", s.staffOnly(s.apiStaffDay))
	s.adminUsersRoutes()
	s.handle("/api/", func(w http.ResponseWriter, r *http.Request) { s.writeProblem(w, r, notFoundOrMethod(s.mux, r)) })

	// usage figures for office leads and admins (stats_page.go)
	s.handle("GET /staff/stats", s.staffPage(s.pageStats))
	s.handle("POST /staff/stats", s.staffPage(s.formStats))
	s.handle("GET /staff/stats.csv", s.staffPage(s.statsExport(false)))
	s.handle("GET /staff/stats.ods", s.staffPage(s.statsExport(true)))

	// permanent rooms: public lobby, staff list, moderation, pages
	s.permanentRoutes() // api_permanent.go

	// web administration (admin_pages.go)
	s.adminRoutes()

	// pages
	s.handle("GET /{$}", s.pageOffices)
	s.handle("GET /offices/{id}", s.pageKnock)
	s.handle("GET /offices/{id}/book", s.pageBook)
	s.handle("GET /a/{id}/cancel", s.pageCancelBooking)
	s.handle("GET /w/{id}", s.pageOffer)
	s.handle("GET /wait/{id}", s.pageWait)
	s.handle("GET /room/{room}", s.pageRoom)
	s.handle("GET /join", s.pageJoin)
	// links made before the token moved into the fragment (one release)
	s.handle("GET /join/{token}", s.pageJoin)
	s.handle("GET /a/{id}", s.pageArrival)
	s.handle("GET /staff/login", s.staffPage(s.pageLogin))
	s.handle("POST /staff/login", s.staffPage(s.formLogin))
	s.handle("POST /staff/logout", s.formLogout)
	s.handle("POST /staff/oidc/start", s.staffPage(s.formOIDCStart))
	s.handle("GET /staff/oidc/callback", s.staffPage(s.pageOIDCCallback))
	s.handle("POST /staff/login/totp", s.staffPage(s.formLoginTOTP))
	s.handle("GET /staff/totp", s.staffPage(s.pageTOTP))
	s.handle("POST /staff/totp", s.staffPage(s.formTOTP))
	s.handle("GET /staff/totp/qr.png", s.staffPage(s.pageTOTPQR))
	s.handle("GET /staff/password", s.staffPage(s.pagePassword))
	s.handle("POST /staff/password", s.staffPage(s.formPassword))
	s.handle("GET /staff", s.staffPage(s.pageConsole))
	s.handle("GET /staff/appointments", s.staffPage(s.pageStaffDay))
	s.handle("GET /events", s.pageEvents)
	s.handle("GET /events/{id}", s.pageEvent)
	s.handle("GET /events/{id}/watch", s.pageEventWatch)
	s.handle("GET /speak", s.pageEventSpeak)
	s.handle("GET /staff/events", s.staffPage(s.pageStaffEvents))
	s.handle("GET /staff/events/{id}", s.staffPage(s.pageEventConsole))
	s.handle("GET /embed", s.pageEmbed)
	s.handle("GET /embed.js", s.embedJS)
	s.handle("GET "+PrivacyPath, s.pagePrivacy)
	s.handle("GET /privacy", s.pagePrivacy)
	s.handle("GET "+AccessibilityPath, s.pageAccessibility)
	s.handle("GET /accessibility", s.pageAccessibility)
	s.handle("GET /calendar/{file}", s.calendarFeed)
	if s.opt.Mailbox != nil {
		s.handle("GET "+DemoMailboxPath, s.pageMailbox)
	}
	if s.opt.EmbedExample {
		s.handle("GET /demo/embed-example", s.pageEmbedExample)
	}
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", staticHandler()))
	s.handle("GET /staff-background", s.staffBackground)
	s.handle("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/icon.svg", http.StatusMovedPermanently)
	})
	// every other address: the page "not found" in the reader's language
	// (a known page path used with another method: 405)
	s.handle("/", s.pageNotFound)
	if s.media != nil {
		s.mux.Handle("/sfu", s.media.Handler())
	}
}

// adminUsersRoutes: clerks and the audit log for admins (adminusers_*.go,
// audit_pages.go).
func (s *Server) adminUsersRoutes() {
	s.handle("GET /api/v1/staff/admin/clerks", s.adminOnly(s.apiAdminClerks))
	s.handle("POST /api/v1/staff/admin/clerks", s.adminOnly(s.apiAdminClerkAdd))
	s.handle("PUT /api/v1/staff/admin/clerks/{id}", s.adminOnly(s.apiAdminClerkEdit))
	s.handle("DELETE /api/v1/staff/admin/clerks/{id}", s.adminOnly(s.apiAdminClerkRemove))
	s.handle("POST /api/v1/staff/admin/clerks/{id}/{action}", s.adminOnly(s.apiAdminClerkAction))
	s.handle("GET /api/v1/staff/admin/audit", s.staffOnly(s.apiAudit))
	s.handle("GET /staff/admin/clerks", s.staffPage(s.pageAdminClerks))
	s.handle("POST /staff/admin/clerks", s.staffPage(s.formAdminClerkAdd))
	s.handle("GET /staff/admin/clerks/{id}", s.staffPage(s.pageAdminClerk))
	s.handle("POST /staff/admin/clerks/{id}", s.staffPage(s.formAdminClerk))
	s.handle("POST /staff/admin/clerks/{id}/{action}", s.staffPage(s.formAdminClerkAction))
	s.handle("GET /staff/admin/audit", s.staffPage(s.pageAudit))
	s.handle("POST /staff/admin/audit", s.staffPage(s.formAudit))
	s.handle("GET /staff/admin/audit.csv", s.staffPage(s.pageAuditCSV))
}

// notFoundOrMethod tells an unknown API path (404) from a known path used
// with the wrong method (405).
func notFoundOrMethod(mux *http.ServeMux, r *http.Request) error {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" && pattern != "/" {
			return errMethod
		}
	}
	return errNotFound
}

func staticHandler() http.Handler {
	fs := http.FileServerFS(staticSub())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		fs.ServeHTTP(w, r)
	})
}
