package web

import (
	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"net/http"
	"strconv"
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/reception"
)

// healthz is the liveness answer; it is 503 until start-up has finished,
// so a probe (or a person) never sees "ok" before the appliance is usable.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.opt.Started != nil && !s.opt.Started() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
		return
	}
	writeJSON(w, 200, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opt.Ready != nil {
		if err := s.opt.Ready(r.Context()); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": err.Error()})
			return
		}
	}
	// the bridge is reported but does not make the appliance unready: the
	// reception works without Matrix and the bridge catches up later
	bridge := "not connected"
	if testutilValue(s.bridgeStreams) > 0 {
		bridge = "connected"
	}
	writeJSON(w, 200, map[string]string{"status": "ready", "database": "ok", "media": s.mediaStatus(), "bridge": bridge})
}

func (s *Server) apiOffices(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"offices": s.rec.Offices()})
}

func (s *Server) apiOffice(w http.ResponseWriter, r *http.Request) {
	st, ok := s.rec.OfficeStatus(r.PathValue("id"))
	if !ok {
		s.writeProblem(w, r, reception.ErrOfficeNotFound)
		return
	}
	writeJSON(w, 200, st)
}

type knockBody struct {
	Concern  string `json:"concern"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

type knockResponse struct {
	ID              string         `json:"id"`
	Number          string         `json:"number"`
	Token           string         `json:"token"`
	Place           int            `json:"place"`
	EstimateSeconds int            `json:"estimate_seconds"`
	Ticket          reception.View `json:"ticket"`
}

func (s *Server) apiKnock(w http.ResponseWriter, r *http.Request) {
	var b knockBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	res, err := s.rec.Knock(r.Context(), r.PathValue("id"), reception.KnockRequest{Concern: b.Concern, Name: b.Name, Language: b.Language, Client: s.clientIP(r)})
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/tickets/"+res.Ticket.ID)
	writeJSON(w, http.StatusCreated, knockResponse{ID: res.Ticket.ID, Number: res.Ticket.Number, Token: res.Token,
		Place: res.View.Place, EstimateSeconds: res.View.EstimateSeconds, Ticket: res.View})
}

// ticketToken reads the citizen's or participant's secret from
// "Authorization: Bearer", never from the URL (WebSockets: streamkey.go).
func ticketToken(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

func (s *Server) apiTicket(w http.ResponseWriter, r *http.Request) {
	v, err := s.rec.TicketView(r.Context(), r.PathValue("id"), ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	// polling clients count as connected
	// a polling client (no WebSocket) restarts its grace period with each poll
	if (v.State.Queued() || v.State == reception.StateCalled) && !s.rec.Hub.Watched(v.ID) {
		s.rec.Disconnected(r.Context(), v.ID)
	}
	writeJSON(w, 200, v)
}

func (s *Server) apiLeave(w http.ResponseWriter, r *http.Request) {
	if err := s.rec.Leave(r.Context(), r.PathValue("id"), ticketToken(r)); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiEnter(w http.ResponseWriter, r *http.Request) {
	v, err := s.rec.Enter(r.Context(), r.PathValue("id"), ticketToken(r))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, v)
}

// citizenRoom resolves the room of a citizen's ticket.
func (s *Server) citizenRoom(r *http.Request) (consultation.Room, consultation.Member, error) {
	return s.rec.CitizenRoom(r.Context(), r.PathValue("id"), ticketToken(r))
}

func (s *Server) apiCitizenMessages(w http.ResponseWriter, r *http.Request) {
	room, _, err := s.citizenRoom(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.writeMessages(w, r, room.ID)
}

func (s *Server) writeMessages(w http.ResponseWriter, r *http.Request, room string) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	msgs, err := s.rec.Rooms.Messages(r.Context(), room, after)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if msgs == nil {
		msgs = []consultation.Message{}
	}
	writeJSON(w, 200, map[string]any{"messages": renderNotices(s.localizer(r), msgs)})
}

type postBody struct {
	Text     string `json:"text"`
	ClientID string `json:"client_id"`
}

func (s *Server) apiCitizenPost(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.citizenRoom(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.post(w, r, room, m)
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, room consultation.Room, m consultation.Member) {
	var b postBody
	if err := readJSON(r, &b); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	msg, err := s.rec.Rooms.PostMessage(r.Context(), room, m, b.Text, b.ClientID)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, renderNotice(s.localizer(r), msg))
}

func (s *Server) apiCitizenFile(w http.ResponseWriter, r *http.Request) {
	room, m, err := s.citizenRoom(r)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.upload(w, r, room, m)
}

// apiRedeemInvite turns an invite into a participant session. The invite
// token comes as bearer token: the link carries it after '#' (/join#…),
// so it never stands in a request line, a server or proxy log, or a
// Referer.
func (s *Server) apiRedeemInvite(w http.ResponseWriter, r *http.Request) {
	tok := ticketToken(r)
	if tok == "" {
		s.writeProblem(w, r, consultation.ErrInviteInvalid)
		return
	}
	session, p, err := s.rec.Rooms.RedeemInvite(r.Context(), tok)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	writeJSON(w, 200, map[string]any{"room_id": p.RoomID, "role": p.Role, "token": session, "expires_at": p.ExpiresAt})
}

func (s *Server) mediaStatus() string {
	if s.media == nil {
		return "off"
	}
	return "ok"
}

func testutilValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	g.Write(&m)
	return m.GetGauge().GetValue()
}
