package membership

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Status is the fate of a signed membership value, a stable word for
// metrics and the explain trace.
type Status string

// The statuses of Verify. Only StatusVerified gives segments; every other
// status is "no membership".
const (
	StatusVerified      Status = "verified"       // signature, expiry and claims good
	StatusAbsent        Status = "absent"         // no value sent
	StatusUnsigned      Status = "unsigned"       // a plain segment list, not a JWT
	StatusMalformed     Status = "malformed"      // not a well-formed JWS compact token
	StatusAlgorithm     Status = "bad_algorithm"  // alg none, or an algorithm no key is for
	StatusUnknownKey    Status = "unknown_key"    // kid names no configured key
	StatusBadSignature  Status = "bad_signature"  // tampered, or signed by another key
	StatusExpired       Status = "expired"        // exp is past (beyond the leeway)
	StatusNotYetValid   Status = "not_yet_valid"  // nbf or iat is in the future
	StatusBadClaims     Status = "bad_claims"     // exp missing, segments not a list of ids, …
	StatusWrongIssuer   Status = "wrong_issuer"   // iss is not the configured issuer
	StatusWrongAudience Status = "wrong_audience" // aud does not name the configured audience
)

// Statuses lists every Status, for metrics that want all their series.
var Statuses = []Status{StatusVerified, StatusAbsent, StatusUnsigned, StatusMalformed, StatusAlgorithm,
	StatusUnknownKey, StatusBadSignature, StatusExpired, StatusNotYetValid, StatusBadClaims, StatusWrongIssuer, StatusWrongAudience}

// Verdict is what Verify made of one value.
type Verdict struct {
	Status Status
	// Reason is a sentence for the explain trace; empty when verified.
	Reason string
	// Segments, Subject (the visitor id, sub) and Group (the group claim)
	// come from a verified token only.
	Segments []string
	Subject  string
	Group    string
}

// Verified reports whether the verdict carries membership.
func (v Verdict) Verified() bool { return v.Status == StatusVerified }

// Keys are what signed membership is checked against. Two or more keys
// may be valid at once, so that a new key can sign while tokens of the old
// one are still in browsers.
type Keys struct {
	// Secrets are HS256 shared secrets; each is tried for a token without
	// a kid.
	Secrets [][]byte
	// JWKS is a JSON Web Key Set: public RSA (RS256), P-256 (ES256) and
	// Ed25519 (EdDSA) keys, and oct keys for HS256, chosen by kid.
	JWKS []byte
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// Issuer, when set, is the iss a token must carry exactly: a token
	// another service minted with a shared key is then refused.
	Issuer string
	// Audience, when set, must be one of the token's aud values: a token
	// minted for another service is then refused.
	Audience string
}

// Verifier checks signed membership tokens. It is immutable and safe for
// concurrent use.
type Verifier struct {
	secrets []verifyKey
	public  []verifyKey
	leeway  time.Duration
	algs    []jose.SignatureAlgorithm
	want    jwt.Expected // iss and aud; the instant is set per token
}

