package web

import (
	"strings"

	"github.com/buergerbuero/buergerbuero/appliance/consultation"
	"github.com/buergerbuero/buergerbuero/appliance/i18n"
)

// noticeKeys are the room notices the catalogue renders; a stored key not
// in this list is shown as nothing rather than as a raw key.
var noticeKeys = map[string]bool{
	consultation.NoticeInvited: true, consultation.NoticeJoined: true, consultation.NoticeLeadJoined: true,
	consultation.NoticeAdminJoined: true, consultation.NoticeAdded: true, consultation.NoticeFileDeleted: true,
}

// roleNames are the external roles' names in the catalogue (area roles).
var roleNames = map[string]string{
	consultation.RoleInterpreter: "roles.interpreter", consultation.RoleSignInterpreter: "roles.sign_interpreter",
	consultation.RoleWrittenInterpreter: "roles.written_interpreter", consultation.RoleGuardian: "roles.guardian",
	consultation.RoleLawyer: "roles.lawyer", consultation.RoleAuthority: "roles.authority", consultation.RoleGuest: "roles.guest",
}

// roleLabel names an external participant in the reader's language: the
// role, for interpreters the language interpreted into by its own name,
// and the name the invite gave ("Interpreter (Türkçe) – Ayşe Demir").
// Stored are only role, language and name; the label is made here, at the
// edge. Other roles get no language: a guardian's is nobody's business.
func roleLabel(l *i18n.Localizer, role, lang, name string) string {
	label := role
	if key, ok := roleNames[role]; ok {
		label = l.T(key, nil)
	}
	if lang != "" && (role == consultation.RoleInterpreter || role == consultation.RoleWrittenInterpreter) {
		label += " (" + languageOptions([]string{lang})[0].Name + ")"
	}
	if name != "" {
		label += " – " + name
	}
	return label
}

// renderNotice writes a system message's notice in the reader's language.
func renderNotice(l *i18n.Localizer, m consultation.Message) consultation.Message {
	if _, external := roleNames[m.AuthorRole]; external {
		m.Author = roleLabel(l, m.AuthorRole, "", m.Author)
	}
	if m.AuthorRole == consultation.RoleSystem {
		m.Author = l.T("notice.author.system", nil)
	}
	n := m.Notice
	if n == nil {
		return m
	}
	m.Notice = nil
	if !noticeKeys[n.Key] {
		return m
	}
	args := map[string]any{}
	for k, v := range n.Args {
		args[k] = v
	}
	switch {
	case n.Key == consultation.NoticeInvited:
		role := roleLabel(l, n.Args["Role"], "", "")
		args["Role"], args["Detail"] = role, strings.TrimPrefix(roleLabel(l, n.Args["Role"], n.Args["Lang"], n.Args["Who"]), role)
	case n.Key == consultation.NoticeJoined && n.Args["Role"] != "":
		args["Who"] = roleLabel(l, n.Args["Role"], n.Args["Lang"], n.Args["Who"])
	}
	m.Text = l.T(n.Key, args)
	return m
}

func renderNotices(l *i18n.Localizer, ms []consultation.Message) []consultation.Message {
	for i := range ms {
		ms[i] = renderNotice(l, ms[i])
	}
	return ms
}
