// Package housetest holds no code, only tests of the repository's shape: which package may
// import which, and how large the root serverimpl package and its functions may grow
// (issue 17's rules, checked so that they stay true).
package housetest
