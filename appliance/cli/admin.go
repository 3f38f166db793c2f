package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/buergerbuero/buergerbuero/appliance/app"
	"github.com/buergerbuero/buergerbuero/appliance/config"
	"github.com/buergerbuero/buergerbuero/appliance/hours"
	"github.com/buergerbuero/buergerbuero/appliance/reception"
	"github.com/buergerbuero/buergerbuero/appliance/staff"
	"github.com/buergerbuero/buergerbuero/appliance/store"
)

const adminUsage = `usage: buergerbuero admin [--config FILE | --data DIR] <command>

commands:
  office list
  office add --id ID --name NAME --prefix P [--chairs N] [--languages de,en] [--description TEXT]
             [--hours "mon=08:00-12:00,13:00-15:00;tue=08:00-12:00"] [--ignore-holidays]
  hours set --office ID --day mon|tue|…|sun --intervals "08:00-12:00,13:00-15:00"   (empty: closed)
  hours exception --office ID --date 2026-12-24 --intervals "08:00-11:00"           (empty: closed)
  clerk list
  clerk add --login LOGIN --name "NAME" [--role clerk|lead|admin] --offices a,b [--matrix-id @u:server]
            (the password is read from standard input; --generate prints a one-time
             password that the clerk must replace at the first sign-in)
  clerk reset-totp --login LOGIN
            (break-glass: removes the clerk's TOTP second factor and ends the
             clerk's sessions; a role that requires TOTP enrols again at sign-in)`

func admin(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	cfgPath := fs.String("config", "", "configuration file (its store.data_dir is used)")
	data := fs.String("data", "", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 {
		fmt.Fprintln(stdout, adminUsage)
		if len(rest) == 1 && rest[0] == "help" {
			return nil
		}
		return errors.New("admin: missing command")
	}
	sc := config.Store{Driver: "sqlite", DataDir: *data}
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		sc = c.Store
	}
	if sc.DataDir == "" {
		sc.DataDir = "/var/lib/buergerbuero"
	}
	db, err := app.OpenStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	switch rest[0] + " " + rest[1] {
	case "office list":
		return officeList(ctx, db, stdout)
	case "office add":
		return officeAdd(ctx, db, rest[2:], stdout)
	case "hours set", "hours exception":
		return hoursSet(ctx, db, rest[1], rest[2:], stdout)
	case "clerk list":
		return clerkList(ctx, db, stdout)
	case "clerk add":
		return clerkAdd(ctx, db, rest[2:], os.Stdin, stdout)
	case "clerk reset-totp":
		return clerkResetTOTP(ctx, db, rest[2:], stdout)
	}
	fmt.Fprintln(stdout, adminUsage)
	return fmt.Errorf("admin: unknown command %q", strings.Join(rest[:2], " "))
}

func officeList(ctx context.Context, db *store.DB, w io.Writer) error {
	list, err := db.Offices(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tNAME\tCHAIRS\tLANGUAGES\tHOURS")
	for _, o := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%v\n", o.ID, o.Prefix, o.Name, o.Chairs, strings.Join(o.Languages, ","), o.Hours)
	}
	return tw.Flush()
}

// parseHours reads "mon=08:00-12:00,13:00-15:00;tue=…".
func parseHours(s string) (map[string][]string, error) {
	out := map[string][]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, day := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(day), "=")
		if !ok {
			return nil, fmt.Errorf("--hours: %q is not day=intervals", day)
		}
		out[strings.TrimSpace(k)] = splitList(v)
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func validateOffice(o reception.Office) error {
	c := config.Defaults()
	c.Offices = []config.Office{{ID: o.ID, Name: o.Name, Prefix: o.Prefix, Chairs: o.Chairs, Languages: o.Languages, Hours: o.Hours}}
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := o.Schedule("", time.UTC)
	return err
}

