package authority

// The credentials of the default fixtures (fixtures_default.yaml, DefaultFixtures), for tests
// that log in to a stub started with nil Options.Fixtures. They are published test data (the
// README and the vendor's documentation show them): never give them to a real server.
const (
	// authentication/token: the user jdoe.
	DefaultUsername     = "jdoe"
	DefaultPassword     = "s3cret-Passw0rd"
	DefaultOrganisation = "ps_dev"
	DefaultUnit         = "1" // the user's default unit, given when a login names none
	DefaultOtherUnit    = "2" // the other unit the user may ask for

	// authentication/web_api_key/token: the vendor's documented example key. Its tokens are
	// for the user DefaultKeyUsername in DefaultOrganisation, unit DefaultUnit.
	DefaultWebAPIKey   = "EE73C0AE64524371B5DDEFF5F7BB2192"
	DefaultKeyUsername = "maytemplate"

	// authentication/consumer_application_key/token: the same key, as the vendor's examples
	// have it, with one consumer's access token, identified by DefaultAuthenticationCode or by
	// DefaultIdentifier and DefaultPassCode. Its tokens carry the consumer's claims.
	DefaultConsumerApplicationKey = DefaultWebAPIKey
	DefaultAuthenticationCode     = "p_kestora1!"
	DefaultIdentifier             = "maytemplate-card-0001"
	DefaultPassCode               = "4321"
	DefaultContact                = "2695FED3FCFD4084AB39F44B18889123" // the cii claim
	DefaultAccountsReceivable     = "261BF2B79198401D89A79C545F16CBEC" // the ari claim
)
