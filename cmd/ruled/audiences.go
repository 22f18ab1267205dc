package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ruled/ruled/cdp"
)

// audiencesCmd groups the audience registry's commands.
type audiencesCmd struct {
	Pull           withRules[audiencesPullCmd, *audiencesPullCmd] `cmd:"" help:"Import the audiences of Experience Platform into audiences.yaml (written atomically; hand-written descriptions kept; audiences rules still use are marked removed, not deleted)."`
	TestConnection audiencesTestCmd                               `cmd:"" name:"test-connection" help:"Say whether the Experience Platform credentials work and, if not, what is wrong."`
	List           withRules[audiencesListCmd, *audiencesListCmd] `cmd:"" help:"List the audience registry with the rules and blocks that use each audience: the dashboard in a terminal."`
}

// SecretEnv is the only place the client secret is read from: never a flag
// (flags show in process listings and shell history), never a file.
const SecretEnv = "RULED_AEP_CLIENT_SECRET"

// platformFlags are the Experience Platform connection settings.
type platformFlags struct {
	ClientID string        `help:"Client id of the OAuth server-to-server credential (Developer Console); the secret is read from ${secret_env} only." env:"RULED_AEP_CLIENT_ID" placeholder:"ID"`
	OrgID    string        `name:"org-id" help:"IMS organization id, e.g. 1234ABCD5678@AdobeOrg." env:"RULED_AEP_ORG_ID" placeholder:"ORG"`
	Sandbox  string        `help:"Experience Platform sandbox (${default})." default:"prod" env:"RULED_AEP_SANDBOX" placeholder:"NAME"`
	Scopes   []string      `help:"OAuth scopes, comma-separated (default: the credential's Experience Platform scopes)." env:"RULED_AEP_SCOPES" placeholder:"SCOPE"`
	TokenURL string        `name:"token-url" help:"IMS token endpoint (${default})." default:"https://ims-na1.adobelogin.com/ims/token/v3" env:"RULED_AEP_TOKEN_URL" placeholder:"URL"`
	APIURL   string        `name:"api-url" help:"Experience Platform API (${default})." default:"https://platform.adobe.io" env:"RULED_AEP_API_URL" placeholder:"URL"`
	Dataflow string        `help:"Id of the destination dataflow (the Commerce destination's) whose activated audiences are pulled; without it, every published audience of the sandbox." env:"RULED_AEP_DATAFLOW_ID" placeholder:"ID"`
	Timeout  time.Duration `help:"Longest time for the whole exchange (${default})." default:"2m"`
}

// client makes the Experience Platform client of the flags and the secret
// in the environment.
func (f *platformFlags) client() (*cdp.Client, error) {
	return cdp.New(cdp.Config{
		ClientID: f.ClientID, ClientSecret: os.Getenv(SecretEnv), OrgID: f.OrgID, Sandbox: f.Sandbox,
		Scopes: f.Scopes, TokenURL: f.TokenURL, APIURL: f.APIURL,
	})
}

// platformProblem reports a failed exchange with Experience Platform: what
// is wrong and where to fix it. It returns the exit code: 1 when the
// settings are wrong, 2 when Platform could not be reached or misbehaved.
func platformProblem(e *env, err error) int {
	var cerr *cdp.Error
	if !errors.As(err, &cerr) {
		fmt.Fprintln(e.stderr, "ruled:", err)
		return exitCantRun
	}
	fmt.Fprintln(e.stderr, "ruled:", cerr)
	hint := map[cdp.Kind]string{
		cdp.KindConfig:      "set --client-id/RULED_AEP_CLIENT_ID, --org-id/RULED_AEP_ORG_ID and " + SecretEnv,
		cdp.KindCredentials: "check RULED_AEP_CLIENT_ID and " + SecretEnv + " against the project's OAuth Server-to-Server credential in the Developer Console",
		cdp.KindScope:       "ask only for scopes the credential has (--scopes); the Developer Console lists them",
		cdp.KindOrg:         "check --org-id: it is the organization the credential belongs to, ending in @AdobeOrg",
		cdp.KindPermission:  "add the credential to an Experience Platform product profile that may view segments",
		cdp.KindSandbox:     "check --sandbox: the credential's product profile must include that sandbox",
		cdp.KindDataflow:    "check --dataflow: the id of the destination's dataflow in this sandbox (Destinations > Browse in Experience Platform)",
		cdp.KindNetwork:     "check the network and --api-url / --token-url",
	}[cerr.Kind]
	if hint != "" {
		fmt.Fprintln(e.stderr, "  "+hint)
	}
	switch cerr.Kind {
	case cdp.KindNetwork, cdp.KindServer, cdp.KindRateLimited, cdp.KindProtocol:
		return exitCantRun
	}
	return exitWrong
}

type audiencesTestCmd struct {
	platformFlags
}

func (c *audiencesTestCmd) run(e *env) int {
	client, err := c.client()
	if err != nil {
		return platformProblem(e, err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	if err := client.Check(ctx); err != nil {
		return platformProblem(e, err)
	}
	fmt.Fprintf(e.stdout, "connection ok: organization %s, sandbox %s, client %s can read audiences\n", c.OrgID, c.Sandbox, c.ClientID)
	if c.Dataflow != "" {
		ids, err := client.Activated(ctx, c.Dataflow)
		if err != nil {
			return platformProblem(e, err)
		}
		fmt.Fprintf(e.stdout, "dataflow %s activates %d audiences\n", c.Dataflow, len(ids))
	}
	return exitOK
}

// joinOr writes a list for a summary line.
func joinOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}
