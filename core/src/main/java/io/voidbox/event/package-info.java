/**
 * Run events: the observable record of a run, delivered to listeners and written as JSON Lines (contract: {@code docs/observability.md}).
 */
package io.voidbox.event;
