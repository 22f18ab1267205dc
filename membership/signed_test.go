package membership_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/ruled/ruled/membership"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// keyring holds the keys of the tests: two of each kind, so that rotation
// and wrong keys can be shown.
type keyring struct {
	secret, secret2, attacker []byte
	rsa1, rsa2, rsaAttacker   *rsa.PrivateKey
	ec1                       *ecdsa.PrivateKey
	ed1                       ed25519.PrivateKey
}

func newKeyring(t *testing.T) *keyring {
	t.Helper()
	k := &keyring{
		secret:   []byte(strings.Repeat("s", 32)),
		secret2:  []byte(strings.Repeat("n", 40)),
		attacker: []byte(strings.Repeat("a", 32)),
	}
	var err error
	for _, p := range []**rsa.PrivateKey{&k.rsa1, &k.rsa2, &k.rsaAttacker} {
		if *p, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	}
	if k.ec1, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if _, k.ed1, err = ed25519.GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	return k
}

// jwks is the public key set the server is given.
func (k *keyring) jwks(t *testing.T) []byte {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &k.rsa1.PublicKey, KeyID: "rsa-2026-10", Algorithm: "RS256", Use: "sig"},
		{Key: &k.rsa2.PublicKey, KeyID: "rsa-2026-11", Algorithm: "RS256", Use: "sig"},
		{Key: &k.ec1.PublicKey, KeyID: "ec-1", Algorithm: "ES256"},
		{Key: k.ed1.Public(), KeyID: "ed-1", Algorithm: "EdDSA"},
	}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type tokenClaims struct {
	jwt.Claims
	Segments any    `json:"segments,omitempty"`
	Group    string `json:"group,omitempty"`
}

func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, c any) string {
	t.Helper()
	opt := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opt = opt.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opt)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func good(exp time.Time) tokenClaims {
	return tokenClaims{
		Claims:   jwt.Claims{Subject: "visitor-42", Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now.Add(-time.Minute))},
		Segments: []string{"vip-shoppers", " loyal ", "vip-shoppers"},
		Group:    "vip",
	}
}

// unsignedToken builds a token by hand with the given header and claims
// and no signature, as an attacker would.
func unsignedToken(header, claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(claims)) + "."
}

