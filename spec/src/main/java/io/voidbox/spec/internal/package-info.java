/**
 * How spec files are read and resolved: a location-keeping YAML/JSON reader, typed field access
 * that collects every error, and the resolver that merges overrides and applies the core's
 * defaults. Not API: use {@link io.voidbox.spec.SpecLoader}.
 */
package io.voidbox.spec.internal;