type verifyKey struct {
	kid string
	alg jose.SignatureAlgorithm // the only algorithm this key checks
	key any                     // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// MinSecretBytes is the shortest HS256 secret accepted: RFC 7518 §3.2 asks
// for a key at least as long as the hash.
const MinSecretBytes = 32

// NewVerifier builds a verifier from k. It fails when there is no key at
// all, a secret is shorter than MinSecretBytes, or the key set cannot be
// read or holds a key of another kind (private keys are refused: the
// server needs only public ones).
func NewVerifier(k Keys) (*Verifier, error) {
	v := &Verifier{leeway: k.Leeway, want: jwt.Expected{Issuer: k.Issuer}}
	if k.Audience != "" {
		v.want.AnyAudience = jwt.Audience{k.Audience}
	}
	for i, s := range k.Secrets {
		if len(s) < MinSecretBytes {
			return nil, fmt.Errorf("membership signing: secret %d is %d bytes: want at least %d", i+1, len(s), MinSecretBytes)
		}
		v.secrets = append(v.secrets, verifyKey{alg: jose.HS256, key: s})
	}
	if len(k.JWKS) > 0 {
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(k.JWKS, &set); err != nil {
			return nil, fmt.Errorf("membership signing: reading the key set: %w", err)
		}
		for i, jk := range set.Keys {
			vk, err := fromJWK(jk)
			if err != nil {
				return nil, fmt.Errorf("membership signing: key %d (kid %q) of the key set: %w", i+1, jk.KeyID, err)
			}
			if vk.alg == jose.HS256 {
				v.secrets = append(v.secrets, vk)
			} else {
				v.public = append(v.public, vk)
			}
		}
	}
	if len(v.secrets)+len(v.public) == 0 {
		return nil, errors.New("membership signing: no key: want a secret or a key set with at least one key")
	}
	for _, vk := range slices.Concat(v.secrets, v.public) {
		if !slices.Contains(v.algs, vk.alg) {
			v.algs = append(v.algs, vk.alg)
		}
	}
	return v, nil
}

// fromJWK takes one key of the set, fixing the one algorithm it checks.
func fromJWK(jk jose.JSONWebKey) (verifyKey, error) {
	vk := verifyKey{kid: jk.KeyID, key: jk.Key}
	if jk.Use != "" && jk.Use != "sig" {
		return vk, fmt.Errorf("use %q: want sig", jk.Use)
	}
	switch key := jk.Key.(type) {
	case []byte:
		vk.alg = jose.HS256
		if len(key) < MinSecretBytes {
			return vk, fmt.Errorf("oct key is %d bytes: want at least %d", len(key), MinSecretBytes)
		}
	case *rsa.PublicKey:
		vk.alg = jose.RS256
		if key.N.BitLen() < 2048 {
			return vk, fmt.Errorf("RSA key of %d bits: want at least 2048", key.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if key.Curve != elliptic.P256() {
			return vk, fmt.Errorf("EC key on %s: want P-256 (ES256)", key.Curve.Params().Name)
		}
		vk.alg = jose.ES256
	case ed25519.PublicKey:
		vk.alg = jose.EdDSA
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return vk, errors.New("a private key: the key set must hold public keys only")
	default:
		return vk, fmt.Errorf("key of type %T: want RSA, P-256, Ed25519 or oct", jk.Key)
	}
	if jk.Algorithm != "" && jk.Algorithm != string(vk.alg) {
		return vk, fmt.Errorf("alg %q does not fit the key: want %s", jk.Algorithm, vk.alg)
	}
	return vk, nil
}

// claims are the token's own claims beside the registered ones.
type claims struct {
	Segments json.RawMessage `json:"segments"`
	Group    *string         `json:"group"`
}

// Verify judges raw, a signed membership value, at instant now. It never
// fails: anything but a good token is a Verdict without segments whose
// Reason says why.
//
// The header's alg must be one the configured keys are for (so alg none,
// and an HS256 token against a public key, are refused before any
// signature check); a kid, when present, chooses the key, else every key
// of the algorithm is tried. exp is required; iss and aud are checked
// when Keys.Issuer and Keys.Audience are set (go-jose's jwt.Expected);
// segments, when present, must be an array of strings and is cleaned as
// Decode cleans ids.
func (v *Verifier) Verify(raw string, now time.Time) Verdict {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Verdict{Status: StatusAbsent}
	}
	if len(raw) > MaxBytes {
		return Verdict{Status: StatusMalformed, Reason: fmt.Sprintf("token is %d bytes, more than the limit of %d", len(raw), MaxBytes)}
	}
	if strings.Count(raw, ".") != 2 {
		return Verdict{Status: StatusUnsigned, Reason: "membership is not a signed token (JWT): ignored"}
	}
	alg, kid, ok := header(raw)
	if !ok {
		return Verdict{Status: StatusMalformed, Reason: "token header is not base64url JSON with an alg"}
	}
	if !slices.Contains(v.algs, jose.SignatureAlgorithm(alg)) {
		return Verdict{Status: StatusAlgorithm, Reason: fmt.Sprintf("token algorithm %q is not accepted: want %s", alg, algNames(v.algs))}
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return Verdict{Status: StatusMalformed, Reason: "token: " + err.Error()}
	}
	keys := v.public
	if alg == string(jose.HS256) {
		keys = v.secrets
	}
	var std jwt.Claims
	var own claims
	tried, verified := 0, false
	for _, k := range keys {
		if k.alg != jose.SignatureAlgorithm(alg) || (kid != "" && k.kid != "" && k.kid != kid) || (kid != "" && k.kid == "" && hasKid(keys, kid)) {
			continue
		}
		tried++
		if tok.Claims(k.key, &std, &own) == nil {
			verified = true
			break
		}
	}
	switch {
	case tried == 0:
		return Verdict{Status: StatusUnknownKey, Reason: fmt.Sprintf("no %s key has kid %q", alg, kid)}
	case !verified:
		return Verdict{Status: StatusBadSignature, Reason: "token signature does not verify with any configured key"}
	case std.Expiry == nil:
		return Verdict{Status: StatusBadClaims, Reason: "token has no exp claim: an expiry is required"}
	}
	if err := std.ValidateWithLeeway(v.want.WithTime(now), v.leeway); err != nil {
		switch {
		case errors.Is(err, jwt.ErrInvalidIssuer):
			return Verdict{Status: StatusWrongIssuer, Reason: fmt.Sprintf("token issuer %q is not the configured issuer %q", std.Issuer, v.want.Issuer)}
		case errors.Is(err, jwt.ErrInvalidAudience):
			return Verdict{Status: StatusWrongAudience, Reason: fmt.Sprintf("token audience %s does not name the configured audience %q", audienceText(std.Audience), v.want.AnyAudience[0])}
		case errors.Is(err, jwt.ErrExpired):
			return Verdict{Status: StatusExpired, Reason: fmt.Sprintf("token expired at %s", std.Expiry.Time().UTC().Format(time.RFC3339))}
		default:
			return Verdict{Status: StatusNotYetValid, Reason: "token is not valid yet: " + err.Error()}
		}
	}
	out := Verdict{Status: StatusVerified, Subject: std.Subject}
	if own.Group != nil {
		out.Group = strings.TrimSpace(*own.Group)
	}
	if len(own.Segments) > 0 && string(own.Segments) != "null" {
		var ids []string
		if err := json.Unmarshal(own.Segments, &ids); err != nil {
			return Verdict{Status: StatusBadClaims, Reason: "token segments claim is not an array of strings"}
		}
		clean, err := clean(ids)
		if err != nil {
			return Verdict{Status: StatusBadClaims, Reason: "token segments claim: " + err.Error()}
		}
		out.Segments = clean
	}
	return out
}

// hasKid reports whether some key is named kid: a token naming a key is
// then checked with that key only, not also with the unnamed ones.
func hasKid(keys []verifyKey, kid string) bool {
	return slices.ContainsFunc(keys, func(k verifyKey) bool { return k.kid == kid })
}

// header reads alg and kid from a compact token's header, only to say why
// a token is refused; the signature check parses it again.
func header(raw string) (alg, kid string, ok bool) {
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "", "", false
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(b, &h) != nil || h.Alg == "" {
		return "", "", false
	}
	return h.Alg, h.Kid, true
}

// audienceText writes a token's aud for a reason.
func audienceText(aud jwt.Audience) string {
	if len(aud) == 0 {
		return "(none)"
	}
	q := make([]string, len(aud))
	for i, a := range aud {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func algNames(algs []jose.SignatureAlgorithm) string {
	s := make([]string, len(algs))
	for i, a := range algs {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