func officeAdd(ctx context.Context, db *store.DB, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("office add", flag.ContinueOnError)
	id := fs.String("id", "", "slug, e.g. bauamt")
	name := fs.String("name", "", "display name")
	prefix := fs.String("prefix", "", "ticket prefix, 1-2 capital letters")
	chairs := fs.Int("chairs", 1, "clerk seats")
	langs := fs.String("languages", "de", "languages, comma-separated")
	desc := fs.String("description", "", "description for citizens")
	hrs := fs.String("hours", "", `weekly hours, e.g. "mon=08:00-12:00;tue=08:00-12:00,13:00-15:00"`)
	ignore := fs.Bool("ignore-holidays", false, "stay open on public holidays")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := parseHours(*hrs)
	if err != nil {
		return err
	}
	list, err := db.Offices(ctx)
	if err != nil {
		return err
	}
	o := reception.Office{ID: *id, Name: *name, Prefix: *prefix, Chairs: *chairs, Languages: splitList(*langs), Description: *desc, Hours: h, IgnoreHolidays: *ignore, Position: len(list)}
	if err := validateOffice(o); err != nil {
		return err
	}
	if err := db.UpsertOffice(ctx, o); err != nil {
		return err
	}
	fmt.Fprintf(w, "office %s saved\n", o.ID)
	return nil
}

func hoursSet(ctx context.Context, db *store.DB, kind string, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("hours", flag.ContinueOnError)
	id := fs.String("office", "", "office id")
	day := fs.String("day", "", "mon … sun")
	date := fs.String("date", "", "YYYY-MM-DD")
	iv := fs.String("intervals", "", `"08:00-12:00,13:00-15:00"; empty = closed`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	list, err := db.Offices(ctx)
	if err != nil {
		return err
	}
	for _, o := range list {
		if o.ID != *id {
			continue
		}
		for _, x := range splitList(*iv) {
			if _, err := hours.ParseInterval(x); err != nil {
				return fmt.Errorf("--intervals %q: %w", x, err)
			}
		}
		if kind == "set" {
			if o.Hours == nil {
				o.Hours = map[string][]string{}
			}
			o.Hours[*day] = splitList(*iv)
		} else {
			if _, err := time.Parse("2006-01-02", *date); err != nil {
				return fmt.Errorf("--date %q: use YYYY-MM-DD", *date)
			}
			if o.Exceptions == nil {
				o.Exceptions = map[string][]string{}
			}
			o.Exceptions[*date] = splitList(*iv)
		}
		if err := validateOffice(o); err != nil {
			return err
		}
		if err := db.UpsertOffice(ctx, o); err != nil {
			return err
		}
		fmt.Fprintf(w, "hours of %s saved\n", o.ID)
		return nil
	}
	return fmt.Errorf("--office %q: no such office", *id)
}

func clerkList(ctx context.Context, db *store.DB, w io.Writer) error {
	cs, err := db.Clerks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tNAME\tROLE\tOFFICES\tMATRIX")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Login, c.DisplayName, c.Role, strings.Join(c.Offices, ","), c.MatrixID)
	}
	return tw.Flush()
}

func clerkAdd(ctx context.Context, db *store.DB, args []string, in io.Reader, w io.Writer) error {
	fs := flag.NewFlagSet("clerk add", flag.ContinueOnError)
	login := fs.String("login", "", "login name")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "clerk", "clerk, lead or admin")
	offices := fs.String("offices", "", "office ids, comma-separated")
	matrix := fs.String("matrix-id", "", "Matrix user id for the bridge")
	gen := fs.Bool("generate", false, "generate a one-time password and print it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pw := ""
	if *gen {
		pw = staff.RandomToken(12)
	} else {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("clerk add: give the password on standard input or use --generate")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	svc := staff.NewService(db, staff.Policy{})
	c := staff.Clerk{Login: *login, DisplayName: *name, Role: staff.Role(*role), Offices: splitList(*offices), MatrixID: *matrix}
	if err := svc.Save(ctx, c, pw, *gen); err != nil {
		return fmt.Errorf("clerk add: %w", err)
	}
	fmt.Fprintf(w, "clerk %s saved\n", c.Login)
	if *gen {
		fmt.Fprintf(w, "one-time password: %s\n", pw)
	}
	return nil
}

func clerkResetTOTP(ctx context.Context, db *store.DB, args []string, w io.Writer) error {
	fs := flag.NewFlagSet("clerk reset-totp", flag.ContinueOnError)
	login := fs.String("login", "", "the clerk's login")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *login == "" {
		return errors.New("clerk reset-totp: --login is required")
	}
	if err := staff.NewService(db, staff.Policy{}).ResetTOTP(ctx, *login); err != nil {
		return fmt.Errorf("clerk reset-totp %s: %w", *login, err)
	}
	fmt.Fprintf(w, "TOTP of %s reset; the clerk's sessions have ended\n", *login)
	return nil
}
