// Package sessions is what the stub remembers about the tokens it issued: a Session per token,
// kept in a Store. The Store is a contract with more than one implementation — Memory here, a
// shared one (Redis) in a package of its own — proven alike by the suite in storetest.
//
// A session is small on purpose: who holds it (a pointer to a shared Holder in memory) and a
// few instants. Everything else a caller needs is in the signed token itself.
package sessions
