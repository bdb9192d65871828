/**
 * The one place where the OpenTelemetry SDK and OTLP exporters are wired, from the environment variables of {@code docs/observability.md}.
 */
package io.voidbox.observability;
