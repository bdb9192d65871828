/**
 * Implementation: run events to OpenTelemetry spans and metrics (API only). Not API; may change at any time.
 */
package io.voidbox.internal.otel;
