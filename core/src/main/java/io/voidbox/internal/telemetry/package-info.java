/**
 * Implementation: guest and process telemetry to events, with gap detection. Not API; may change at any time.
 */
package io.voidbox.internal.telemetry;