func TestVerify(t *testing.T) {
	k := newKeyring(t)
	both, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{k.secret, k.secret2}, JWKS: k.jwks(t), Leeway: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	publicOnly, err := membership.NewVerifier(membership.Keys{JWKS: k.jwks(t)})
	if err != nil {
		t.Fatal(err)
	}
	secretOnly, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{k.secret}})
	if err != nil {
		t.Fatal(err)
	}
	hour := now.Add(time.Hour)
	valid := sign(t, jose.HS256, k.secret, "", good(hour))
	rsaPub, err := x509.MarshalPKIXPublicKey(&k.rsa1.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tampered := func(tok string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), `"vip"`, `"ceo"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	}
	noExp := good(hour)
	noExp.Expiry = nil
	badSegs := good(hour)
	badSegs.Segments = map[string]int{"vip": 1}
	future := good(hour)
	future.NotBefore = jwt.NewNumericDate(now.Add(time.Hour))

	tests := []struct {
		name   string
		v      *membership.Verifier
		raw    string
		at     time.Time
		want   membership.Status
		reason string // part of the reason
	}{
		{name: "hs256", v: both, raw: valid, want: membership.StatusVerified},
		{name: "rs256 current key", v: both, raw: sign(t, jose.RS256, k.rsa2, "rsa-2026-11", good(hour)), want: membership.StatusVerified},
		{name: "rotation: previous rs256 key still valid", v: both, raw: sign(t, jose.RS256, k.rsa1, "rsa-2026-10", good(hour)), want: membership.StatusVerified},
		{name: "rotation: previous hs256 secret still valid", v: both, raw: sign(t, jose.HS256, k.secret2, "", good(hour)), want: membership.StatusVerified},
		{name: "rotation: key without kid found by trying", v: both, raw: sign(t, jose.RS256, k.rsa1, "", good(hour)), want: membership.StatusVerified},
		{name: "es256", v: both, raw: sign(t, jose.ES256, k.ec1, "ec-1", good(hour)), want: membership.StatusVerified},
		{name: "eddsa", v: both, raw: sign(t, jose.EdDSA, k.ed1, "ed-1", good(hour)), want: membership.StatusVerified},
		{name: "within leeway", v: both, raw: valid, at: hour.Add(20 * time.Second), want: membership.StatusVerified},

		{name: "forged with another secret", v: both, raw: sign(t, jose.HS256, k.attacker, "", good(hour)), want: membership.StatusBadSignature},
		{name: "forged rs256 with another key under a known kid", v: both, raw: sign(t, jose.RS256, k.rsaAttacker, "rsa-2026-11", good(hour)), want: membership.StatusBadSignature},
		{name: "wrong key: kid of one key, signed by the other", v: both, raw: sign(t, jose.RS256, k.rsa1, "rsa-2026-11", good(hour)), want: membership.StatusBadSignature},
		{name: "wrong key: unknown kid", v: publicOnly, raw: sign(t, jose.RS256, k.rsaAttacker, "rsa-attacker", good(hour)), want: membership.StatusUnknownKey},
		{name: "tampered payload", v: both, raw: tampered(valid), want: membership.StatusBadSignature},
		{name: "tampered rs256 payload", v: both, raw: tampered(sign(t, jose.RS256, k.rsa2, "rsa-2026-11", good(hour))), want: membership.StatusBadSignature},
		{name: "expired", v: both, raw: sign(t, jose.HS256, k.secret, "", good(now.Add(-time.Hour))), want: membership.StatusExpired, reason: "expired at"},
		{name: "replayed after expiry", v: both, raw: valid, at: hour.Add(31 * time.Second), want: membership.StatusExpired},
		{name: "replayed after expiry without leeway", v: secretOnly, raw: valid, at: hour.Add(time.Second), want: membership.StatusExpired},
		{name: "not valid yet", v: both, raw: sign(t, jose.HS256, k.secret, "", future), want: membership.StatusNotYetValid},
		{name: "no exp", v: both, raw: sign(t, jose.HS256, k.secret, "", noExp), want: membership.StatusBadClaims, reason: "exp"},
		{name: "segments not a list", v: both, raw: sign(t, jose.HS256, k.secret, "", badSegs), want: membership.StatusBadClaims, reason: "segments"},

		{name: "alg none", v: both, raw: unsignedToken(`{"alg":"none","typ":"JWT"}`, `{"segments":["vip-shoppers"],"exp":4102444800}`), want: membership.StatusAlgorithm, reason: `"none"`},
		{name: "alg None", v: both, raw: unsignedToken(`{"alg":"None"}`, `{"segments":["vip-shoppers"],"exp":4102444800}`), want: membership.StatusAlgorithm},
		{name: "hs256 with the public key as secret, only public keys configured", v: publicOnly, raw: sign(t, jose.HS256, rsaPub, "rsa-2026-11", good(hour)), want: membership.StatusAlgorithm},
		{name: "hs256 with the public key as secret, both configured", v: both, raw: sign(t, jose.HS256, rsaPub, "rsa-2026-11", good(hour)), want: membership.StatusBadSignature},
		{name: "hs256 with the public key as secret, no kid", v: both, raw: sign(t, jose.HS256, rsaPub, "", good(hour)), want: membership.StatusBadSignature},
		{name: "rs256 token to a secret-only verifier", v: secretOnly, raw: sign(t, jose.RS256, k.rsa1, "rsa-2026-10", good(hour)), want: membership.StatusAlgorithm},
		{name: "ps256 not accepted", v: both, raw: sign(t, jose.PS256, k.rsa1, "rsa-2026-10", good(hour)), want: membership.StatusAlgorithm},

		{name: "plain segment list", v: both, raw: "vip-shoppers,loyal", want: membership.StatusUnsigned},
		{name: "json segment list", v: both, raw: `["vip-shoppers"]`, want: membership.StatusUnsigned},
		{name: "garbage header", v: both, raw: "a.b.c", want: membership.StatusMalformed},
		{name: "empty", v: both, raw: "  ", want: membership.StatusAbsent},
		{name: "huge", v: both, raw: strings.Repeat("a", membership.MaxBytes+1), want: membership.StatusMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := tt.at
			if at.IsZero() {
				at = now
			}
			got := tt.v.Verify(tt.raw, at)
			if got.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", got.Status, got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", got.Reason, tt.reason)
			}
			if got.Verified() {
				if want := []string{"vip-shoppers", "loyal"}; !slices.Equal(got.Segments, want) || got.Subject != "visitor-42" || got.Group != "vip" {
					t.Errorf("verified %+v: want segments %q, subject visitor-42, group vip", got, want)
				}
				return
			}
			if got.Segments != nil || got.Group != "" || got.Subject != "" {
				t.Errorf("%s verdict carries membership: %+v", got.Status, got)
			}
			if got.Status != membership.StatusAbsent && got.Reason == "" {
				t.Errorf("%s verdict without a reason", got.Status)
			}
		})
	}
}

func TestNewVerifierRefuses(t *testing.T) {
	k := newKeyring(t)
	private, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.rsa1, KeyID: "p"}}})
	wrongAlg, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.rsa1.PublicKey, KeyID: "x", Algorithm: "HS256"}}})
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weak, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &small.PublicKey, KeyID: "w"}}})
	tests := []struct {
		name string
		keys membership.Keys
		want string
	}{
		{"nothing", membership.Keys{}, "no key"},
		{"short secret", membership.Keys{Secrets: [][]byte{[]byte("short")}}, "at least 32"},
		{"not json", membership.Keys{JWKS: []byte("{")}, "reading the key set"},
		{"private key", membership.Keys{JWKS: private}, "public keys only"},
		{"alg that does not fit", membership.Keys{JWKS: wrongAlg}, "does not fit"},
		{"weak rsa", membership.Keys{JWKS: weak}, "2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := membership.NewVerifier(tt.keys)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewVerifier: %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestSignHS256RoundTrip(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	v, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{secret}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := membership.SignHS256(secret, "", membership.Claims{Segments: []string{"vip"}, Subject: "v1", Group: "wholesale", Expiry: now.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	got := v.Verify(tok, now)
	if !got.Verified() || !slices.Equal(got.Segments, []string{"vip"}) || got.Subject != "v1" || got.Group != "wholesale" {
		t.Fatalf("Verify(SignHS256(...)) = %+v", got)
	}
	if _, err := membership.SignHS256(secret, "", membership.Claims{}); err == nil {
		t.Error("SignHS256 without an expiry: no error")
	}
}

// FuzzVerify: whatever arrives, Verify answers with a known status, and
// only a token the secret signed is verified.
func FuzzVerify(f *testing.F) {
	secret := []byte(strings.Repeat("f", 32))
	v, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{secret}})
	if err != nil {
		f.Fatal(err)
	}
	strict, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{secret}, Issuer: "edge", Audience: "ruled"})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := membership.SignHS256(secret, "k1", membership.Claims{Segments: []string{"vip"}, Expiry: now.Add(time.Hour)})
	aimed, _ := membership.SignHS256(secret, "", membership.Claims{Segments: []string{"vip"}, Expiry: now.Add(time.Hour), Issuer: "edge", Audience: []string{"ruled"}})
	for _, s := range []string{good, aimed, good + "x", "vip,loyal", `["a"]`, "a.b.c", unsignedToken(`{"alg":"none"}`, `{"exp":1}`),
		unsignedToken(`{"alg":"HS256"}`, `{"segments":["x"],"exp":4102444800}`), "", "..", "e30.e30.e30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := v.Verify(raw, now)
		if !slices.Contains(membership.Statuses, got.Status) {
			t.Fatalf("unknown status %q", got.Status)
		}
		// With iss and aud required, nothing verifies that the lax
		// verifier refuses, and every verdict is a known one.
		if sv := strict.Verify(raw, now); !slices.Contains(membership.Statuses, sv.Status) || (sv.Verified() && !got.Verified()) {
			t.Fatalf("strict verdict %s where the lax one is %s", sv.Status, got.Status)
		}
		if !got.Verified() && (got.Segments != nil || got.Group != "" || got.Subject != "") {
			t.Fatalf("%s verdict carries membership: %+v", got.Status, got)
		}
		if got.Verified() && len(got.Segments) > membership.MaxIDs {
			t.Fatalf("%d segments", len(got.Segments))
		}
	})
}

// TestVerifyIssuerAudience: with an issuer and an audience configured, a
// token must carry both, whatever key signed it; without them, iss and aud
// are not looked at.
func TestVerifyIssuerAudience(t *testing.T) {
	k := newKeyring(t)
	strict, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{k.secret}, JWKS: k.jwks(t),
		Issuer: "https://edge.example.com", Audience: "ruled-checkout"})
	if err != nil {
		t.Fatal(err)
	}
	issOnly, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{k.secret}, Issuer: "https://edge.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	lax, err := membership.NewVerifier(membership.Keys{Secrets: [][]byte{k.secret}})
	if err != nil {
		t.Fatal(err)
	}
	hour := now.Add(time.Hour)
	with := func(iss string, aud ...string) tokenClaims {
		c := good(hour)
		c.Issuer, c.Audience = iss, aud
		return c
	}
	expired := with("https://cdp.example.com", "ruled-checkout")
	expired.Expiry = jwt.NewNumericDate(now.Add(-time.Hour))

	tests := []struct {
		name   string
		v      *membership.Verifier
		claims tokenClaims
		alg    jose.SignatureAlgorithm
		want   membership.Status
		reason string
	}{
		{name: "issuer and audience match", v: strict, claims: with("https://edge.example.com", "ruled-checkout"), want: membership.StatusVerified},
		{name: "audience among several", v: strict, claims: with("https://edge.example.com", "search", "ruled-checkout"), want: membership.StatusVerified},
		{name: "rs256 with issuer and audience", v: strict, alg: jose.RS256, claims: with("https://edge.example.com", "ruled-checkout"), want: membership.StatusVerified},
		{name: "wrong issuer", v: strict, claims: with("https://cdp.example.com", "ruled-checkout"), want: membership.StatusWrongIssuer, reason: `"https://cdp.example.com"`},
		{name: "no issuer", v: strict, claims: with("", "ruled-checkout"), want: membership.StatusWrongIssuer},
		{name: "issuer differs in case", v: strict, claims: with("https://EDGE.example.com", "ruled-checkout"), want: membership.StatusWrongIssuer},
		{name: "wrong audience", v: strict, claims: with("https://edge.example.com", "search"), want: membership.StatusWrongAudience, reason: `["search"]`},
		{name: "no audience", v: strict, claims: with("https://edge.example.com"), want: membership.StatusWrongAudience, reason: "(none)"},
		{name: "rs256 wrong audience", v: strict, alg: jose.RS256, claims: with("https://edge.example.com", "search"), want: membership.StatusWrongAudience},
		{name: "issuer only: any audience", v: issOnly, claims: with("https://edge.example.com", "search"), want: membership.StatusVerified},
		{name: "issuer only: wrong issuer", v: issOnly, claims: with("https://cdp.example.com"), want: membership.StatusWrongIssuer},
		{name: "neither set: iss and aud ignored", v: lax, claims: with("https://cdp.example.com", "search"), want: membership.StatusVerified},
		{name: "wrong issuer of an expired token is still refused", v: strict, claims: expired, want: membership.StatusWrongIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := sign(t, jose.HS256, k.secret, "", tt.claims)
			if tt.alg == jose.RS256 {
				tok = sign(t, jose.RS256, k.rsa2, "rsa-2026-11", tt.claims)
			}
			got := tt.v.Verify(tok, now)
			if got.Status != tt.want {
				t.Fatalf("status %s (%s), want %s", got.Status, got.Reason, tt.want)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", got.Reason, tt.reason)
			}
			if !got.Verified() && (got.Segments != nil || got.Group != "" || got.Subject != "") {
				t.Errorf("%s verdict carries membership: %+v", got.Status, got)
			}
		})
	}
}
