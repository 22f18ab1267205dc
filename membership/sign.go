package membership

import (
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Claims are what a signed membership token says.
type Claims struct {
	Segments []string  // segment ids
	Subject  string    // the visitor id; optional
	Group    string    // the customer group; optional
	Expiry   time.Time // required
	Issuer   string    // iss; optional
	Audience []string  // aud; optional
}

// SignHS256 mints a membership token with an HS256 secret, as the edge or
// storefront back end that knows the shopper would; kid may be empty. It is
// for tools and tests: ruled itself only verifies.
func SignHS256(secret []byte, kid string, c Claims) (string, error) {
	if len(secret) < MinSecretBytes {
		return "", fmt.Errorf("signing membership: secret is %d bytes: want at least %d", len(secret), MinSecretBytes)
	}
	if c.Expiry.IsZero() {
		return "", errors.New("signing membership: an expiry is required")
	}
	opt := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opt = opt.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, opt)
	if err != nil {
		return "", fmt.Errorf("signing membership: %w", err)
	}
	body := struct {
		jwt.Claims
		Segments []string `json:"segments"`
		Group    string   `json:"group,omitempty"`
	}{jwt.Claims{Subject: c.Subject, Issuer: c.Issuer, Audience: c.Audience, Expiry: jwt.NewNumericDate(c.Expiry)}, c.Segments, c.Group}
	if body.Segments == nil {
		body.Segments = []string{}
	}
	tok, err := jwt.Signed(s).Claims(body).Serialize()
	if err != nil {
		return "", fmt.Errorf("signing membership: %w", err)
	}
	return tok, nil
}
